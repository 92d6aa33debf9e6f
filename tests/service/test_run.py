"""``service run`` as a process: the first line, loopback, a taken port, SIGINT."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from manifest_tools.service.server import is_loopback
from tests import cputime

from .conftest import CREDENTIALS, SAMPLES, boto_client, start_service

pytestmark = pytest.mark.slow  # a real service process, end to end


def test_loopback_is_recognised() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "[::1]",
                                        "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.org"))


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.write_text(CREDENTIALS)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "manifest_tools", "service", "run",
                               "--port", str(port), "--data", str(tmp_path / "d"),
                               "--credentials", str(creds)],
                              capture_output=True, text=True, timeout=cputime.BACKSTOP, check=False)
    assert proc.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr and "Traceback" not in \
        proc.stderr
    assert proc.stdout == ""


def test_no_credentials_is_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "manifest_tools", "service", "run",
                           "--data", str(tmp_path / "d"), "--credentials",
                           str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=cputime.BACKSTOP, check=False)
    assert proc.returncode == 2 and "does not exist" in proc.stderr


def test_sigint_stops_cleanly_and_jobs_survive_a_restart(tmp_path: Path) -> None:
    service = start_service(tmp_path)
    job_id = boto_client(service).create_job(
        JobType="Import", ValidateOnly=False,
        Manifest=(SAMPLES / "valid" / "s3-import.yaml").read_text())["JobId"]
    service.proc.send_signal(signal.SIGINT)
    assert service.proc.wait(cputime.BACKSTOP) == 0
    again = start_service(tmp_path, data=service.data)
    try:
        assert boto_client(again).get_status(JobId=job_id)["ProgressCode"] == "Pending"
    finally:
        again.proc.send_signal(signal.SIGTERM)
        assert again.proc.wait(cputime.BACKSTOP) == 0
