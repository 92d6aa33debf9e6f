"""Children forked from a warm interpreter: a real process per run, without paying each time
for the interpreter's start and the imports (~0.5 CPU s for ``python -m manifest_tools``,
~1 CPU s for ``aws``, most of a short run).

``Warm(["manifest_tools.cli.app"])`` starts one helper process (tests/warm_helper.py) that
imports those modules once and then forks a child per ``start(...)``. Each child is its own
process, as under ``subprocess``: its own environment (exactly ``env``), working folder,
stdin (a file or /dev/null), stdout and stderr (files), ``RLIMIT_CPU``/``RLIMIT_AS`` set in
the child itself (its CPU time counts from the fork), and it runs the module or script as
``__main__`` with ``sys.argv`` as ``python -m MODULE ARGS`` or ``python SCRIPT ARGS`` would
(``runpy``). The helper reaps it and reports its exit status and its own rusage (user +
system CPU seconds), so ``start(...).wait()`` gives the same ``cputime.Finished`` as
``cputime.run``, with the same wall-clock backstop against a hang.

What a fork does not repeat: the interpreter's start-up and the preloaded imports (their
module-level code ran once, in the helper). Environment variables those imports set in the
helper (awscli sets ``AWS_DATA_PATH``) are set in each child too unless its ``env`` names
them. Tests of start-up itself (``--help`` without typer, the installed command) keep using
``cputime.run`` or ``subprocess``.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import pkgutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tests.cputime import BACKSTOP, Finished

HELPER = Path(__file__).with_name("warm_helper.py")


def modules_of(package: str, skip: Sequence[str] = ("__main__", "pytest_plugin")) -> list[str]:
    """``package`` and every module below it but those named in ``skip``: a preload for a
    CLI, whose commands import their own modules when they run (``manifest_tools``: a child
    preloaded with ``cli.app`` alone spent 72 ms of CPU on a short hostile case, 24 ms with
    every module preloaded). Importing a module must not depend on the environment (the
    helper's is not the child's): the package's modules read none at import time."""
    found = importlib.import_module(package)
    return [package, *(m.name for m in pkgutil.walk_packages(found.__path__, package + ".")
                       if m.name.rsplit(".", 1)[-1] not in skip)]


@dataclass(frozen=True)
class ToolRun:
    """What the tests read of a finished ``subprocess.run(..., capture_output=True,
    text=True)``."""

    returncode: int
    stdout: str
    stderr: str


_CLI: list[Warm] = []


def cli() -> Warm:
    """This process's warm interpreter with every module of manifest_tools (``modules_of``),
    for CLI runs and service processes: started on first use, closed by ``close_cli`` (the
    suite's conftest, at the end of the session)."""
    if not _CLI:
        # Its own environment without AWS_* (children get exactly the ``env`` they are given).
        _CLI.append(Warm(modules_of("manifest_tools"), env={
            k: v for k, v in os.environ.items() if not k.startswith("AWS_")}))
    return _CLI[0]


def close_cli() -> None:
    while _CLI:
        _CLI.pop().close()


def tool(*args: str, env: Mapping[str, str] | None = None,
         backstop: float = BACKSTOP) -> ToolRun:
    """``python -m manifest_tools ARGS`` in its own process, with ``env`` (default: this
    process's environment) and this working folder, forked from ``cli()``: a fresh process
    spent ~0.35 CPU s, most of it starting and importing."""
    run = cli().start(list(args), module="manifest_tools", cpu_seconds=None,
                      env=dict(os.environ if env is None else env), cwd=Path.cwd(),
                      backstop=backstop).wait()
    assert run.returncode is not None, run.problem()  # None: a hang, killed at the backstop
    return ToolRun(run.returncode, run.out, run.err)


