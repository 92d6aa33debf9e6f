"""The store owns the jobs: their kind as judged, one migration for older databases, one
table of state messages, and a receive that parses the stored manifest once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from manifest_tools.credentials import SecretKey
from manifest_tools.errors import UsageError
from manifest_tools.manifest import parse as parse_module
from manifest_tools.manifest.jobtype import JobType
from manifest_tools.service import dock
from manifest_tools.service import store as store_module
from manifest_tools.service.operations import Context, create_job, get_status
from manifest_tools.service.store import DB_NAME, MESSAGES, SCHEMA_VERSION, Store

from .conftest import ACCESS, SAMPLES, SECRET

KEYS = {ACCESS: SecretKey(SECRET, "test")}


def _create(store: Store, sample: str, job_type: str = "Import") -> str:
    ctx = Context(store, KEYS, "http://127.0.0.1:1")
    made = dict(create_job(ctx, ACCESS, {"JobType": job_type.encode(), "ValidateOnly": b"false",
                                         "Manifest": (SAMPLES / "valid" / sample).read_bytes()}))
    return str(made["JobId"])


@pytest.mark.parametrize(("sample", "job_type", "kind"), [
    ("s3-import.yaml", "Import", JobType.IMPORT), ("s3-export.yaml", "Export", JobType.EXPORT),
    ("ebs-import.yaml", "Import", JobType.EBS), ("glacier-import.yaml", "Import",
                                                  JobType.GLACIER)])
def test_the_job_keeps_the_kind_it_was_judged(tmp_path: Path, sample: str, job_type: str,
                                              kind: JobType) -> None:
    store = Store(str(tmp_path))
    job = store.job_by_id(_create(store, sample, job_type))
    assert job is not None and job.kind is kind and job.job_type == job_type
    store.close()


def test_a_version_1_database_is_migrated_with_each_jobs_kind(tmp_path: Path) -> None:
    # A database as the previous release left it: schema 1, an EBS and an S3 import job.
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        store_module.MIGRATIONS[0](db)
        db.execute("PRAGMA user_version = 1")
        for job_id, sample in (("AAAAA", "ebs-import.yaml"), ("BBBBB", "s3-import.yaml")):
            db.execute("INSERT INTO jobs (job_id, account, job_type, manifest, signature, "
                       "signature_file, creation_date, location_code, location_message, "
                       "progress_code, progress_message, label_token) VALUES "
                       "(?, ?, 'Import', ?, 's', 'f', '2026-01-01T00:00:00Z', 'NotReceived', "
                       "'m', 'Pending', 'm', ?)",
                       (job_id, ACCESS, (SAMPLES / "valid" / sample).read_bytes(), job_id))
    store = Store(str(tmp_path))
    kinds = {job.job_id: job.kind for job in store.all_jobs()}
    assert kinds == {"AAAAA": JobType.EBS, "BBBBB": JobType.IMPORT}
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    # The EBS job is refused by the dock from its stored kind, without reading a device.
    with pytest.raises(UsageError, match="an EBS import job, not an S3 import job"):
        dock.receive(store, "AAAAA", str(tmp_path / "no-device"))
    store.close()


def test_receive_parses_the_stored_manifest_once(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(str(tmp_path / "data"))
    job_id = _create(store, "s3-import.yaml")
    job = store.job_by_id(job_id)
    assert job is not None
    device = tmp_path / "device"
    device.mkdir()
    (device / "a.txt").write_bytes(b"hello\n")
    (device / "SIGNATURE").write_text(job.signature_file)
    parses: list[bytes] = []
    real = parse_module.parse_manifest

    def counted(data: bytes, *args: object, **kwargs: object) -> parse_module.Manifest:
        parses.append(data)
        return real(data, *args, **kwargs)

    monkeypatch.setattr(parse_module, "parse_manifest", counted)
    receipt = dock.receive(store, job_id, str(device))
    assert receipt.progress_code == "Success" and receipt.loaded == 1
    assert parses.count(job.manifest) == 1, f"{len(parses)} parses"  # three before
    store.close()


def test_every_state_has_one_message_and_get_status_shows_it(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    ctx = Context(store, KEYS, "http://127.0.0.1:1")
    job_id = _create(store, "s3-import.yaml")
    assert store.cancel(job_id) and not store.cancel(job_id)  # one conditional write
    status = dict(get_status(ctx, ACCESS, {"JobId": job_id.encode()}))
    assert status["ProgressCode"] == "Canceled"
    assert status["ProgressMessage"] == MESSAGES["Canceled"]
    assert status["LocationMessage"] == MESSAGES["NotReceived"]
    assert not hasattr(dock, "MESSAGES")  # the dock writes no message of its own
    store.close()
