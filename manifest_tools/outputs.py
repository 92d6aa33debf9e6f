"""Write a file whole or not at all: the one atomic writer (SIGNATURE, --retry, --keys,
validate --fix and --output).

A temporary file is created next to the target with ``tempfile.mkstemp`` (``O_CREAT |
O_EXCL | O_NOFOLLOW``, a random name: a symlink or file planted at a predictable name is
never followed or reused), filled, ``fsync``-ed, renamed onto the target with
``os.replace`` (atomic on one filesystem) and the folder ``fsync``-ed so the rename is
durable. Any failure removes the temporary file; the target keeps its old contents, and
a replaced file keeps its permission bits (a manifest fixed in place stays as readable as it
was).

``inside`` answers "would this path write into that folder?" by device and inode, not by
comparing path strings, so a bind mount of the folder, a symlink to it or ``ROOT/.`` is
recognised.

Each step calls ``os`` and ``tempfile`` through the module (``os.write``, ``os.fsync``,
``os.replace``, ``tempfile.mkstemp``), so tests can inject faults.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from .errors import InputError

__all__ = ["atomic_output", "create_temp", "fsync_dir", "inside", "remove_quietly",
           "write_all", "write_atomic"]

# Windows opens no directory with os.open (PermissionError) and cannot fsync one; NTFS
# journals the rename itself. There, and where O_DIRECTORY is missing, the sync is skipped.
WINDOWS = os.name == "nt"
# Errors with which a filesystem says "fsync on a directory is not supported here" (some
# FUSE and network filesystems); the rename has still happened, so they are not failures.
_DIR_FSYNC_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EISDIR})


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def fsync_dir(folder: str) -> None:
    """Make a rename in ``folder`` durable (skipped where directories cannot be synced)."""
    if WINDOWS or not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _DIR_FSYNC_UNSUPPORTED:
            raise
    finally:
        os.close(fd)


def remove_quietly(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def create_temp(folder: str, prefix: str, suffix: str, mode: int) -> tuple[int, str]:
    """A new, empty temporary file in ``folder`` (exclusive, random name, never through a
    symlink), given ``mode`` where the filesystem stores modes; (descriptor, path)."""
    fd, temp = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    # mkstemp makes 0600. Best effort: FAT/exFAT cannot store modes at all.
    with contextlib.suppress(OSError):
        os.fchmod(fd, mode)
    return fd, temp


def _mode_for(path: str) -> int:
    """The existing file's permission bits, else 0666 less the umask (what a plain
    ``open(path, 'w')`` would have given)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def atomic_output(path: str) -> Iterator[BinaryIO]:
    """A stream whose bytes become ``path`` when the block ends without an exception, and
    nothing at all otherwise. Raises OSError (the caller words the message)."""
    folder = os.path.dirname(path) or "."
    fd, temp = create_temp(folder, f".{os.path.basename(path)}.", ".tmp", _mode_for(path))
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        remove_quietly(temp)
        raise
    fsync_dir(folder)


def write_atomic(path: str, data: bytes, what: str = "") -> None:
    """``data`` becomes ``path`` whole, or ``path`` is left as it was; InputError (naming
    ``what``, e.g. '--retry') on failure."""
    try:
        with atomic_output(path) as stream:
            stream.write(data)
    except OSError as exc:
        label = f"{what} {path}".strip()
        raise InputError(f"cannot write {label}: {exc.strerror}", path) from None


def inside(path: str, root: str) -> bool:
    """Whether ``path`` is the folder ``root`` or lies below it, by (st_dev, st_ino) of
    ``path`` itself (when it exists), its folder and each folder above it: a bind mount of
    ``root``, a symlink to it or ``root`` written as ``ROOT/.`` is the same folder. A
    ``root`` that cannot be inspected holds nothing."""
    try:
        info = os.stat(root)  # follows symlinks: the folder that ``root`` names
    except OSError:
        return False
    target = (info.st_dev, info.st_ino)
    with contextlib.suppress(OSError):
        itself = os.stat(path)
        if (itself.st_dev, itself.st_ino) == target:
            return True
    folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    while True:
        try:
            here = os.stat(folder)
        except OSError:
            here = None
        if here is not None and (here.st_dev, here.st_ino) == target:
            return True
        parent = os.path.dirname(folder)
        if parent == folder:
            return False
        folder = parent
