"""``manifest-tools log`` end to end: exit codes, text and JSON output, --retry, --status."""

from __future__ import annotations

import json
from pathlib import Path

from tests import cputime
from tests.conftest import RunCli
from tests.logs.conftest import log_for, make_device
from tests.logs.test_reconcile import EXPECTED, RETRY, plant


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8", newline="")
    return str(path)


def status_json(path: Path, job: str, errors: int, manifest: str | None = None) -> str:
    data: dict[str, object] = {"JobId": job, "JobType": "Import", "ProgressCode": "Success",
                               "ErrorCount": errors}
    if manifest is not None:
        data["CurrentManifest"] = manifest
    return write(path, json.dumps(data))


def test_clean_log_and_device_exit_0(run_cli: RunCli, tmp_path: Path) -> None:
    device = tmp_path / "device"
    device.mkdir()
    make_device(device)
    log = write(tmp_path / "import-log-TSTD1", log_for(device))
    result = run_cli("log", log, "--device", str(device), "--no-progress")
    assert result.code == 0, result.out + result.err
    assert "result: ok" in result.out and "8 MD5 equal" in result.out
    assert "200 OK: 8 (loaded)" in result.out


def test_planted_differences_exit_1_with_retry(run_cli: RunCli, tmp_path: Path) -> None:
    device = tmp_path / "device"
    device.mkdir()
    log = write(tmp_path / "import-log-TSTD1", plant(device))
    retry = tmp_path / "retry.txt"
    result = run_cli("log", log, "--device", str(device), "--retry", str(retry))
    assert result.code == 1
    assert retry.read_bytes() == "".join(f"{p}\n" for p in RETRY).encode()
    assert "images/chewie.tif (log line" in result.out and "error MT714" in result.out
    assert "result: FAILED" in result.out

    result = run_cli("log", log, "--device", str(device), "--retry", str(retry), "--null",
                     "--format", "json")
    assert result.code == 1
    assert retry.read_bytes() == b"".join(p.encode() + b"\0" for p in RETRY)
    report = json.loads(result.out)
    assert [(f["rule"], f["path"]) for f in report["findings"]] == EXPECTED
    assert report["retry"] == RETRY and report["result"] == "failed"
    assert report["summary"]["failed"] == 1 and report["summary"]["device"]["files"] == 9
    assert {"rule", "severity", "message", "path", "hint", "line"} <= set(report["findings"][0])
    assert report["failed"][0]["code"] == "InvalidSubstitution"


def test_status_error_count_and_job_id(run_cli: RunCli, tmp_path: Path) -> None:
    device = tmp_path / "device"
    device.mkdir()
    log = write(tmp_path / "import-log-TSTD1", plant(device))
    ok = run_cli("log", log, "--status", status_json(tmp_path / "s1.json", "TSTD1", 1))
    assert ok.code == 1 and "MT706" not in ok.out and "MT705" in ok.out
    bad = run_cli("log", log, "--status", status_json(tmp_path / "s2.json", "ABCDE", 3))
    assert "error MT706 get-status says ErrorCount 3 but the log has 1" in bad.out
    assert "error MT708" in bad.out


def test_current_manifest_gives_the_key_rules(run_cli: RunCli, tmp_path: Path) -> None:
    device = tmp_path / "device"
    device.mkdir()
    make_device(device)
    log = write(tmp_path / "import-log-TSTD1", log_for(device, ignore=(".psd",)))
    no_rules = run_cli("log", log, "--device", str(device))
    assert no_rules.code == 0, no_rules.out
    manifest = "manifestVersion: 2.0\nbucket: myawsbucket\nignore:\n- \\.tif$\n"
    status = status_json(tmp_path / "s.json", "TSTD1", 0, manifest)
    result = run_cli("log", log, "--device", str(device), "--status", status)
    assert result.code == 1 and "MT716" in result.out and "chewie.psd" in result.out
    assert "MT717" in result.out  # chewie.tif matches \.tif$ but was loaded
    mf = write(tmp_path / "m.yaml", "manifestVersion: 2.0\nbucket: myawsbucket\nignore:\n"
               "- \\.psd$\n")
    assert run_cli("log", log, "--device", str(device), "--manifest", mf).code == 0


