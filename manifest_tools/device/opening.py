"""Open a file the walk listed, and only that file: the one way device files are read.

Between the walk listing a file and a reader opening it, the device may change: a folder on
the file's path swapped for a symlink (to ``/etc``), the file swapped for a FIFO (an open
or read that never returns), a device node, or another file. So a listed file is opened
relative to the device root's descriptor one name at a time, each folder with
``O_DIRECTORY | O_NOFOLLOW`` and the file with ``O_NOFOLLOW | O_NONBLOCK`` (opening a FIFO
does not wait for a writer); then ``fstat`` must show a regular file with the (st_dev,
st_ino) the walk saw. Anything else is an ``OSError`` whose message says what changed, and
the callers (``log --device``'s hashing, ``service receive``) report it as a failed read.
Only then is the descriptor made blocking again, for plain reads of a regular file.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import NamedTuple

__all__ = ["Ident", "Listed", "open_listed", "open_root"]

Ident = tuple[int, int]  # (st_dev, st_ino) as the walk saw it


class Listed(NamedTuple):
    """A file as the walk listed it: ``open_listed(*listed)`` opens it."""

    root_fd: int
    relpath: str
    ident: Ident | None

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_FILE = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
    | _CLOEXEC

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def open_root(root: str) -> int:
    """A descriptor of the device root folder (never through a symlink at its name)."""
    return os.open(os.path.normpath(root), _DIR)


def _changed(why: str) -> OSError:
    return OSError(errno.ESTALE, f"changed after the walk listed it: {why}")


def open_listed(root_fd: int, relpath: str | bytes, ident: Ident | None = None) -> int:
    """A blocking, read-only descriptor of the regular file ``relpath`` (``/``-separated,
    below the root of ``root_fd``) that the walk listed as ``ident``; raises OSError when
    the path now goes through a symlink or a non-folder, or the entry is not that regular
    file any more."""
    names = os.fsencode(relpath).split(b"/")
    fd = root_fd
    try:
        for name in names[:-1]:
            try:
                child = os.open(name, _DIR, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _changed("a folder on its path is now a symbolic link or not a "
                                   "folder (not followed)") from None
                raise
            if fd != root_fd:
                os.close(fd)
            fd = child
        try:
            opened = os.open(names[-1], _FILE, dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _changed("it is now a symbolic link (not followed)") from None
            raise
    finally:
        if fd != root_fd:
            os.close(fd)
    try:
        _check(os.fstat(opened), ident)
        os.set_blocking(opened, True)
    except BaseException:
        os.close(opened)
        raise
    return opened


def _check(info: os.stat_result, ident: Ident | None) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((what for test, what in _KINDS if test(info.st_mode)), "not a file")
        raise _changed(f"it is now {kind}, not a regular file")
    if ident is not None and (info.st_dev, info.st_ino) != ident:
        raise _changed("another file now has its name")