class Warm:
    """The helper process; ``start`` children from it, ``close`` it (or use ``with``)."""

    def __init__(self, preload: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self._proc = subprocess.Popen([sys.executable, str(HELPER), *preload],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self._lock = threading.Condition()
        self._replies: dict[int, dict[str, Any]] = {}
        self._pids: dict[int, int] = {}
        self._next = 0
        self._names = itertools.count()
        self._closed = False
        self._folder = tempfile.TemporaryDirectory(prefix="mt-warm-")
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            reply = json.loads(line)
            with self._lock:
                if "pid" in reply:
                    self._pids[reply["id"]] = reply["pid"]
                else:
                    self._replies[reply["id"]] = reply
                self._lock.notify_all()
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    def _send(self, request: dict[str, Any]) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(request).encode() + b"\n")
        self._proc.stdin.flush()

    def _request(self, argv: Sequence[str], module: str | None, script: str | Path | None,
                 **fields: Any) -> tuple[int, tuple[str, ...]]:
        assert (module is None) != (script is None), "a module or a script"
        with self._lock:
            ident = self._next
            self._next += 1
        self._send({"id": ident, "module": module, "script": None if script is None else
                    str(script), "argv": list(argv), **fields})
        shown = ("-m", module) if module is not None else (str(script),)
        return ident, (sys.executable, *shown, *argv)

    def start(self, argv: Sequence[str], *, module: str | None = None,
              script: str | Path | None = None, cpu_seconds: float | None,
              memory: int | None = None, env: Mapping[str, str], cwd: str | Path,
              stdin: str | Path | None = None, backstop: float = BACKSTOP) -> WarmChild:
        """Run ``module`` (as ``-m``) or ``script`` with ``argv`` (without the program);
        its stdout and stderr go to files, read when it has ended."""
        name = next(self._names)
        out = os.path.join(self._folder.name, f"{name}.out")
        err = os.path.join(self._folder.name, f"{name}.err")
        ident, shown = self._request(
            argv, module, script, env=dict(env), cwd=str(cwd),
            stdin=None if stdin is None else str(stdin), out=out, err=err, pipes=False,
            cpu=cpu_seconds, memory=memory)
        return WarmChild(self, ident, shown, cpu_seconds, backstop,
                         time.monotonic() + backstop, out, err)

    def popen(self, argv: Sequence[str], *, module: str, env: Mapping[str, str],
              cwd: str | Path) -> WarmPopen:
        """A long-running child (a server) with stdout and stderr pipes, as ``Popen(...,
        stdout=PIPE, stderr=PIPE, text=True)``: no CPU limit, no backstop (the caller stops
        it)."""
        ends = [os.pipe(), os.pipe()]
        try:
            # The helper opens our write ends through /proc before it forks (then we close them).
            out, err = (f"/proc/{os.getpid()}/fd/{w}" for _, w in ends)
            ident, shown = self._request(argv, module, None, env=dict(env), cwd=str(cwd),
                                         stdin=None, out=out, err=err, pipes=True, cpu=None,
                                         memory=None)
            child = WarmPopen(self, ident, shown,
                              open(ends[0][0], encoding="utf-8"),  # noqa: SIM115
                              open(ends[1][0], encoding="utf-8"))  # noqa: SIM115
            child.pid  # noqa: B018  (reported once the helper holds the write ends)
        finally:
            for _, w in ends:
                os.close(w)
        return child

    def _result(self, ident: int) -> dict[str, Any] | None:
        with self._lock:
            if self._closed and ident not in self._replies:
                raise AssertionError(f"the warm helper ended (exit {self._proc.poll()})")
            return self._replies.pop(ident, None)

    def _wait_result(self, ident: int, timeout: float) -> dict[str, Any] | None:
        with self._lock:
            self._lock.wait_for(lambda: ident in self._replies or self._closed, timeout)
        return self._result(ident)

    def _pid(self, ident: int) -> int:
        with self._lock:
            self._lock.wait_for(lambda: ident in self._pids or self._closed)
            return self._pids[ident]

    def _kill(self, ident: int) -> None:
        self._send({"kill": ident})

    def close(self) -> None:
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.close()  # the helper kills what still runs and exits
        self._proc.wait(BACKSTOP)
        self._reader.join(BACKSTOP)
        self._folder.cleanup()

    def __enter__(self) -> Warm:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class WarmChild:
    """A started child; ``poll()`` until it returns a Finished, or ``wait()``."""

    warm: Warm
    ident: int
    argv: tuple[str, ...]
    cpu_limit: float | None
    backstop: float
    deadline: float
    out: str
    err: str
    _done: Finished | None = field(default=None, init=False)

    @property
    def pid(self) -> int:
        return self.warm._pid(self.ident)

    def _finish(self, reply: dict[str, Any], hung: bool) -> Finished:
        data = []
        for path in (self.out, self.err):
            data.append(Path(path).read_bytes())
            os.unlink(path)
        self._done = Finished(self.argv, None if hung else reply["code"], data[0], data[1],
                              reply["cpu"], self.cpu_limit, self.backstop)
        return self._done

    def poll(self) -> Finished | None:
        if self._done is not None:
            return self._done
        reply = self.warm._result(self.ident)
        if reply is not None:
            return self._finish(reply, hung=False)
        if time.monotonic() < self.deadline:
            return None
        self.warm._kill(self.ident)  # a hang: SIGKILL, then the helper reports its end
        reply = self.warm._wait_result(self.ident, BACKSTOP)
        assert reply is not None, "the warm helper did not report a killed child"
        return self._finish(reply, hung=True)

    def wait(self) -> Finished:
        while self._done is None:
            reply = self.warm._wait_result(self.ident, max(0.0, self.deadline - time.monotonic()))
            if reply is not None:
                return self._finish(reply, hung=False)
            if time.monotonic() >= self.deadline:
                return self.poll() or self.wait()
        return self._done


class WarmPopen:
    """What the tests use of ``subprocess.Popen`` for a server started by ``Warm.popen``."""

    def __init__(self, warm: Warm, ident: int, args: tuple[str, ...], stdout: TextIO,
                 stderr: TextIO) -> None:
        self.warm = warm
        self.ident = ident
        self.args = args
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None

    @property
    def pid(self) -> int:
        return self.warm._pid(self.ident)

    def poll(self) -> int | None:
        if self.returncode is None:
            reply = self.warm._result(self.ident)
            if reply is not None:
                self.returncode = reply["code"]
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            reply = self.warm._wait_result(self.ident, BACKSTOP if timeout is None else timeout)
            if reply is None:
                raise subprocess.TimeoutExpired(list(self.args), timeout or BACKSTOP)
            self.returncode = reply["code"]
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
