"""Many manifests at once: :func:`validate_batch` checks a large batch on every CPU.

Files are independent, so a batch of at least :data:`PARALLEL_FROM` manifests is split
among forked worker processes (the parent's imported modules and compiled schemas come
along; threads would share one core, the checks being pure Python). The results come back
in the order of the batch and are the very values a single process makes
(tests/manifest/test_batch.py compares them with 1 and N workers). Without ``fork`` (not
Linux) or with one CPU the batch runs in this process.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from .jobtype import JobType
from .validate import FileResult, validate_bytes

__all__ = ["PARALLEL_FROM", "Job", "default_workers", "validate_batch"]

# Below this many files a pool costs more than it saves (forking and collecting results
# take ~10-20 ms; one manifest ~0.5-1.5 ms).
PARALLEL_FROM = 64

# One manifest to check: (bytes, name in findings, --job-type, rules switched off).
Job = tuple[bytes, str, JobType | None, frozenset[str]]


def default_workers() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _one(job: Job) -> FileResult:
    data, name, job_type, disabled = job
    return validate_bytes(data, name, job_type, disabled)


def _quiet_worker() -> None:
    """Ctrl-C is the parent's to handle (one line, exit 130): a worker ignores it and is
    stopped with the pool."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def validate_batch(jobs: Sequence[Job], workers: int | None = None) -> list[FileResult]:
    """``validate_bytes`` of each job, in order; ``workers`` processes (default: one per
    CPU) for a batch of :data:`PARALLEL_FROM` or more."""
    count = default_workers() if workers is None else workers
    if count < 2 or len(jobs) < PARALLEL_FROM:
        return [_one(job) for job in jobs]
    # Only now: importing multiprocessing is ~18 ms, a sixth of a one-file run.
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return [_one(job) for job in jobs]
    from concurrent.futures import ProcessPoolExecutor

    # The first file in this process: the schemas its job type needs are compiled once,
    # before the fork, instead of once per worker.
    first = _one(jobs[0])
    chunk = max(1, (len(jobs) - 1) // (count * 4))
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"),
                             initializer=_quiet_worker) as pool:
        return [first, *pool.map(_one, jobs[1:], chunksize=chunk)]
