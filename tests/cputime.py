"""Bounds that hold on a busy machine: CPU time of a child, never wall-clock speed.

A test that says "this ends quickly" means "this does a bounded amount of work". On a shared
2-core laptop the wall clock measures the neighbours; CPU time measures the code. So:

- ``run(argv, cpu_seconds=5)`` runs a child under ``RLIMIT_CPU`` (the kernel stops it once it
  has used its CPU seconds) and optionally ``RLIMIT_AS``, and returns its exit code, output
  and the CPU seconds it used (``wait4``'s rusage: user + system, the child alone).
  ``Finished.check(limit)`` gives the assertion message for "ended by itself, within limit".
- ``start(...)`` does the same without waiting, for many children at once (``poll()``).
- The only wall-clock bound is ``BACKSTOP`` (or ``backstop=``): against a child that hangs
  without using CPU (blocked on a FIFO, a lock, a socket). It is generous on purpose and is
  never what a test measures.
- ``cpu_of(pid)``: the CPU seconds a running process (a server) has used so far (Linux /proc).
- ``spent()``: CPU seconds of this process for in-process code (``time.process_time``).
- ``wait_for(condition)``: poll a condition until it holds (or the backstop): use it instead
  of ``time.sleep(N)`` when waiting for another process to reach a state.

The limits are set with ``prlimit(2)`` on the child right after it starts (the CPU limit
counts from the child's start either way). No ``preexec_fn``: it is unsafe with threads
(xdist workers and the service tests have them) and would make every spawn a full fork.
"""

from __future__ import annotations

import math
import os
import resource
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# Wall-clock seconds after which a child is taken to hang (it is killed and the test fails).
# Only against hangs: a loaded machine must never come near it.
BACKSTOP = 600.0
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Finished:
    argv: tuple[str, ...]
    returncode: int | None  # None: killed at the wall-clock backstop (a hang)
    stdout: bytes
    stderr: bytes
    cpu: float  # user + system CPU seconds of the child
    cpu_limit: float | None
    backstop: float

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")

    @property
    def hung(self) -> bool:
        return self.returncode is None

    @property
    def over_cpu(self) -> bool:
        """Stopped by RLIMIT_CPU (SIGXCPU at the soft limit, SIGKILL at the hard one)."""
        # SIGXCPU comes from the limit alone (the kernel's count may run ahead of rusage's);
        # SIGKILL is the limit's only if the CPU seconds reached it.
        if self.cpu_limit is None:
            return False
        return self.returncode == -signal.SIGXCPU or (
            self.returncode == -signal.SIGKILL and self.cpu >= self.cpu_limit)

    def problem(self) -> str | None:
        """Why this run broke its bounds, or None: for ``assert r.problem() is None``."""
        tail = (self.out + self.err)[-2000:]
        if self.hung:
            return f"no exit after the {self.backstop:.0f} s backstop (a hang): {tail}"
        if self.over_cpu or (self.cpu_limit is not None and self.cpu > self.cpu_limit):
            stopped = ", stopped by RLIMIT_CPU" if self.over_cpu else ""
            return f"used {self.cpu:.1f} s of CPU, the limit is {self.cpu_limit} s{stopped}: {tail}"
        return None


@dataclass
class Child:
    """A started child; ``poll()`` until it returns a Finished, or ``wait()``."""

    argv: tuple[str, ...]
    proc: subprocess.Popen[bytes]
    cpu_limit: float | None
    backstop: float
    deadline: float
    _out: IO[bytes]
    _err: IO[bytes]
    _feeder: threading.Thread | None = None
    _done: Finished | None = field(default=None, init=False)

    def poll(self) -> Finished | None:
        if self._done is not None:
            return self._done
        pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
        if pid == 0:
            if time.monotonic() < self.deadline:
                return None
            self.proc.kill()
            pid, status, usage = os.wait4(self.proc.pid, 0)
            code: int | None = None
        else:
            code = os.waitstatus_to_exitcode(status)
        # Reaped here (wait4 keeps the rusage that Popen.wait would throw away): tell Popen.
        self.proc.returncode = code if code is not None else -signal.SIGKILL
        if self._feeder is not None:
            self._feeder.join()
        self._done = Finished(self.argv, code, _drain(self._out), _drain(self._err),
                              usage.ru_utime + usage.ru_stime, self.cpu_limit, self.backstop)
        return self._done

    def wait(self) -> Finished:
        pause = 0.002
        while (done := self.poll()) is None:
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        return done


