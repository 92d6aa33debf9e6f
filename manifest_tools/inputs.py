"""Read an input once, by name ('-' is standard input), refusing what is not a small file.

Limits are checked before anything is parsed, so a huge or endless input (a FIFO, /dev/zero)
costs a bounded amount of time and memory.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import sys
from dataclasses import dataclass
from typing import BinaryIO

from .errors import InputError

MiB = 1024 * 1024
# A manifest is a few KB; 1 MiB is generous. get-status output echoes a manifest and adds
# little, but pasted e-mails can be long: 4 MiB (the status reader's own bound).
MANIFEST_LIMIT = 1 * MiB
STATUS_LIMIT = 4 * MiB
SIGNATURE_LIMIT = 64 * 1024
STDIN = "-"


@dataclass(frozen=True, slots=True)
class Source:
    name: str  # what messages call it: the path as given, or "<stdin>"
    data: bytes


def read_source(path: str, limit: int, stdin: BinaryIO | None = None) -> Source:
    """Read ``path`` (or stdin for ``-``) up to ``limit`` bytes; raise InputError otherwise."""
    if path == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        return Source("<stdin>", _read_limited(stream, limit, "<stdin>"))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", path) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}", path) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path}: is a directory, not a file", path)
    if stat.S_ISREG(info.st_mode) and info.st_size > limit:
        raise InputError(f"{path}: {info.st_size} bytes is larger than the limit of {limit} "
                         "bytes", path)
    try:
        # O_NONBLOCK: opening a FIFO with no writer must not hang; reads are made blocking
        # again below so a FIFO with a writer is still read to its end.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}", path) from None
    try:
        head = _fifo_head(fd, path, limit)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as stream:
            if len(head) > limit:
                raise InputError(f"{path}: larger than the limit of {limit} bytes", path)
            return Source(path, head + _read_limited(stream, limit - len(head), path))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}", path) from None


def _fifo_head(fd: int, path: str, limit: int) -> bytes:
    """For a FIFO, what a first non-blocking read gets: end of file at once means no process
    has it open for writing (a named pipe nobody feeds, as a folder walk may meet one), and
    waiting would hang: refused. Empty bytes for anything else."""
    if not stat.S_ISFIFO(os.fstat(fd).st_mode):
        return b""
    try:
        head = os.read(fd, limit + 1)
    except BlockingIOError:
        return b""  # a writer is there and has not written yet: read on, blocking
    if not head:
        os.close(fd)
        raise InputError(f"{path}: a FIFO (named pipe) that no process writes to: nothing "
                         "to read", path)
    return head


def _read_limited(stream: BinaryIO, limit: int, name: str) -> bytes:
    data = stream.read(limit + 1)
    if data is None:
        data = b""
    if len(data) > limit:
        raise InputError(f"{name}: larger than the limit of {limit} bytes", name)
    return data


# The file names a directory argument is searched for: the pre-commit hook's `files` pattern
# (.pre-commit-hooks.yaml), matched against the path below the directory named on the
# command line as if that directory were `manifests/`. So `validate disks/` takes every
# .yaml/.yml and .manifest file under disks/, and `validate .` in a repository takes what
# the hook takes (manifest*.yaml anywhere, *.manifest, anything under a manifests/ folder).
MANIFEST_FILES = re.compile(
    r"(^|/)(manifest[^/]*\.ya?ml|[^/]*\.manifest|manifests/([^/]+/)*[^/]+\.ya?ml)$")


def expand_paths(paths: list[str], exclude: list[str] | None = None) -> list[str]:
    """Command-line paths with each directory replaced by the manifest files under it
    (sorted; hidden folders skipped); ``exclude`` globs drop files and folders by name or
    by path. Files named explicitly are kept as they are (a missing one is reported when it
    is read)."""
    patterns = exclude or []
    found: list[str] = []
    for path in paths:
        if path != STDIN and os.path.isdir(path):
            found.extend(_walk(path, patterns))
        elif not _excluded(path, patterns):
            found.append(path)
    return found


def _walk(top: str, patterns: list[str]) -> list[str]:
    """os.walk's order (each folder's files, then its subfolders, names sorted), without its
    recursion: a tree thousands of levels deep is walked, not a RecursionError. Symlinks to
    folders are not entered (os.walk's default); a folder that cannot be listed is
    skipped, as os.walk does. Anything that is not a folder is a candidate file, so a FIFO
    named like a manifest is reported unreadable rather than silently left out."""
    found: list[str] = []
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        dirs = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False) or (
                    entry.is_symlink() and entry.is_dir())
            except OSError:
                is_dir = False
            path = os.path.join(folder, entry.name)
            if is_dir:
                if not entry.is_symlink() and not entry.name.startswith(".") \
                        and not _excluded(path, patterns):
                    dirs.append(path)
                continue
            below = os.path.relpath(path, top).replace(os.sep, "/")
            if MANIFEST_FILES.search("manifests/" + below) and not _excluded(path, patterns):
                found.append(path)
        stack.extend(reversed(dirs))
    return found


def _excluded(path: str, patterns: list[str]) -> bool:
    posix = path.replace(os.sep, "/")
    name = posix.rstrip("/").rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(posix, p)
               or fnmatch.fnmatch(posix, f"*/{p}") for p in patterns)
