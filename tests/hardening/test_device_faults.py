"""The device write under faults a unit test cannot fake: the process killed (SIGKILL)
between any two steps, two writers at once, a real full filesystem.

Each case runs the write in a forked child process, so a SIGKILL really stops it
mid-write with no clean-up. Complements tests/device/test_signature.py, which
injects exceptions into each step in-process.

After every case the device holds exactly the old SIGNATURE (or none, if it had none) or
exactly the new one. A SIGKILL cannot clean up: a ``.SIGNATURE.*.tmp`` may stay behind, and
the next write must warn about it (it does; see ``test_killed_between_any_two_steps``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from manifest_tools.device import signature as device
from manifest_tools.device.signature import write_signature
from manifest_tools.errors import ManifestToolsError
from tests import cputime

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

OLD = (b"version:2.0\nsigningMethod:HmacSHA1\njobId:OLD11\n"
       b"signature:Ara83XX0K7K15HeRcHM9hXMrNpw=\n")
NEW = (b"version:2.0\nsigningMethod:HmacSHA1\njobId:NEW22\n"
       b"signature:LJQDwZaLDu1iltguUShEp49wM8Y=\n")
OTHER = (b"version:2.0\nsigningMethod:HmacSHA1\njobId:OTH33\n"
         b"signature:2jmj7l5rSw0yVb/vlWAYkK/YBwk=\n")

Calls = list[str]
# The system calls of the write path that a child counts (and may die right after).
WRAPPED_OS = ("open", "write", "fsync", "close", "replace", "fchmod", "unlink", "read",
              "lstat", "listdir", "posix_fadvise")


def in_child(root: Path, contents: bytes, mode: str, arg: float = 0, *,
             force: bool = True) -> int:
    """Fork; the child writes ``contents`` with the write path's calls wrapped and reports
    its outcome as JSON on a pipe. Returns the child's pid; read it with :func:`reap`.

    mode "count": report the calls made. "kill": SIGKILL itself right after the
    ``arg``-th call returns. "pause": sleep ``arg`` seconds after reading the existing
    SIGNATURE, which widens the window in which two writers overlap.

    A fork rather than a new interpreter: the module is already imported, so each child
    costs milliseconds; it is still a real process, killed for real.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid:
        os.close(write_end)
        PIPES[pid] = read_end
        return pid
    os.close(read_end)
    report: dict[str, object] = {}
    try:  # the child never returns into pytest
        calls: Calls = []
        active = [False]
        kill, getpid = os.kill, os.getpid

        def wrap(owner: object, name: str) -> None:
            real = getattr(owner, name)

            def wrapper(*args: object, **kwargs: object) -> object:
                result = real(*args, **kwargs)
                if active[0]:
                    calls.append(name)
                    if mode == "kill" and len(calls) == int(arg):
                        kill(getpid(), signal.SIGKILL)
                return result

            setattr(owner, name, wrapper)

        for name in WRAPPED_OS:
            wrap(os, name)
        wrap(tempfile, "mkstemp")
        if mode == "pause":
            real_read_existing = device.read_existing

            def slow(target: str) -> bytes | None:
                result: bytes | None = real_read_existing(target)
                time.sleep(arg)
                return result

            device.read_existing = slow
        active[0] = True
        try:
            result = device.write_signature(root, contents, force=force)
        except ManifestToolsError as exc:
            report = {"code": 1, "error": type(exc).__name__, "message": str(exc)}
        else:
            report = {"code": 0, "action": result.action, "calls": calls,
                      "warnings": list(result.warnings)}
        active[0] = False
    except BaseException as exc:
        report = {"code": 2, "error": repr(exc)}
    finally:
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)


PIPES: dict[int, int] = {}


def reap(pid: int) -> tuple[int, dict[str, object]]:
    """(wait status as subprocess reports it: -signal or exit code, the child's report)."""
    read_end = PIPES.pop(pid)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return code, (json.loads(data) if data else {})


def temps(root: Path) -> list[str]:
    return sorted(n for n in os.listdir(root) if n != "SIGNATURE")


def signature(root: Path) -> bytes | None:
    path = root / "SIGNATURE"
    return path.read_bytes() if path.exists() else None


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "device").mkdir()
    return tmp_path


