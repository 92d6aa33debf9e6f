"""A whole job with prepare: create-job, prepare (copy, journal, SIGNATURE), the dock receives
the device, the device is erased, and ``log --journal`` reconciles AWS's log with the record
alone. The dock and ``log`` agree on the journal as they do on the device."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.warm import tool

from .conftest import AwsRunner, Service
from .test_receive import _job


def _source(tmp: Path) -> Path:
    src = tmp / "source"
    (src / "Old Photos").mkdir(parents=True)
    (src / "Old Photos" / "cat.jpg").write_bytes(b"\xff\xd8 cat")
    (src / "notes.txt").write_text("hello\n")
    (src / "draft.bak").write_text("old")  # the manifest ignores it: not copied
    return src


def test_prepare_ship_log_journal(aws: AwsRunner, service: Service, tmp_path: Path) -> None:
    job_id, manifest = _job(aws, tmp_path)
    status = tmp_path / "status.txt"
    status.write_text(aws("get-status", "--job-id", job_id, "--output", "text").out)
    src, device, journal = _source(tmp_path), tmp_path / "device", tmp_path / "journal"
    device.mkdir()
    prepared = tool("prepare", str(src), str(device), "--manifest", str(manifest),
                    "--status", str(status), "--journal", str(journal))
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    assert not (device / "draft.bak").exists()
    received = tool("service", "receive", job_id, str(device), "--data", str(service.data))
    assert received.returncode == 0, received.stdout + received.stderr
    log = service.data / "buckets" / "example-log-bucket" / "logs" / f"import-log-{job_id}"
    both = tool("log", str(log), "--journal", str(journal), "--device", str(device))
    assert both.returncode == 0, both.stdout + both.stderr
    shutil.rmtree(device)  # eraseDevice: yes; the disk comes back blank
    alone = tool("log", str(log), "--journal", str(journal))
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert "journal: 2 rows, 2 loaded by AWS" in alone.stdout