def _drain(handle: IO[bytes]) -> bytes:
    handle.seek(0)
    data = handle.read()
    handle.close()
    return data


def _limit(pid: int, cpu_seconds: float | None, memory: int | None) -> None:
    try:
        # No core file for a child stopped by SIGXCPU (it would land in the cwd).
        resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0))
        if cpu_seconds is not None:
            # SIGXCPU at the soft limit; SIGKILL at the hard one if SIGXCPU is caught.
            soft = max(1, math.ceil(cpu_seconds))
            resource.prlimit(pid, resource.RLIMIT_CPU, (soft, soft + 2))
        if memory is not None:
            resource.prlimit(pid, resource.RLIMIT_AS, (memory, memory))
    except ProcessLookupError:  # it has ended already: nothing left to limit
        pass


def start(argv: Sequence[str], *, cpu_seconds: float | None, memory: int | None = None,
          backstop: float = BACKSTOP, input: bytes | None = None,
          stdin: int | IO[bytes] | None = subprocess.DEVNULL,
          env: Mapping[str, str] | None = None, cwd: str | Path | None = None) -> Child:
    """Start ``argv`` under the limits; stdout and stderr go to temporary files (no pipe to
    fill up while nobody reads it); ``input`` is fed through a pipe by a thread."""
    # Closed by Child.poll once the child has ended (they outlive this function).
    out = tempfile.TemporaryFile()  # noqa: SIM115
    err = tempfile.TemporaryFile()  # noqa: SIM115
    proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE if input is not None else stdin,
                            stdout=out, stderr=err, env=env, cwd=cwd)
    _limit(proc.pid, cpu_seconds, memory)
    feeder = None
    if input is not None:
        assert proc.stdin is not None
        pipe = proc.stdin

        def feed() -> None:
            # A child that stops reading (BrokenPipeError) says why in its exit code.
            with suppress(BrokenPipeError):
                pipe.write(input)
            with suppress(BrokenPipeError):
                pipe.close()

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
    return Child(tuple(argv), proc, cpu_seconds, backstop, time.monotonic() + backstop, out, err,
                 feeder)


def run(argv: Sequence[str], *, cpu_seconds: float | None, memory: int | None = None,
        backstop: float = BACKSTOP, input: bytes | None = None,
        stdin: int | IO[bytes] | None = subprocess.DEVNULL,
        env: Mapping[str, str] | None = None, cwd: str | Path | None = None) -> Finished:
    """``start(...).wait()``."""
    return start(argv, cpu_seconds=cpu_seconds, memory=memory, backstop=backstop, input=input,
                 stdin=stdin, env=env, cwd=cwd).wait()


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a live process has used so far: Linux /proc/PID/stat."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14, 15)


def _stat(pid: int | str) -> list[str]:
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        # The command name (field 2) may hold spaces: split after its closing ')'.
        return handle.read().rsplit(")", 1)[1].split()


def tree_cpu() -> float:
    """CPU seconds (user + system) used so far by this process, every descendant it reaped,
    and every live descendant (with what each of those reaped): Linux /proc. A helper that
    outlives a test (a warm interpreter, a server) is counted as it works, not when reaped."""
    own, reaped = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    pending, ticks = [str(os.getpid())], 0
    while pending:
        pid = pending.pop()
        with suppress(OSError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                    for child in handle.read().split():
                        with suppress(OSError, IndexError, ValueError):
                            # utime, stime, cutime, cstime (fields 14-17).
                            ticks += sum(int(f) for f in _stat(child)[11:15])
                            pending.append(child)
    return total + ticks / _TICKS


@dataclass
class Spent:
    seconds: float = 0.0


@contextmanager
def spent() -> Iterator[Spent]:
    """CPU seconds this process spends in the block (all threads): ``with spent() as s:``."""
    result = Spent()
    start_cpu = time.process_time()
    try:
        yield result
    finally:
        result.seconds = time.process_time() - start_cpu


def wait_for(condition: Callable[[], bool], backstop: float = BACKSTOP,
             what: str = "the condition") -> None:
    """Poll ``condition`` until it holds; AssertionError after ``backstop`` wall seconds."""
    deadline = time.monotonic() + backstop
    pause = 0.002
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} did not happen within the {backstop:.0f} s backstop")
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
