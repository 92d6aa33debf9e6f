"""verify --device, the service's dock and write-signature agree on "is this the job's SIGNATURE?".

Each variant of the device's SIGNATURE bytes (as sent, CRLF, no final newline, a BOM,
trailing spaces, another job's, ...; then hypothesis's small edits of the bytes as sent)
goes through ``verify --status S --device ROOT`` (the real CLI, in-process), the dock's
``receive`` of a fresh job and ``write-signature`` without ``--force``: the dock imports
the device exactly when verify's device check passes, and write-signature replaces the file
without ``--force`` exactly then too (the file already is the job's).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.aws import SIGNATURE_NAME
from manifest_tools.service.dock import receive
from manifest_tools.service.store import Job
from tests.conftest import RunCli

from .conftest import SECRET, import_manifest, new_job

MANIFEST = import_manifest()
# The device's SIGNATURE bytes, made from the job (None: no SIGNATURE at all).
Make = Callable[[Job], bytes | None]


def _status(path: Path, job: Job) -> Path:
    path.write_text(json.dumps({
        "JobId": job.job_id, "JobType": "Import", "LocationCode": "NotReceived",
        "ProgressCode": "Pending", "Signature": job.signature,
        "SignatureFileContents": job.signature_file,
        "CurrentManifest": job.manifest.decode(), "CreationDate": job.creation_date}))
    return path


def _verdicts(run_cli: RunCli, work: Path, make: Make) -> tuple[bool, bool, bool | None]:
    """(verify's device check passed, the dock received the device, write-signature needed
    no --force; None without a file to replace) for a fresh job."""
    store, job = new_job(work / "data", MANIFEST)
    device = work / "device"
    device.mkdir()
    (device / "a.txt").write_text("data\n")
    data = make(job)
    if data is not None:
        (device / SIGNATURE_NAME).write_bytes(data)
    status = _status(work / "status.json", job)
    env = {"AWS_SECRET_ACCESS_KEY": SECRET, "AWS_PROFILE": None,
           "AWS_SHARED_CREDENTIALS_FILE": str(work / "none")}
    verified = run_cli("verify", "--status", str(status), "--device", str(device),
                       "--format", "json", env=env)
    assert verified.code in (0, 1), verified.err
    checks = {c["name"]: c for c in json.loads(verified.out)["checks"]}
    device_ok = checks["device-file-matches"]["ok"] is True
    assert (verified.code == 0) == device_ok  # every other check passes for this job
    received = receive(store, job.job_id, str(device))
    dock_ok = received.progress_code in ("Success", "SuccessWithErrors")
    assert dock_ok or received.progress_code == (
        "MissingSignature" if data is None else "InvalidSignature")
    written = run_cli("write-signature", str(device), "--status", str(status), env=env)
    assert written.code in (0, 1, 2) and "Traceback" not in written.err
    assert (device / SIGNATURE_NAME).read_bytes() == (
        job.signature_file.encode() if written.code == 0 else data)
    store.close()
    return device_ok, dock_ok, None if data is None else written.code == 0


def _sent(job: Job) -> bytes:
    return job.signature_file.encode()


def _other_job(job: Job) -> bytes:
    """The SIGNATURE of another job of the same manifest (as in the receive tests)."""
    with tempfile.TemporaryDirectory() as tmp:
        store, other = new_job(Path(tmp), MANIFEST)
        store.close()
    return other.signature_file.encode()


VARIANTS: dict[str, tuple[Make, bool]] = {
    "as sent": (_sent, True),
    "no final newline": (lambda j: _sent(j).rstrip(b"\n"), True),
    "one more final newline": (lambda j: _sent(j) + b"\n", True),
    "CRLF": (lambda j: _sent(j).replace(b"\n", b"\r\n"), False),
    "CRLF, no final newline": (lambda j: _sent(j).replace(b"\n", b"\r\n").rstrip(), False),
    "BOM": (lambda j: b"\xef\xbb\xbf" + _sent(j), False),
    "trailing spaces": (lambda j: _sent(j).replace(b"\n", b"  \n", 1), False),
    "trailing tab at the end": (lambda j: _sent(j) + b"\t", False),
    "leading blank line": (lambda j: b"\n" + _sent(j), False),
    "lower-case job id": (lambda j: _sent(j).replace(j.job_id.encode(),
                                                     j.job_id.lower().encode()), False),
    "another job's": (_other_job, False),
    "empty": (lambda j: b"", False),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_byte_variants(run_cli: RunCli, tmp_path: Path, name: str) -> None:
    make, expected = VARIANTS[name]
    assert _verdicts(run_cli, tmp_path, make) == (expected, expected, expected)


def test_no_signature(run_cli: RunCli, tmp_path: Path) -> None:
    assert _verdicts(run_cli, tmp_path, lambda j: None) == (False, False, None)


edits = st.lists(st.tuples(st.sampled_from(["insert", "delete", "replace"]),
                           st.integers(0, 200), st.sampled_from(b" \t\r\n=:aZ0\xef")),
                 min_size=1, max_size=3)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow,
                                 HealthCheck.function_scoped_fixture])
@given(changes=edits)
def test_edited_bytes_agree(run_cli: RunCli, changes: list[tuple[str, int, int]]) -> None:
    def make(job: Job) -> bytes:
        data = bytearray(_sent(job))
        for what, at, byte in changes:
            at %= len(data) + (what == "insert")
            if what == "insert":
                data.insert(at, byte)
            elif what == "delete" and data:
                del data[at % len(data)]
            elif data:
                data[at % len(data)] = byte
        return bytes(data)

    with tempfile.TemporaryDirectory() as tmp:
        device_ok, dock_ok, written = _verdicts(run_cli, Path(tmp), make)
    assert device_ok == dock_ok == written
