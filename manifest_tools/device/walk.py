"""Walk a device tree read-only, iteratively, in bounded memory, never following a symlink.

``walk(root)`` yields one :class:`Entry` per directory entry below ``root`` (not the root
itself) in a deterministic pre-order: each folder's names sorted (by code point: UTF-8
byte order for valid names), a folder's
contents right after the folder. Two walks of one unchanged tree yield the same sequence.

How it stays safe on hostile trees:

- no recursion: a stack of frames, one per open level, each holding the sorted names still
  to visit in that folder (memory: the names of the folders on the current path, so the
  largest folder bounds it);
- a bounded number of directory descriptors open: a folder is opened relative to its
  parent's descriptor with ``O_NOFOLLOW | O_DIRECTORY`` (no path is ever longer than one
  name, so 10,000 levels do not hit ``PATH_MAX``); the first ``KEEP_OPEN`` levels keep
  theirs open while a subfolder is walked, and below them the walk climbs back through
  ``..``, checking that it arrives at the (device, inode) it left;
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
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

from ..errors import InputError

__all__ = ["Entry", "FileRun", "Kind", "Subtree", "walk", "walk_runs", "walk_split",
           "walk_subtree"]

Kind = Literal["file", "dir", "symlink", "fifo", "socket", "other", "error"]

_OPEN_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | (
    getattr(os, "O_CLOEXEC", 0))


class Entry(NamedTuple):
    """One entry below the root.

    ``relpath`` is the path relative to the root, ``/``-separated, decoded as UTF-8 with
    ``surrogateescape`` so an invalid name survives round trips; ``raw`` is the same as bytes
    (``relpath.encode('utf-8', 'surrogateescape')``). ``size`` is ``st_size`` for files (0
    otherwise); ``children`` is the number of entries of a folder that could be listed (None
    otherwise); ``depth`` is 1 for the root's own entries; ``ident`` is a file's (st_dev,
    st_ino) as listed (``walk`` sets it, so a reader can check it opens that very file:
    ``opening.open_listed``). A named tuple, not a dataclass: a walk makes one per file,
    and this is the cheapest object Python builds.
    """

    relpath: str
    kind: Kind
    size: int = 0
    error: str | None = None
    children: int | None = None
    depth: int = 1
    ident: tuple[int, int] | None = None

    @property
    def raw(self) -> bytes:
        return self.relpath.encode("utf-8", "surrogateescape")

    @property
    def name(self) -> str:
        return self.relpath.rpartition("/")[2]

    @property
    def utf8(self) -> bool:
        """True when the path is valid UTF-8 (AWS does not import a file whose name is not)."""
        if self.relpath.isascii():
            return True
        try:
            self.relpath.encode("utf-8")
        except UnicodeEncodeError:
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


class FileRun(NamedTuple):
    """Consecutive regular files of one folder, in walk order: ``prefix`` is the folder's
    relative path + '/' ('' in the root), ``files`` (name, st_size) pairs; each file's
    Entry would be ``Entry(prefix + name, 'file', size, None, None, depth)``."""

    prefix: str
    depth: int
    files: list[tuple[str, int]]


class Subtree(NamedTuple):
    """A root-level folder whose contents ``walk_split`` leaves to :func:`walk_subtree`
    (which may run in another process): its name and (st_dev, st_ino) as listed."""

    name: str
    ident: tuple[int, int]


@dataclass(slots=True)
class _Frame:
    prefix: str  # relative path of this folder + '/' ('' for the root)
    names: list[str]  # sorted names of this folder
    index: int  # next name to visit
    ident: tuple[int, int]  # (st_dev, st_ino), to check the climb back through '..'
    depth: int
    # This folder's descriptor, kept open while a subfolder is walked (shallow levels
    # only, see KEEP_OPEN); -1 when the walk climbs back through '..' instead.
    fd: int = -1


# Levels whose descriptors stay open while their subfolders are walked: coming back is
# then an lstat of '..' and a close instead of open('..') + fstat + close, and at most
# this many descriptors are open however deep the tree goes.
KEEP_OPEN = 32


def _open_root(root: str | os.PathLike[str]) -> tuple[int, os.stat_result]:
    path = os.fspath(root)
    try:
        # lstat('link/.') and lstat('link/') follow the link: look at the name itself.
        info = os.lstat(os.path.normpath(path))
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


def _list(fd: int) -> list[str]:
    # listdir on a descriptor returns str (surrogateescape). Sorted by code point, which is
    # the UTF-8 byte order for valid names; invalid names sort by their escapes.
    names = os.listdir(fd)
    names.sort()
    return names


class _Walker:
    def __init__(self, root: str | os.PathLike[str], subtree: Subtree | None = None) -> None:
        self.fd, info = _open_root(root)
        ident = (info.st_dev, info.st_ino)
        if subtree is not None:
            # The root's frame has nothing left to visit: the walk ends when it climbs
            # back from the subtree (checking its '..', as the whole walk does).
            self.stack = [_Frame("", [], 0, ident, 1)]
            self._enter(subtree, root)
            return
        try:
            names = _list(self.fd)
        except OSError as exc:
            os.close(self.fd)
            raise InputError(f"cannot list device root {os.fspath(root)}: {reason(exc)}",
                             os.fspath(root)) from None
        self.stack = [_Frame("", names, 0, ident, 1)]

    def _enter(self, subtree: Subtree, root: str | os.PathLike[str]) -> None:
        """Open and list the root-level folder ``subtree`` as the walk does on the way
        down; it must still be the folder that was listed."""
        entry, child = self._descend(self.stack[0], subtree.name, subtree.ident)
        if child is None:
            self.close()
            raise InputError(f"the device tree changed during the walk ({entry.error}); "
                             "run the preflight again on an unchanging device",
                             os.fspath(root))
        self.stack.append(child)

    def close(self) -> None:
        for frame in self.stack:
            if frame.fd >= 0:
                os.close(frame.fd)
                frame.fd = -1
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def items(self, runs: bool = True, split: bool = False
              ) -> Iterator[Entry | FileRun | Subtree]:
        """Pre-order; consecutive regular files of one folder come as one FileRun, or
        (``runs`` False) each as an Entry with its ident. ``split``: a root-level folder
        that opens and lists comes as its Entry then a Subtree, and is not entered."""
        stack, lstat, is_reg = self.stack, os.stat, stat.S_ISREG
        while stack:
            frame = stack[-1]
            names, prefix, depth, fd = frame.names, frame.prefix, frame.depth, self.fd
            i, count = frame.index, len(names)
            files: list[tuple[str, int]] = []
            while i < count:
                name = names[i]
                i += 1
                try:
                    info = lstat(name, dir_fd=fd, follow_symlinks=False)
                except OSError as exc:
                    info, error = None, reason(exc)
                if info is not None and is_reg(info.st_mode):
                    if runs:
                        files.append((name, info.st_size))
                    else:
                        yield Entry(prefix + name, "file", info.st_size, None, None, depth,
                                    (info.st_dev, info.st_ino))
                    continue
                if files:
                    yield FileRun(prefix, depth, files)
                    files = []
                if info is None:
                    yield Entry(prefix + name, "error", 0, error, None, depth)
                elif stat.S_ISDIR(info.st_mode):
                    entry, child = self._descend(frame, name, (info.st_dev, info.st_ino))
                    yield entry
                    if (yield from self._into(frame, name, child, i, split)):
                        break
                else:
                    yield Entry(prefix + name, _kind(info.st_mode), 0, None, None, depth)
            else:
                yield from self._leave(FileRun(prefix, depth, files))

    def _into(self, frame: _Frame, name: str, child: _Frame | None, index: int,
              split: bool) -> Generator[Subtree, None, bool]:
        """After ``_descend``: True when the walk goes on inside ``child`` (pushed; the
        folder ``frame`` resumes at ``index`` afterwards). With ``split``, a root-level
        folder is closed again and yielded as a Subtree instead (its '..' is checked by
        walk_subtree)."""
        if child is None:
            return False
        if split and frame.depth == 1:
            os.close(self.fd)
            self.fd, frame.fd = frame.fd, -1
            yield Subtree(name, child.ident)
            return False
        frame.index = index
        self.stack.append(child)
        return True

    def _leave(self, run: FileRun) -> Iterator[FileRun]:
        """The folder on top of the stack is done: its last files, then back to its
        parent."""
        if run.files:
            yield run
        self.stack.pop().names.clear()
        if self.stack:
            self._climb(self.stack[-1])

    def _descend(self, frame: _Frame, name: str, ident: tuple[int, int]
                 ) -> tuple[Entry, _Frame | None]:
        relpath = frame.prefix + name
        try:
            child = os.open(name, _OPEN_DIR, dir_fd=self.fd)
        except OSError as exc:
            return Entry(relpath, "dir", 0, f"cannot open folder: {reason(exc)}", None,
                         frame.depth), None
        try:
            opened = os.fstat(child)
            if (opened.st_dev, opened.st_ino) != ident:
                raise OSError(errno.ESTALE, "the folder changed while it was being read")
            names = _list(child)
        except OSError as exc:
            os.close(child)
            return Entry(relpath, "dir", 0, f"cannot list folder: {reason(exc)}", None,
                         frame.depth), None
        if frame.depth <= KEEP_OPEN:
            frame.fd = self.fd
        else:
            os.close(self.fd)
        self.fd = child
        return (Entry(relpath, "dir", 0, None, len(names), frame.depth),
                _Frame(relpath + "/", names, 0, ident, frame.depth + 1))

    def _climb(self, frame: _Frame) -> None:
        """Back to ``frame``'s folder after its subfolder, checking that the subfolder's
        '..' is still the (device, inode) the walk left: through its kept descriptor (one
        lstat of '..'), or by opening '..'."""
        if frame.fd >= 0:
            info = os.stat("..", dir_fd=self.fd, follow_symlinks=False)
            os.close(self.fd)
            self.fd, frame.fd = frame.fd, -1
        else:
            parent = os.open("..", _OPEN_DIR, dir_fd=self.fd)
            os.close(self.fd)
            self.fd = parent
            info = os.fstat(parent)
        if (info.st_dev, info.st_ino) != frame.ident:
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
        yield from walker.items(runs=False)  # type: ignore[misc]
    finally:
        walker.close()


def walk_split(root: str | os.PathLike[str]) -> Iterator[Entry | FileRun | Subtree]:
    """``walk_runs``, but each root-level folder that opens and lists is followed by a
    :class:`Subtree` instead of its contents: ``walk_subtree(root, subtree)`` gives them,
    so that the root's folders can be walked apart (by forked workers) and the results
    put back in this order."""
    walker = _Walker(root)
    try:
        yield from walker.items(split=True)
    finally:
        walker.close()


def walk_subtree(root: str | os.PathLike[str], subtree: Subtree
                 ) -> Iterator[Entry | FileRun]:
    """What ``walk_runs`` yields between a root-level folder's Entry and the root's next
    name. Raises :class:`InputError` if that folder is no longer the one ``walk_split``
    listed, or if the tree is moved during the walk."""
    walker = _Walker(root, subtree)
    try:
        yield from walker.items()  # type: ignore[misc]
    finally:
        walker.close()


def walk_runs(root: str | os.PathLike[str]) -> Iterator[Entry | FileRun]:
    """``walk`` in the same order, but each run of consecutive regular files in one folder
    comes as one :class:`FileRun`: a caller with per-file work to do loops over plain
    (name, size) pairs instead of one object per file (the preflight's hot path)."""
    walker = _Walker(root)
    try:
        yield from walker.items()  # type: ignore[misc]
    finally:
        walker.close()
