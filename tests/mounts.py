"""One loop device set up at a time on this machine, whoever asks (xdist workers, another
checkout's test run): ``losetup --find`` picks a free device and then claims it, and two
callers in between can pick the same one."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

LOCK = "/run/lock/manifest-tools-tests-loop.lock" if os.path.isdir("/run/lock") else \
    "/tmp/manifest-tools-tests-loop.lock"


@contextmanager
def loop_setup() -> Iterator[None]:
    """Hold the machine-wide lock around ``losetup --find`` or ``mount -o loop``."""
    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