@pytest.mark.parametrize("existing", [None, OLD], ids=["fresh", "existing"])
def test_killed_between_any_two_steps(work: Path, existing: bytes | None) -> None:
    root = work / "device"

    def reset() -> None:
        shutil.rmtree(root)
        root.mkdir()
        if existing is not None:
            (root / "SIGNATURE").write_bytes(existing)

    reset()
    _, report = reap(in_child(root, NEW, "count"))
    assert report["code"] == 0, report
    calls = report["calls"]
    assert isinstance(calls, list)
    # The path really was instrumented: the temp file, its fsync, the rename, the read-back.
    for step in ("mkstemp", "write", "fsync", "replace", "read"):
        assert step in calls, calls
    outcomes: dict[int, tuple[str, list[str]]] = {}
    for n in range(1, len(calls) + 1):
        reset()
        code, report = reap(in_child(root, NEW, "kill", n))
        assert code == -signal.SIGKILL, (n, calls[n - 1], code, report)
        now = signature(root)
        # Exactly the old SIGNATURE or exactly the new one: never empty, partial or mixed.
        assert now in (existing, NEW), (n, calls[n - 1], now)
        left = temps(root)
        assert all(t.startswith(".SIGNATURE.") and t.endswith(".tmp") for t in left), left
        outcomes[n] = ("new" if now == NEW else "old", left)
        # The next write completes the job and says what the killed one left behind.
        result = write_signature(root, NEW, force=True)
        assert signature(root) == NEW
        for name in left:
            assert any(f"{name} is left over" in w for w in result.warnings), (n, result)
    # A kill after the rename leaves the new file; one before it the old file and,
    # once the temporary file exists, that file.
    first_new = min(n for n, (state, _) in outcomes.items() if state == "new")
    assert calls[first_new - 1] == "replace"
    assert all(outcomes[n][0] == "old" for n in range(1, first_new))
    assert any(outcomes[n][1] for n in range(1, first_new)), "a kill before the rename " \
        "should have left a temporary file"


def test_stale_temp_warned_even_when_signature_unchanged(work: Path) -> None:
    root = work / "device"
    (root / "SIGNATURE").write_bytes(NEW)
    (root / ".SIGNATURE.k1ll3d.tmp").write_bytes(NEW[:10])
    result = write_signature(root, NEW)
    assert result.action == "unchanged"
    assert any(".SIGNATURE.k1ll3d.tmp is left over" in w for w in result.warnings)


@pytest.mark.parametrize("force", [False, True], ids=["no-force", "force"])
@pytest.mark.parametrize("existing", [None, OLD], ids=["fresh", "existing"])
def test_two_writers_at_once(work: Path, existing: bytes | None, force: bool) -> None:
    root = work / "device"
    if existing is not None:
        (root / "SIGNATURE").write_bytes(existing)
    # Both children read the existing state, then pause, so their writes overlap unless
    # the writers are serialised.
    pids = {NEW: in_child(root, NEW, "pause", 0.3, force=force),
            OTHER: in_child(root, OTHER, "pause", 0.3, force=force)}
    results = {contents: reap(pid)[1] for contents, pid in pids.items()}
    final = signature(root)
    assert temps(root) == []
    assert final in (existing, NEW, OTHER)
    succeeded = {contents for contents, report in results.items() if report["code"] == 0}
    for report in results.values():
        assert report["code"] in (0, 1), report
    # Every writer that reported success wrote what is now there, or was then replaced by
    # the other writer (which also reported success, and only with --force).
    if not succeeded:
        assert final == existing
    else:
        assert final in succeeded, (final, results)
        if len(succeeded) == 2:
            assert force
    if not force:
        assert len(succeeded) <= 1
        if existing is None:
            # The loser must have been refused because the winner's SIGNATURE was there.
            assert len(succeeded) == 1
            loser = (OTHER if NEW in succeeded else NEW)
            assert results[loser]["error"] == "ExistingSignatureError", results


@pytest.mark.slow
def test_no_space_on_a_real_tiny_filesystem_through_the_cli(work: Path) -> None:
    mount_point = work / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(mount_point)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount tmpfs here")
    try:
        (mount_point / "SIGNATURE").write_bytes(OLD)
        with open(mount_point / "filler", "wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)
            except OSError:
                pass
        big = work / "sig"
        # A valid SIGNATURE followed by many blank lines does not fit in what is left.
        big.write_bytes(NEW + b"\n" * 16000)
        run = cputime.run([sys.executable, "-m", "manifest_tools", "write-signature",
                           str(mount_point), "--signature-file", str(big), "--force"],
                          cpu_seconds=10)
        assert run.problem() is None, run.problem()  # no retry loop on ENOSPC
        assert run.returncode in (1, 2), run
        assert "Traceback" not in run.err
        assert sorted(os.listdir(mount_point)) == ["SIGNATURE", "filler"]
        assert (mount_point / "SIGNATURE").read_bytes() == OLD
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)
