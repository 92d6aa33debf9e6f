"""Ordered work on forked workers: items handed out in order, their results merged in order.

``fan_out(items, remote, work, local, merge, jobs)`` goes through ``items`` once, in this
process. An item ``remote`` says yes to is done by ``work(item, send)`` in one of ``jobs``
forked workers (started at the first such item); every message it ``send``s is given to
``merge`` here, in this process, and all of an item's messages are merged after those of
every item before it and before those of every item after it. Any other item is given to
``local`` here, in the same order. So the outcome is the one of doing every item here, one
after the other: the preflight's big trees walk on every core and give the same results.

Why this shape: each worker has its own task pipe (at most ``_AHEAD`` items waiting, handed
out as the worker finishes, so a big item does not hold up the others) and result pipe
(length-prefixed pickles). Messages of the item next in order are merged as they come;
those of later items are kept, up to ``BUFFERED`` bytes per worker, then that worker is
not read (it waits on its full pipe) until its turn: memory stays bounded whatever the
tree. A worker's exception is raised here when its item's turn comes, as it would have
been without workers. Workers leave with ``os._exit`` (never running this process's exit
handlers or flushing its buffers) and are killed if this process stops early. Fork only:
the workers share this process's state, including its string hash seed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import select
import signal
import struct
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

__all__ = ["BUFFERED", "can_fork", "cpus", "fan_out"]

T = TypeVar("T")
Send = Callable[[Any], None]

# Bytes of later items' messages kept per worker before that worker is left waiting.
BUFFERED = 32 * 1024 * 1024
_AHEAD = 2  # items handed to a worker before it finishes the first
_HEADER = struct.Struct("<Q")
_DATA, _END, _FAILED = 0, 1, 2  # what a result message is


def can_fork() -> bool:
    return hasattr(os, "fork")


def cpus() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _write(fd: int, payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd: int, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _send(results: int, number: int, message: object) -> None:
    _write(results, (number, _DATA, message))


def _worker(tasks: int, results: int, work: Callable[[Any, Send], None]) -> None:
    """A worker's life: items from ``tasks`` until it closes, messages to ``results``."""
    while True:
        header = _read_exact(tasks, _HEADER.size)
        if header is None:
            return
        body = _read_exact(tasks, _HEADER.unpack(header)[0])
        if body is None:
            return
        number, item = pickle.loads(body)
        try:
            work(item, functools.partial(_send, results, number))
        except BaseException as exc:  # the parent raises it in order
            try:
                _write(results, (number, _FAILED, exc))
            except Exception:  # an exception that cannot be pickled
                _write(results, (number, _FAILED, RuntimeError(repr(exc))))
            if not isinstance(exc, Exception):
                return
            continue
        _write(results, (number, _END, None))


class _Worker:
    __slots__ = ("buffered", "inbox", "pid", "results", "tasks", "working")

    def __init__(self, work: Callable[[Any, Send], None], others: list[_Worker]) -> None:
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                # Not the other workers' pipes: a task pipe held open here would never
                # tell its worker that the work is over.
                for fd in (task_w, result_r, *(f for w in others for f in (w.tasks, w.results))):
                    os.close(fd)
                _worker(task_r, result_w, work)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(task_r)
        os.close(result_w)
        self.pid: int = pid
        self.tasks: int = task_w
        self.results: int = result_r
        self.inbox = bytearray()  # bytes read, not yet cut into messages
        self.buffered = 0  # bytes of messages kept for items after the current one
        self.working: deque[int] = deque()  # item numbers handed to it, in order

    def stop(self, kill: bool) -> None:
        for fd in (self.tasks, self.results):
            if fd >= 0:
                os.close(fd)
        self.tasks = self.results = -1
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


class _Remote:
    __slots__ = ("done", "messages", "number", "worker")

    def __init__(self, number: int) -> None:
        self.number = number
        self.messages: deque[tuple[Any, int]] = deque()  # (message, its size in bytes)
        self.worker: _Worker | None = None
        self.done = False