def test_malformed_row_is_located(run_cli: RunCli, tmp_path: Path) -> None:
    log = write(tmp_path / "import-log-TSTD1", "DateTime,File,Status,Code,Key,MD5,Bytes,"
                "Content-Type\r\nd,a.txt,200,OK,b/a.txt,,x1,\r\nd,short\r\n")
    result = run_cli("log", log)
    assert result.code == 1
    assert f"{log}:3:8: error MT702" in result.out
    assert "a.txt (log line 2): warning MT703 Bytes 'x1'" in result.out


def test_usage_and_input_errors_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli("log", str(tmp_path / "missing")).code == 2
    assert run_cli("log", str(tmp_path)).code == 2
    log = write(tmp_path / "import-log-TSTD1", "d,a\nb.txt,200,OK,,,1,\n")
    assert run_cli("log", log, "--null").code == 2
    device = tmp_path / "device"
    device.mkdir()
    inside = run_cli("log", log, "--device", str(device), "--retry", str(device / "r.txt"))
    assert inside.code == 2 and "inside the device" in inside.err
    assert list(device.iterdir()) == []
    assert run_cli("log", log, "--device", str(tmp_path / "nodevice")).code == 2


def test_name_with_line_break_needs_null(run_cli: RunCli, tmp_path: Path) -> None:
    log = write(tmp_path / "import-log-TSTD1",
                'd,"two\nlines.txt",400,InvalidSubstitution,,,1,\r\n')
    retry = tmp_path / "retry"
    result = run_cli("log", log, "--retry", str(retry))
    assert result.code == 2 and "--null" in result.err and not retry.exists()
    assert run_cli("log", log, "--retry", str(retry), "--null").code == 1
    assert retry.read_bytes() == b"two\nlines.txt\0"


def _on_a_terminal(argv: list[str]) -> tuple[int, bytes, bytes]:
    """Run the CLI with stderr on a pseudo-terminal: (exit code, stdout, terminal output)."""
    import os
    import pty
    import subprocess
    import sys
    import threading

    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    proc = subprocess.run([sys.executable, "-m", "manifest_tools", *argv],
                          stdout=subprocess.PIPE, stderr=slave, timeout=cputime.BACKSTOP,
                          check=False)
    os.close(slave)
    reader.join(timeout=cputime.BACKSTOP)
    os.close(master)
    return proc.returncode, proc.stdout, b"".join(chunks)


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    device = tmp_path / "device"
    device.mkdir()
    files = {f"f{i}.bin": bytes([i]) * (4 << 20) for i in range(8)}
    make_device(device, files)
    log = write(tmp_path / "import-log-TSTD1", log_for(device))
    code, out, terminal = _on_a_terminal(["log", log, "--device", str(device)])
    assert code == 0 and b"result: ok" in out
    assert b"files" in terminal and b"MB" in terminal  # files, bytes (and rate, time left)
    code, out, terminal = _on_a_terminal(["log", log, "--device", str(device),
                                          "--no-progress"])
    assert code == 0 and terminal == b""


def test_glacier_log_summary(run_cli: RunCli, tmp_path: Path) -> None:
    log = write(tmp_path / "glacier-log", "Tue 03 Feb 2009,myvault,/123456789012/vaults/"
                "myvault/archives/A1b2-C3,photos, 2009\r\n")
    device = tmp_path / "device"
    device.mkdir()
    result = run_cli("log", log, "--device", str(device), "--format", "json")
    report = json.loads(result.out)
    assert result.code == 0 and report["summary"]["kind"] == "glacier"
    assert report["summary"]["glacier"][0]["archive_id"] == "A1b2-C3"
    assert report["summary"]["glacier"][0]["comment"] == "photos, 2009"
    assert "not compared" in report["notes"][0]
    text = run_cli("log", log).out
    assert "glacier archive A1b2-C3 in vault myvault (account 123456789012)" in text
