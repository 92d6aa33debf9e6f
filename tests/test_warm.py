"""tests/warm.py: a child forked from the warm helper is a process of its own, bounded and
set up as ``python -m MODULE`` or ``python SCRIPT`` would be (the hostile inputs and the
AWS CLI calls rely on it)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import cputime, warm

ENV = {"PATH": os.environ.get("PATH", ""), "ONLY": "this"}


@pytest.fixture(scope="module")
def helper() -> Iterator[warm.Warm]:
    with warm.Warm(["json"]) as started:
        yield started


def _script(tmp_path: Path, code: str) -> Path:
    script = tmp_path / "script.py"
    script.write_text(code)
    return script


def test_the_module_runs_as_python_dash_m_would(helper: warm.Warm, tmp_path: Path) -> None:
    run = helper.start(["--version"], module="manifest_tools", cpu_seconds=30, env=ENV,
                       cwd=tmp_path).wait()
    fresh = cputime.run([sys.executable, "-m", "manifest_tools", "--version"], cpu_seconds=30,
                        env=ENV, cwd=tmp_path)
    assert (run.returncode, run.out, run.err) == (fresh.returncode, fresh.out, fresh.err) == (
        0, fresh.out, "")
    assert run.out.startswith("manifest-tools ")


def test_env_cwd_argv_stdin_and_exit_code_are_the_childs_own(helper: warm.Warm,
                                                              tmp_path: Path) -> None:
    script = _script(tmp_path, "import os, sys, json\n"
                     "print(json.dumps([dict(os.environ), os.getcwd(), sys.argv,"
                     " sys.stdin.read(), os.getpid(), os.getppid()]))\n"
                     "sys.exit(7)\n")
    feed = tmp_path / "stdin"
    feed.write_text("fed")
    run = helper.start(["a", "b c"], script=script, cpu_seconds=30, env=ENV, cwd=tmp_path,
                       stdin=feed).wait()
    assert run.returncode == 7, run.err
    import json

    env, cwd, argv, stdin, pid, parent = json.loads(run.out)
    assert env == ENV  # nothing of the helper's or this worker's environment
    assert (cwd, argv, stdin) == (str(tmp_path), [str(script), "a", "b c"], "fed")
    assert pid not in (os.getpid(), helper._proc.pid) and parent == helper._proc.pid


def test_a_traceback_and_a_signal_are_reported_as_by_a_fresh_process(helper: warm.Warm,
                                                                       tmp_path: Path) -> None:
    run = helper.start([], script=_script(tmp_path, "raise ValueError('boom')\n"),
                       cpu_seconds=30, env=ENV, cwd=tmp_path).wait()
    assert run.returncode == 1 and "Traceback" in run.err and "ValueError: boom" in run.err
    run = helper.start([], script=_script(tmp_path, "import os, signal\n"
                                          "os.kill(os.getpid(), signal.SIGTERM)\n"),
                       cpu_seconds=30, env=ENV, cwd=tmp_path).wait()
    assert run.returncode == -signal.SIGTERM


def test_the_cpu_limit_counts_the_childs_own_seconds(helper: warm.Warm, tmp_path: Path) -> None:
    run = helper.start([], script=_script(tmp_path, "while True: pass\n"), cpu_seconds=1,
                       env=ENV, cwd=tmp_path).wait()
    assert run.over_cpu and run.problem() is not None, run
    # SIGXCPU at 1 s of the kernel's count (rusage may read a little less): its own seconds.
    assert 0.5 <= run.cpu < 4, run.cpu


def test_the_memory_limit_holds(helper: warm.Warm, tmp_path: Path) -> None:
    code = "try:\n    b = bytearray(400 * 1024 * 1024)\nexcept MemoryError:\n    print('refused')\n"
    run = helper.start([], script=_script(tmp_path, code), cpu_seconds=30,
                       memory=300 * 1024 * 1024, env=ENV, cwd=tmp_path).wait()
    assert (run.returncode, run.out) == (0, "refused\n"), run.err


def test_a_child_that_hangs_is_killed_at_the_backstop(helper: warm.Warm, tmp_path: Path) -> None:
    # Blocked without using CPU (no writer on the FIFO): only the backstop ends it. It always
    # hangs, so the short backstop decides nothing about speed.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    run = helper.start([], script=_script(tmp_path, f"open({str(fifo)!r}).read()\n"),
                       cpu_seconds=30, env=ENV, cwd=tmp_path, backstop=0.5).wait()
    assert run.hung and "backstop" in (run.problem() or "")
