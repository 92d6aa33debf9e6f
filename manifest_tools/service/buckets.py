"""The dock's only way to write under ``DATA/buckets``: every path proven to lie inside it.

A bucket name and an object key come from a client's manifest and a device's file names, so
they are hostile input (``bucket: ../../x`` once overwrote a ``.bashrc``). Whatever
the validator let through, this module proves each write itself:

- a bucket is one folder name some bucket rule allowed (:data:`aws.POSSIBLE_BUCKET`), so no
  ``/``, ``..``, NUL or absolute part; a key's segments are escaped into single names
  (:func:`segment`);
- folders are opened one at a time relative to their parent's descriptor with
  ``O_NOFOLLOW``: a symbolic link anywhere on the way (planted in ``buckets/`` or swapped in
  meanwhile) is refused, never followed;
- files are first written to a private staging folder, ``DATA/receiving/<JOBID>/``, created
  exclusively (``O_EXCL | O_NOFOLLOW``, a random name), then renamed into the proven folder
  by descriptor: a rename replaces the directory entry, never a file a link points to.

The staging folder of a receive is locked (``flock``) while it runs, so a later receive can
tell a live receive from a dead one and sweep what a killed one left (:func:`sweep`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from typing import BinaryIO

from ..aws import POSSIBLE_BUCKET
from ..errors import InputError, UsageError

BUCKETS = "buckets"
RECEIVING = "receiving"
# How long a receive waits for its staging folder's lock (a sweep holds it for a moment).
LOCK_WAIT = 1.0
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_CLOEXEC", 0)
# Write errors that are our side's lack of room, not the device's fault.
NO_SPACE = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


class NoSpaceError(InputError):
    """The data folder's file system is full: the receive stops, nothing partial is left."""


def segment(name: str) -> str:
    """A key segment as one file name: '', '.' and '..' cannot be, so they are escaped;
    so is NUL (a key segment never holds '/': keys are split on it)."""
    if name in ("", ".", ".."):
        return name.replace(".", "%2E") or "%"
    return name.replace("\x00", "%00")


def check_bucket(bucket: str) -> str:
    """``bucket`` when it can be one folder under ``DATA/buckets``; else UsageError (a job
    stored before MT316 refused such names at CreateJob)."""
    if not POSSIBLE_BUCKET.fullmatch(bucket):
        raise UsageError(f"the job's bucket {bucket[:80]!r} is not a bucket name (MT316); "
                         "nothing is written outside DATA/buckets")
    return bucket


def object_parts(bucket: str, key: str) -> list[str]:
    """``[bucket, folder..., name]``: the names to open one by one under DATA/buckets."""
    return [check_bucket(bucket), *(segment(s) for s in key.split("/"))]


def bucket_path(data_dir: str, bucket: str, key: str = "") -> str:
    """Where an object lives on disk (for messages): ``DATA/buckets/<bucket>/<key>``."""
    parts = object_parts(bucket, key) if key else [check_bucket(bucket)]
    return os.path.join(data_dir, BUCKETS, *parts)


def write_error(exc: OSError, what: str) -> InputError:
    """Our side failed to write: out of space (exit 2, 'no space on our side') or other."""
    if exc.errno in NO_SPACE:
        return NoSpaceError(f"no space on our side: the data folder's file system is full "
                            f"while writing {what} ({exc.strerror}); the device is not at "
                            "fault. Free space and run receive again.")
    return InputError(f"cannot write {what}: {exc.strerror or exc}")


def open_folder(parent: int, name: str, create: bool = True) -> int:
    """A descriptor of folder ``name`` inside ``parent`` (created 0700 when missing); a
    symbolic link or anything but a folder raises OSError (ELOOP/ENOTDIR)."""
    if not name or name in (".", "..") or "/" in name or "\x00" in name:
        raise OSError(errno.EINVAL, f"not a single folder name: {name!r}")
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o700, dir_fd=parent)
    return os.open(name, _DIR_FLAGS, dir_fd=parent)


def open_path(data_dir: str, parts: Sequence[str]) -> int:
    """A descriptor of ``DATA/<parts...>``, each part opened without following links."""
    fd = os.open(data_dir, _DIR_FLAGS)
    try:
        for name in parts:
            inner = open_folder(fd, name)
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


class Staging:
    """``DATA/receiving/<JOBID>/``, locked by this receive while it runs."""

    def __init__(self, data_dir: str, job_id: str) -> None:
        self.data_dir = data_dir
        try:
            self.fd = open_path(data_dir, [RECEIVING, segment(job_id)])
        except OSError as exc:
            raise write_error(exc, f"the staging folder {data_dir}/{RECEIVING}") from None
        if not _lock_soon(self.fd):
            os.close(self.fd)
            raise UsageError(f"job {job_id} is being received by another process")
        _empty(self.fd)  # what a killed receive of this job left

    def new_file(self) -> tuple[str, BinaryIO]:
        """An exclusively created, empty temporary file in the staging folder."""
        name = f".part.{secrets.token_hex(8)}"
        fd = os.open(name, _FILE_FLAGS, 0o600, dir_fd=self.fd)
        return name, os.fdopen(fd, "wb")

    def discard(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=self.fd)

    def publish(self, name: str, parts: Sequence[str]) -> None:
        """Rename staged file ``name`` to ``DATA/buckets/<parts>`` (folders proven on the
        way). OSError when it cannot be a file there (a folder of another key, a link)."""
        try:
            folder = open_path(self.data_dir, [BUCKETS, *parts[:-1]])
        except OSError:
            self.discard(name)
            raise
        try:
            os.rename(name, parts[-1], src_dir_fd=self.fd, dst_dir_fd=folder)
        except OSError:
            self.discard(name)
            raise
        finally:
            os.close(folder)

    def close(self) -> None:
        """Remove every staged file and release the lock."""
        try:
            _empty(self.fd)
        finally:
            os.close(self.fd)


def _lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one receive at a time is on the user
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _lock_soon(fd: int) -> bool:
    for _ in range(100):
        if _lock(fd):
            return True
        time.sleep(LOCK_WAIT / 100)
    return False


def _empty(fd: int) -> None:
    for name in os.listdir(fd):
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
            os.unlink(name, dir_fd=fd)


def sweep(data_dir: str) -> Iterator[str]:
    """Empty the staging folder of every receive that is no longer running (its lock is
    free); yields the job ids swept. Called when a receive starts."""
    path = os.path.join(data_dir, RECEIVING)
    try:
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        try:
            fd = open_path(data_dir, [RECEIVING, name])
        except OSError:
            continue
        try:
            if _lock(fd) and os.listdir(fd):
                _empty(fd)
                yield name
        finally:
            os.close(fd)
