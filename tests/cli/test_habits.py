"""Habits a user meets at the terminal: Ctrl-C, the hidden key prompt, `make demo`'s scratch
files. Run through the real console entry point in a subprocess."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from manifest_tools.cli import entry
from manifest_tools.signature import compute_signature
from tests import cputime

from .test_sign_cli import KEY, no_key_env

ROOT = Path(__file__).parents[2]
VALID = ROOT / "samples" / "valid" / "s3-import.yaml"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({k: v for k, v in no_key_env(tmp_path).items() if v is not None})
    env.update(extra)
    return env


def _wait_reading_stdin(pid: int) -> None:
    """Until the process blocks in read(0, ...) (Linux /proc/PID/syscall)."""
    syscall = Path(f"/proc/{pid}/syscall")
    if not syscall.exists():
        pytest.skip("needs Linux /proc/PID/syscall to see the prompt waiting")
    cputime.wait_for(lambda: syscall.read_text().split()[:2] == ["0", "0x0"],
                     what="the key prompt reading stdin")


def test_ctrl_c_while_waiting_for_the_key_exits_130_quietly(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "manifest_tools", "sign", str(VALID), "--job-id", "EX1ID",
         "--key-file", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=_env(tmp_path))
    try:
        _wait_reading_stdin(proc.pid)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=cputime.BACKSTOP)
    finally:
        proc.kill()
    assert proc.returncode == entry.INTERRUPTED_EXIT == 130
    assert err.decode().strip() == "manifest-tools: interrupted"
    assert out == b""


def test_ctrl_c_during_start_up_is_quiet(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    # The signal arriving while the command modules are imported: entry.main has installed
    # its handler first, so the import is interrupted by Interrupted, not KeyboardInterrupt.
    class Importing(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            raise entry.Interrupted

    monkeypatch.setitem(sys.modules, "manifest_tools.cli.app",
                        Importing("manifest_tools.cli.app"))
    previous = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as info:
            entry.main(["status", "x"])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert info.value.code == 130
    assert capsys.readouterr().err.strip() == "manifest-tools: interrupted"


def _read_until(fd: int, marker: bytes, timeout: float = cputime.BACKSTOP) -> bytes:
    buf = b""
    deadline = time.monotonic() + timeout
    while marker not in buf and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            buf += chunk
    return buf


def test_key_file_dash_on_a_terminal_prompts_without_echo(tmp_path: Path) -> None:
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "manifest_tools", "sign", str(VALID), "--job-id", "EX1ID",
         "--key-file", "-"], stdin=slave, stdout=subprocess.PIPE, stderr=slave,
        env=_env(tmp_path), start_new_session=True)
    os.close(slave)
    try:
        shown = _read_until(master, b"(not shown): ")
        assert b"Secret access key (not shown): " in shown
        os.write(master, KEY.encode() + b"\n")
        out, _ = proc.communicate(timeout=cputime.BACKSTOP)
        shown += _read_until(master, b"\x00", timeout=2)  # what is left: EIO ends it at once
    finally:
        proc.kill()
        os.close(master)
    assert proc.returncode == 0, shown
    assert KEY.encode() not in shown  # the terminal never echoed it
    expected = compute_signature(VALID.read_bytes(), "EX1ID", KEY)
    assert f"signature:{expected}\n".encode() in out


@pytest.mark.slow
def test_make_demo_leaves_no_scratch_files(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = subprocess.run([sys.executable, str(ROOT / "samples" / "demo.py")],
                            capture_output=True, env=_env(tmp_path, TMPDIR=str(scratch)),
                            timeout=cputime.BACKSTOP, check=False)
    assert result.returncode == 0, result.stderr.decode()
    assert b"demo: all steps passed" in result.stdout
    assert list(scratch.iterdir()) == []
