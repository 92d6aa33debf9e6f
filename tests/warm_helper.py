"""The helper process of tests/warm.py: ``python warm_helper.py MODULE...`` imports the
modules, then reads one JSON request a line on stdin (``{"id", "module" or "script", "argv",
"env", "cwd", "stdin", "out", "err", "pipes", "cpu", "memory"}`` or ``{"kill": id}``), forks a child
for each, and writes ``{"id", "pid"}`` when it started and ``{"id", "code", "cpu"}`` when it
ended (its exit code as ``subprocess`` gives it; its own user + system CPU seconds). At the
end of stdin it kills what still runs, reaps it and exits. No threads: it forks.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def _exit_code(code: object) -> int:
    """What the interpreter makes of ``SystemExit(code)`` (printing a non-int code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _child(request: dict[str, Any], added: dict[str, str], stdio: list[int]) -> None:
    """In the forked child: set up as a fresh process would be, run, exit. Never returns."""
    import resource
    import runpy
    import signal
    import traceback

    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if request["cpu"] is not None:
            soft = max(1, int(-(-request["cpu"] // 1)))  # ceil: as cputime._limit
            resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 2))
        if request["memory"] is not None:
            resource.setrlimit(resource.RLIMIT_AS, (request["memory"], request["memory"]))
        for target, fd in enumerate(stdio):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update({k: v for k, v in added.items() if k not in request["env"]})
        os.environ.update(request["env"])
        sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
        try:
            if request["module"] is not None:
                sys.argv = ["-m", *request["argv"]]
                sys.path[0] = os.getcwd()  # as with `python -m`
                runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
            else:
                sys.argv = [request["script"], *request["argv"]]
                sys.path[0] = os.path.dirname(os.path.abspath(request["script"]))
                runpy.run_path(request["script"], run_name="__main__")
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc.code)
        except BaseException:
            traceback.print_exc()
            code = 1
        import atexit

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # as the interpreter: a failed flush at exit is exit 120
                code = 120
    finally:
        os._exit(code)


def _open_stdio(request: dict[str, Any]) -> list[int]:
    """stdin, stdout, stderr of the child, opened here before the fork: once the start is
    reported, the tests may close their ends of a pipe given as /proc/PID/fd/N."""
    write = os.O_WRONLY if request["pipes"] else os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    return [os.open(request["stdin"] or os.devnull, os.O_RDONLY),
            os.open(request["out"], write, 0o600), os.open(request["err"], write, 0o600)]


def _reply(message: dict[str, Any]) -> None:
    data = json.dumps(message).encode() + b"\n"
    while data:
        data = data[os.write(1, data):]


class _Server:
    def __init__(self, added: dict[str, str]) -> None:
        import signal

        self.added = added
        self.children: dict[int, int] = {}  # pid -> request id
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)  # SIGCHLD wakes the select below
        signal.signal(signal.SIGCHLD, lambda *_: None)

    def reap(self) -> None:
        while self.children:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                return
            _reply({"id": self.children.pop(pid), "code": os.waitstatus_to_exitcode(status),
                    "cpu": usage.ru_utime + usage.ru_stime})

    def kill(self, ident: int | None) -> None:
        """SIGKILL the child of request ``ident`` (None: every child)."""
        import signal

        for pid, which in self.children.items():
            if ident is None or which == ident:
                os.kill(pid, signal.SIGKILL)

    def handle(self, request: dict[str, Any]) -> None:
        if "kill" in request:
            self.kill(request["kill"])
            return
        stdio = _open_stdio(request)
        pid = os.fork()
        if pid == 0:
            os.close(self.wake_r)
            os.close(self.wake_w)
            _child(request, self.added, stdio)
        for fd in stdio:
            os.close(fd)
        self.children[pid] = request["id"]
        _reply({"id": request["id"], "pid": pid})

    def serve(self) -> None:
        import select

        buffer = b""
        listening = True
        while listening or self.children:
            try:
                ready, _, _ = select.select([0, self.wake_r] if listening else [self.wake_r],
                                            [], [], 1.0)
            except InterruptedError:
                ready = []
            if self.wake_r in ready:
                os.read(self.wake_r, 4096)
            self.reap()
            if 0 not in ready:
                continue
            chunk = os.read(0, 65536)
            if not chunk:  # the tests are done: nothing may outlive them
                listening = False
                self.kill(None)
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self.handle(json.loads(line))


def _serve(preload: list[str]) -> None:
    import gc
    import importlib

    before = dict(os.environ)
    for name in preload:
        importlib.import_module(name)
    added = {k: v for k, v in os.environ.items() if before.get(k) != v}
    gc.collect()
    gc.freeze()  # the preloaded objects stay out of the children's collections (fewer copies)
    _Server(added).serve()


if __name__ == "__main__":
    _serve(sys.argv[1:])
