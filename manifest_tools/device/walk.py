"""Walk a device tree read-only, iteratively, in bounded memory, never following a symlink.

``walk(root)`` yields one :class:`Entry` per directory entry below ``root`` (not the root
itself) in a deterministic pre-order: each folder's names sorted by their bytes, a folder's
contents right after the folder. Two walks of one unchanged tree yield the same sequence.

How it stays safe on hostile trees:

- no recursion: a stack of frames, one per open level, each holding the sorted names still
  to visit in that folder (memory: the names of the folders on the current path, so the
  largest folder bounds it);
- one directory descriptor open at a time: a folder is opened relative to its parent's
  descriptor with ``O_NOFOLLOW | O_DIRECTORY`` (no path is ever longer than one name, so
  10,000 levels do not hit ``PATH_MAX``), and the walk climbs back through ``..``, checking
  that it arrives at the (device, inode) it left;
- entries are ``lstat``-ed (``follow_symlinks=False``): a symlink is reported as a
  ``symlink`` and never entered, so a symlink loop cannot loop;
- nothing is ever opened for writing.

A folder that cannot be opened or listed is yielded with ``kind='dir'`` and ``error`` set,
and the walk goes on; an entry that cannot be ``lstat``-ed is ``kind='error'``.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from ..errors import InputError

__all__ = ["Entry", "Kind", "walk"]

Kind = Literal["file", "dir", "symlink", "fifo", "socket", "other", "error"]

_OPEN_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | (
    getattr(os, "O_CLOEXEC", 0))


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry below the root.

    ``raw`` is the path relative to the root as bytes (``/``-separated); ``relpath`` the same
    decoded as UTF-8 with ``surrogateescape``, so an invalid name survives round trips
    (``relpath.encode('utf-8', 'surrogateescape') == raw``). ``size`` is ``st_size`` for
    files (0 otherwise); ``children`` is the number of entries of a folder that could be
    listed (None otherwise); ``depth`` is 1 for the root's own entries.
    """

    relpath: str
    raw: bytes
    kind: Kind
    size: int = 0
    error: str | None = None
    children: int | None = None
    depth: int = 1

    @property
    def name(self) -> str:
        return self.relpath.rsplit("/", 1)[-1]

    @property
    def utf8(self) -> bool:
        """True when the path is valid UTF-8 (AWS does not import a file whose name is not)."""
        try:
            self.raw.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True


def reason(exc: OSError) -> str:
    """'EACCES (Permission denied)' for an OSError."""
    if exc.errno is None:
        return str(exc)
    return f"{errno.errorcode.get(exc.errno, str(exc.errno))} ({os.strerror(exc.errno)})"


def _kind(mode: int) -> Kind:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "other"


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


@dataclass(slots=True)
class _Frame:
    raw: bytes  # relative path of this folder ('' for the root)
    names: list[bytes]  # sorted names not visited yet, in reverse (pop() takes the next)
    ident: tuple[int, int]  # (st_dev, st_ino), to check the climb back through '..'
    depth: int


def _open_root(root: str | os.PathLike[str]) -> tuple[int, os.stat_result]:
    path = os.fspath(root)
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise InputError(f"device root {path}: {reason(exc)}", path) from None
    if stat.S_ISLNK(info.st_mode):
        raise InputError(f"device root {path} is a symbolic link; give the real mount point "
                         f"({os.path.realpath(path)})", path)
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(f"device root {path} is not a directory", path)
    try:
        fd = os.open(path, _OPEN_DIR)
    except OSError as exc:
        raise InputError(f"cannot open device root {path}: {reason(exc)}", path) from None
    return fd, info


def _list(fd: int) -> list[bytes]:
    # listdir on a descriptor returns str (surrogateescape); fsencode gives the exact bytes.
    names = [os.fsencode(n) for n in os.listdir(fd)]
    names.sort(reverse=True)
    return names


class _Walker:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.fd, info = _open_root(root)
        self.stack: list[_Frame] = []
        try:
            names = _list(self.fd)
        except OSError as exc:
            os.close(self.fd)
            raise InputError(f"cannot list device root {os.fspath(root)}: {reason(exc)}",
                             os.fspath(root)) from None
        self.stack.append(_Frame(b"", names, (info.st_dev, info.st_ino), 1))

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def entries(self) -> Iterator[Entry]:
        while self.stack:
            frame = self.stack[-1]
            if not frame.names:
                self.stack.pop()
                if self.stack:
                    self._climb(self.stack[-1].ident)
                continue
            name = frame.names.pop()
            yield self._visit(frame, name)

    def _visit(self, frame: _Frame, name: bytes) -> Entry:
        raw = frame.raw + b"/" + name if frame.raw else name
        try:
            info = os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except OSError as exc:
            return Entry(_decode(raw), raw, "error", error=reason(exc), depth=frame.depth)
        kind = _kind(info.st_mode)
        if kind == "dir":
            return self._descend(frame, name, raw, info)
        size = info.st_size if kind == "file" else 0
        return Entry(_decode(raw), raw, kind, size, depth=frame.depth)

    def _descend(self, frame: _Frame, name: bytes, raw: bytes, info: os.stat_result) -> Entry:
        relpath = _decode(raw)
        try:
            child = os.open(name, _OPEN_DIR, dir_fd=self.fd)
        except OSError as exc:
            return Entry(relpath, raw, "dir", error=f"cannot open folder: {reason(exc)}",
                         depth=frame.depth)
        try:
            opened = os.fstat(child)
            if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                raise OSError(errno.ESTALE, "the folder changed while it was being read")
            names = _list(child)
        except OSError as exc:
            os.close(child)
            return Entry(relpath, raw, "dir", error=f"cannot list folder: {reason(exc)}",
                         depth=frame.depth)
        os.close(self.fd)
        self.fd = child
        self.stack.append(_Frame(raw, names, (info.st_dev, info.st_ino), frame.depth + 1))
        return Entry(relpath, raw, "dir", children=len(names), depth=frame.depth)

    def _climb(self, ident: tuple[int, int]) -> None:
        parent = os.open("..", _OPEN_DIR, dir_fd=self.fd)
        os.close(self.fd)
        self.fd = parent
        info = os.fstat(parent)
        if (info.st_dev, info.st_ino) != ident:
            # The tree was moved under us: stop rather than report another tree's files.
            raise InputError("the device tree changed during the walk (a folder was moved); "
                             "run the preflight again on an unchanging device")


def walk(root: str | os.PathLike[str]) -> Iterator[Entry]:
    """Yield every entry below ``root`` (see the module docstring).

    Raises :class:`InputError` if the root is missing, a symlink, not a folder or cannot
    be listed, or if the tree is moved during the walk.
    """
    walker = _Walker(root)
    try:
        yield from walker.entries()
    finally:
        walker.close()
