"""The receiving dock: a whole job from create-job to the returned device, with the real CLI
on the client side and ``manifest-tools service receive/return`` on AWS's side."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from manifest_tools.logs.read import LogReader
from manifest_tools.logs.summary import error_count_finding, summarize
from tests.manifests import ADDRESS
from tests.warm import tool

from .conftest import SAMPLES, AwsRunner, Service

pytestmark = pytest.mark.slow  # a real service process, end to end

# An S3 import whose prefix, substitution and ignore pattern all touch the device below.
MANIFEST = """manifestVersion: 2.0
accessKeyId: AKIA2E0A8F3B244C9986
deviceId: 49382
bucket: example-import-bucket
logBucket: example-log-bucket
logPrefix: logs/
eraseDevice: yes
prefix: imports/
defaultContentType: binary/octet-stream
contentTypes:
  txt: text/plain
ignore:
  - .*\\.bak$
substitutions:
  Old Photos: photos
""" + ADDRESS


def _device(tmp: Path, link: bool = False) -> Path:
    device = tmp / "device"
    (device / "Old Photos").mkdir(parents=True)
    (device / "Old Photos" / "cat.jpg").write_bytes(b"\xff\xd8 cat")
    (device / "notes.txt").write_text("hello\n")
    (device / "draft.bak").write_text("old")
    (device / "empty").mkdir()
    if link:  # never followed; logged 103 Ignored (the log command calls it an error)
        (device / "link").symlink_to("notes.txt")
    return device


def _job(aws: AwsRunner, tmp: Path) -> tuple[str, Path]:
    manifest = tmp / "manifest.yaml"
    manifest.write_text(MANIFEST)
    created = aws("create-job", "--job-type", "Import", "--manifest", f"file://{manifest}",
                  "--no-validate-only")
    assert created.code == 0, created.err
    return json.loads(created.out)["JobId"], manifest


def _status(aws: AwsRunner, job_id: str) -> dict[str, object]:
    answer = aws("get-status", "--job-id", job_id)
    assert answer.code == 0, answer.err
    status = json.loads(answer.out)
    assert isinstance(status, dict)
    return status


def test_whole_job_success(aws: AwsRunner, service: Service, tmp_path: Path) -> None:
    job_id, manifest = _job(aws, tmp_path)
    device = _device(tmp_path)
    text = aws("get-status", "--job-id", job_id, "--output", "text")
    (tmp_path / "status.txt").write_text(text.out)
    wrote = tool("write-signature", str(device), "--status", str(tmp_path / "status.txt"))
    assert wrote.returncode == 0, wrote.stderr
    preflight = tool("preflight", str(device), "--manifest", str(manifest))
    assert preflight.returncode in (0, 1), preflight.stderr  # warnings: empty folder, link
    received = tool("service", "receive", job_id, str(device), "--data", str(service.data),
                    "--copy")
    assert received.returncode == 0, received.stdout + received.stderr
    assert "Success: 2 file(s) imported" in received.stdout
    status = _status(aws, job_id)
    assert (status["LocationCode"], status["ProgressCode"]) == ("AtAWS", "Success")
    assert (status["LogBucket"], status["LogKey"], status["ErrorCount"]) == (
        "example-log-bucket", f"logs/import-log-{job_id}", 0)
    log = service.data / "buckets" / "example-log-bucket" / "logs" / f"import-log-{job_id}"
    with log.open("rb") as stream:
        reader = LogReader(stream, log.name)
        rows = list(reader)
    assert reader.diagnostics == []
    by_file = {r.file: r for r in rows}
    assert by_file["SIGNATURE"].status == "103"
    assert by_file["draft.bak"].code == "Ignored"
    cat = by_file["Old Photos/cat.jpg"]
    assert (cat.status, cat.key, cat.size) == ("200", "example-import-bucket/imports/photos/"
                                               "cat.jpg", len(b"\xff\xd8 cat"))
    assert cat.md5 == hashlib.md5(b"\xff\xd8 cat").hexdigest()
    assert by_file["notes.txt"].content_type == "text/plain"
    assert error_count_finding(summarize(rows), 0) is None
    # The log command reconciles the log with the device: nothing missing, nothing changed.
    status_file = tmp_path / "status-after.json"
    status_file.write_text(aws("get-status", "--job-id", job_id).out)
    reconciled = tool("log", str(log), "--device", str(device), "--status", str(status_file))
    assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
    copied = service.data / "buckets" / "example-import-bucket" / "imports" / "photos"
    assert (copied / "cat.jpg").read_bytes() == b"\xff\xd8 cat"
    returned = tool("service", "return", job_id, "--data", str(service.data),
                    "--carrier", "UPS", "--tracking-number", "1Z999AA10123456784")
    assert returned.returncode == 0, returned.stderr
    status = _status(aws, job_id)
    assert (status["LocationCode"], status["Carrier"], status["TrackingNumber"]) == (
        "Returned", "UPS", "1Z999AA10123456784")
    again = tool("service", "receive", job_id, str(device), "--data", str(service.data))
    assert again.returncode == 2 and "already been received" in again.stderr


def test_missing_and_invalid_signature(aws: AwsRunner, service: Service, tmp_path: Path
                                       ) -> None:
    first, _ = _job(aws, tmp_path)
    second, _ = _job(aws, tmp_path)
    device = _device(tmp_path)
    missing = tool("service", "receive", first, str(device), "--data", str(service.data))
    assert missing.returncode == 1 and "MissingSignature" in missing.stdout
    assert _status(aws, first)["ProgressCode"] == "MissingSignature"
    # The other job's SIGNATURE on this job's device.
    (device / "SIGNATURE").write_text(str(_status(aws, first)["SignatureFileContents"]))
    invalid = tool("service", "receive", second, str(device), "--data", str(service.data))
    assert invalid.returncode == 1 and "InvalidSignature" in invalid.stdout
    status = _status(aws, second)
    assert (status["LocationCode"], status["ProgressCode"]) == ("AtAWS", "InvalidSignature")
    assert "LogKey" not in status


def test_errors_are_counted(aws: AwsRunner, service: Service, tmp_path: Path) -> None:
    job_id, _ = _job(aws, tmp_path)
    device = _device(tmp_path, link=True)
    (device / ("x" * 200)).mkdir()
    deep = device / ("x" * 200) / ("y" * 200) / ("z" * 200) / ("w" * 200) / ("v" * 200)
    deep.mkdir(parents=True)
    (deep / "too-long.txt").write_text("key over 1,024 bytes")
    (device / "SIGNATURE").write_text(str(_status(aws, job_id)["SignatureFileContents"]))
    received = tool("service", "receive", job_id, str(device), "--data", str(service.data))
    assert received.returncode == 1 and "SuccessWithErrors" in received.stdout
    status = _status(aws, job_id)
    assert (status["ProgressCode"], status["ErrorCount"]) == ("SuccessWithErrors", 1)
    log = service.data / "buckets" / "example-log-bucket" / "logs" / f"import-log-{job_id}"
    with log.open("rb") as stream:
        rows = list(LogReader(stream, log.name))
    assert [r.code for r in rows if r.status == "400"] == ["KeyTooLongError"]
    assert [r.code for r in rows if r.file == "link"] == ["Ignored"]


def test_receive_refuses_what_cannot_be_received(service: Service, tmp_path: Path) -> None:
    unknown = tool("service", "receive", "ZZZZZ", str(tmp_path), "--data", str(service.data))
    assert unknown.returncode == 2 and "no job" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    assert SAMPLES.is_dir()