class _FanOut(Generic[T]):
    def __init__(self, work: Callable[[T, Send], None], merge: Callable[[Any], None],
                 local: Callable[[T], None], jobs: int) -> None:
        self.work, self.merge, self.local, self.jobs = work, merge, local, jobs
        self.workers: list[_Worker] = []
        self.queue: deque[tuple[bool, Any]] = deque()  # (remote, _Remote or local item)
        self.unassigned: deque[tuple[_Remote, T]] = deque()
        self.remotes: dict[int, _Remote] = {}
        self.count = 0

    def add(self, item: T, remote: bool) -> None:
        if not remote:
            if self.queue:
                self.queue.append((False, item))
            else:
                self.local(item)
            return
        if not self.workers:
            for _ in range(self.jobs):
                self.workers.append(_Worker(self.work, self.workers))
        job = _Remote(self.count)
        self.count += 1
        self.remotes[job.number] = job
        self.queue.append((True, job))
        self.unassigned.append((job, item))
        self.assign()
        self.advance(block=False)

    def assign(self) -> None:
        while self.unassigned:
            worker = min(self.workers, key=lambda w: len(w.working))
            if len(worker.working) >= _AHEAD:
                return
            job, item = self.unassigned.popleft()
            job.worker = worker
            worker.working.append(job.number)
            _write(worker.tasks, (job.number, item))

    def advance(self, block: bool) -> None:
        """Merge what is ready, in order; with ``block``, until the queue is empty."""
        while self.queue:
            remote, head = self.queue[0]
            if not remote:
                self.queue.popleft()
                self.local(head)
                continue
            while head.messages:
                message, size = head.messages.popleft()
                assert head.worker is not None
                head.worker.buffered -= size
                self.merge(message)
            if head.done:
                self.queue.popleft()
                del self.remotes[head.number]
                continue
            if not self.receive(head, block):
                return

    def receive(self, head: _Remote, block: bool) -> bool:
        """Read what the workers sent (waiting when ``block``); False if nothing came. The
        worker of ``head`` is always read; another only while it has under BUFFERED
        bytes of messages kept."""
        readable = [w for w in self.workers if w.results >= 0 and (
            w is head.worker or w.buffered < BUFFERED)]
        ready, _, _ = select.select([w.results for w in readable], [], [],
                                    None if block else 0)
        for worker in readable:
            if worker.results in ready:
                data = os.read(worker.results, 1 << 20)
                if data:
                    worker.inbox += data
                    self.cut(worker)
                    continue
                os.close(worker.results)  # it left: fine once it has nothing to do
                worker.results = -1
                if worker.working:
                    raise RuntimeError("a preflight worker stopped unexpectedly")
        return bool(ready)

    def cut(self, worker: _Worker) -> None:
        """The whole messages in ``worker.inbox``, to their items' queues."""
        inbox, start = worker.inbox, 0
        while len(inbox) - start >= _HEADER.size:
            (size,) = _HEADER.unpack_from(inbox, start)
            end = start + _HEADER.size + size
            if len(inbox) < end:
                break
            number, kind, message = pickle.loads(memoryview(inbox)[start + _HEADER.size:end])
            start = end
            job = self.remotes[number]
            if kind != _DATA:
                if kind == _FAILED:
                    job.messages.append((_Failure(message), 0))
                job.done = True
                worker.working.popleft()
                self.assign()
                continue
            worker.buffered += size
            job.messages.append((message, size))
        del inbox[:start]

    def close(self, kill: bool) -> None:
        for worker in self.workers:
            worker.stop(kill)
        self.workers = []


class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def fan_out(items: Iterable[T], remote: Callable[[T], bool], work: Callable[[T, Send], None],
            local: Callable[[T], None], merge: Callable[[Any], None], jobs: int) -> None:
    """See the module doc. ``work`` runs in a forked child: it must only compute and
    ``send`` (picklable messages); ``merge`` and ``local`` run here, in item order."""

    def merged(message: Any) -> None:
        if isinstance(message, _Failure):
            raise message.exc
        merge(message)

    fan: _FanOut[T] = _FanOut(work, merged, local, max(1, jobs))
    finished = False
    try:
        for item in items:
            fan.add(item, remote(item))
        fan.advance(block=True)
        finished = True
    finally:
        fan.close(kill=not finished)
