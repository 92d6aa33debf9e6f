"""Shared pieces of the agreement tests: a local service store with one S3 import job."""

from __future__ import annotations

from pathlib import Path

from manifest_tools.credentials import SecretKey
from manifest_tools.service.operations import Context, create_job
from manifest_tools.service.store import Job, Store
from tests.manifests import ADDRESS

ACCESS = "AKIA2E0A8F3B244C9986"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BUCKET = "example-import-bucket"


def import_manifest(extra: str = "") -> bytes:
    """An S3 import manifest (logs to example-log-bucket) with ``extra`` lines added."""
    return (f"manifestVersion: 2.0\naccessKeyId: {ACCESS}\ndeviceId: 49382\n"
            f"bucket: {BUCKET}\nlogBucket: example-log-bucket\neraseDevice: yes\n"
            + extra + ADDRESS).encode()


def new_job(data: Path, manifest: bytes) -> tuple[Store, Job]:
    """A job created through the service's own CreateJob, in a store under ``data``."""
    store = Store(str(data))
    ctx = Context(store, {ACCESS: SecretKey(SECRET, "test")}, "http://localhost")
    members = dict(create_job(ctx, ACCESS, {"JobType": b"Import", "Manifest": manifest,
                                            "ValidateOnly": b"false"}))
    job = store.job_by_id(str(members["JobId"]))
    assert job is not None
    return store, job
