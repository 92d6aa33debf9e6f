"""Prepare an import device: copy a source tree onto it, hashing in the same read, with a
journal outside the device that a crash at any instant leaves true, and resume.

``prepare(source, device, manifest, journal)`` does, in order:

1. **Preflight of the source as it will be on the device** (nothing written anywhere yet):
   the preflight's findings about names, keys, ignore, substitutions, collisions and limits
   (:func:`.preflight.run_preflight` run on the source; the findings that are about the
   source's own disk, not the device, are left out), what the device's file system cannot
   hold (:mod:`.target`) and the space the copy needs. Any error stops here: no journal is
   created, nothing is copied. ``dry_run`` stops here anyway.
2. **Resume**: an existing journal is read (a torn last row ignored); each file to import
   whose row matches the source (size and mtime) and whose device copy has that size is
   left alone; a source changed since is copied again (reported); device files the journal
   does not know are reported; temporaries of an interrupted run are removed.
3. **Copy**: each file is read once, each chunk hashed and written to a temporary name in
   its folder on the device (``.mtprep-<hex>.tmp``), the modification time copied, then
   fsync, an optional read-back past the page cache (``verify``), rename into place, fsync
   of the folder, and only then its journal row. ``jobs`` files at a time. A source that
   changes while it is read (size or mtime after the read differ from before, or the bytes
   read are not its size) is read again, at most ``ATTEMPTS`` times, then reported; a read
   error is reported and the rest goes on; a full or read-only device stops the copy with
   the journal consistent.
4. **SIGNATURE** (when every file is on the device and ``signature`` is given) through the
   one atomic writer (:func:`.signature.write_signature`), then the device's own preflight.

Files AWS would ignore (the manifest's ``ignore``, a root ``SIGNATURE`` in the source) are
not copied: AWS skips them anyway (our decision; README, "Prepare the device").
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import mmap
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from ..aws import DEVICE_LIMIT, SIGNATURE_NAME
from ..diagnostics import Diagnostic, Severity
from ..errors import InputError, UsageError
from ..outputs import inside
from .findings import Findings, display_path
from .journal import Journal, JournalHeader, JournalRow, JournalWriter, read_journal
from .target import RULE_SPACE, free_space, space_needed, target_checks
from .walk import reason

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from .keys import KeyRules
    from .preflight import Preflight
    from .signature import WriteResult

__all__ = ["ATTEMPTS", "BATCH_BYTES", "BATCH_FILES", "CHUNK", "TEMP_NAME", "CopyWriter",
           "Hooks", "PrepareCounts", "PrepareResult", "direct_io", "prepare"]

CHUNK = 1024 * 1024
# Bytes written to a device copy before their write-back is started (``_start_writeback``).
WRITEBACK = 8 * 1024 * 1024
# Files copied at once by default: the copy waits on the disks more than on the CPU (MD5
# releases the GIL), so more files in flight than CPUs keeps both disks busy; measured on
# 2 CPUs, 256 x 1 MiB from a cold cache, interleaved medians: 2 at once 3.27 s, 4 2.89 s,
# 8 2.38 s, 16 2.78 s.
DEFAULT_JOBS = 8
ATTEMPTS = 3
# Files at least this large are fsynced on their own even in group mode: a syncfs waits for
# every dirty page of the file system, other writers' too, and buys nothing for one file.
GROUP_LIMIT = 16 * 1024 * 1024
# A batch of small files made durable together in group mode (``_Batch``): at most this
# many files or bytes (what a kill can cost a resume to copy again).
BATCH_FILES = 128
BATCH_BYTES = 256 * 1024 * 1024
# A large file (GROUP_LIMIT and more) is read in chunks of BIG_CHUNK, PIPELINE of them in
# flight between reading, hashing and writing (``_Copier._pipeline``): 16 MiB a file.
BIG_CHUNK = 4 * 1024 * 1024
PIPELINE = 4
# Direct I/O's alignment of lengths and offsets: the largest logical block of common disks.
_ALIGN = 4096
# Temporaries on the device: '.mtprep-' + 16 hex digits + '.tmp' in the file's own folder
# (same file system, so the rename is atomic).
TEMP_NAME = re.compile(r"\.mtprep-[0-9a-f]{16}\.tmp")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | _CLOEXEC
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | _CLOEXEC
# Device errors after which no other file can be written either: stop, journal consistent.
_FATAL = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO})
# Preflight findings about the source's own disk, not the device it will be copied to: no
# SIGNATURE yet (written at the end), not a mount root, its file system, its capacity.
_NOT_ABOUT_THE_DEVICE = frozenset({"MT601", "MT603", "MT604", "MT614"})

# Rule ids (catalogued in rules.py).
RULE_CHANGED_DURING = "MT805"
RULE_UNREADABLE = "MT806"
RULE_UNKNOWN_ON_DEVICE = "MT807"
RULE_COPIED_AGAIN = "MT808"
RULE_TEMPORARIES = "MT809"
RULE_NOT_IN_SOURCE = "MT810"
RULE_VERIFY = "MT811"
RULE_DEVICE_WRITE = "MT812"


class _Source(NamedTuple):
    relpath: str
    size: int
    mtime_ns: int


class _Task(NamedTuple):
    relpath: str
    key: str
    size: int
    replaces: bool  # a journal row of this path is withdrawn first


@dataclass(slots=True)
class PrepareCounts:
    files: int = 0  # files AWS will import
    bytes: int = 0
    ignored: int = 0  # not copied: AWS ignores them
    already: int = 0  # on the device from an earlier run, left alone
    copied: int = 0
    copied_bytes: int = 0
    failed: int = 0
    to_copy: int = 0
    to_copy_bytes: int = 0


@dataclass(slots=True)
class Hooks:
    """Observers. ``progress(files done, files to copy, bytes done, bytes to copy)`` from any
    thread (one at a time); ``after_chunk(relpath, bytes read so far)`` in the copying thread
    after each chunk is written (for a large file: handed to the writing thread);
    ``after_row(row)`` after each row is appended to the
    journal (in the calling thread, or in the thread that makes a batch durable)."""

    progress: Callable[[int, int, int, int], None] | None = None
    after_chunk: Callable[[str, int], None] | None = None
    after_row: Callable[[JournalRow], None] | None = None


@dataclass(slots=True)
class PrepareResult:
    source: str
    device: str
    journal: str
    filesystem: str | None
    counts: PrepareCounts
    findings: list[Diagnostic] = field(default_factory=list)
    dry_run: bool = False
    # Why the run stopped before copying everything: findings of the preflight, or a fatal
    # device error (the journal is consistent either way). None when it went to the end.
    stopped: str | None = None
    fatal: bool = False
    removed_temporaries: list[str] = field(default_factory=list)
    signature: WriteResult | None = None
    device_preflight: Preflight | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        own = sum(1 for d in self.findings if d.severity is Severity.ERROR)
        return own + (self.device_preflight.errors if self.device_preflight else 0)

    @property
    def clean(self) -> bool:
        return not self.errors and self.stopped is None


# --- paths ---------------------------------------------------------------------------------

def _root(path: str | os.PathLike[str], what: str) -> str:
    text = os.path.abspath(os.fspath(path))
    try:
        info = os.lstat(text)
    except OSError as exc:
        raise InputError(f"{what} {text}: {reason(exc)}", text) from None
    if stat.S_ISLNK(info.st_mode):
        raise InputError(f"{what} {text} is a symbolic link; give the real folder "
                         f"({os.path.realpath(text)})", text)
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(f"{what} {text} is not a folder", text)
    return text


def _check_paths(source: str, device: str, journal: str) -> None:
    # By device and inode (outputs.inside): no symlink or bind mount hides one in another.
    if inside(journal, device):
        raise UsageError(f"the journal {journal} is inside the device: AWS imports everything "
                         "on the device; keep the journal elsewhere")
    if inside(journal, source):
        raise UsageError(f"the journal {journal} is inside the source: it would be copied "
                         "while it is written; keep it elsewhere")
    if inside(device, source) or inside(source, device):
        raise UsageError("the source and the device are inside one another")
    if os.path.isdir(journal):
        raise UsageError(f"the journal {journal} is a folder; give a file name")


# --- the source ----------------------------------------------------------------------------

def _source_files(root: str) -> Iterator[_Source]:
    """Regular files below ``root`` in walk order (names sorted by code point), never
    following a symlink; what is not a regular file is the preflight's to report."""
    stack = [""]
    while stack:
        prefix = stack.pop()
        try:
            with os.scandir(os.path.join(root, prefix) if prefix else root) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue  # the preflight reports the folder (MT618)
        folders = []
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    folders.append(prefix + e.name + "/")
                elif e.is_file(follow_symlinks=False):
                    info = e.stat(follow_symlinks=False)
                    yield _Source(prefix + e.name, info.st_size, info.st_mtime_ns)
            except OSError:
                continue
        stack.extend(reversed(folders))


def _manifest_rules(manifest: bytes, label: str) -> KeyRules:
    from ..manifest.jobtype import JobType
    from ..manifest.parse import parse_manifest
    from ..manifest.validate import check_manifest
    from .keys import KeyRules

    parsed = parse_manifest(manifest)
    job_type, _ = check_manifest(parsed)
    if job_type is not JobType.IMPORT:
        kind = "of no known job type" if job_type is None else f"a {job_type.value} job"
        raise UsageError(f"{label}: prepare copies files for an S3 import; this manifest is "
                         f"{kind}")
    return KeyRules.read(parsed.data if isinstance(parsed.data, dict) else {})


def _source_findings(source: str, manifest: bytes, label: str, findings: Findings) -> None:
    from .preflight import run_preflight

    pre = run_preflight(source, manifest, label)
    for d in pre.findings:
        if d.rule in _NOT_ABOUT_THE_DEVICE:
            continue
        if d.rule == "MT618":  # unreadable in the source: reported, the rest goes on
            d = Diagnostic(d.rule, Severity.WARNING, d.message + "; not copied", hint=d.hint,
                           path=d.path)
        findings.add(d)
    if pre.summary.bytes > DEVICE_LIMIT:
        findings.error("MT614", f"the files hold {pre.summary.bytes:,} bytes; AWS accepts up "
                       "to 16 TB per device")


# --- the device ----------------------------------------------------------------------------

@dataclass(slots=True)
class _DeviceState:
    files: dict[str, int] = field(default_factory=dict)
    temporaries: list[str] = field(default_factory=list)


def _device_state(device: str) -> _DeviceState:
    from .signature import TEMP_PREFIX, TEMP_SUFFIX
    from .walk import walk

    state = _DeviceState()
    for e in walk(device):
        if e.kind != "file":
            continue
        # Ours, and the SIGNATURE writer's (a kill during its write at the end of a run).
        if TEMP_NAME.fullmatch(e.name) or (e.depth == 1 and e.name.startswith(TEMP_PREFIX)
                                           and e.name.endswith(TEMP_SUFFIX)):
            state.temporaries.append(e.relpath)
        else:
            state.files[e.relpath] = e.size
    return state


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # FUSE and network file systems may not sync folders
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EISDIR):
            raise
    finally:
        os.close(fd)


# --- one file ------------------------------------------------------------------------------

class _Done(NamedTuple):
    row: JournalRow | None
    # (rule, path shown, message, fatal) when the file was not copied
    failure: tuple[str, str, str, bool] | None = None
    # In group mode: the temporary holding the file, to be synced and renamed in a batch.
    staged: str | None = None


class _SourceFault(Exception):
    pass


class _VerifyFault(Exception):
    pass


class _DeviceFault(Exception):
    def __init__(self, exc: OSError) -> None:
        super().__init__(reason(exc))
        self.errno = exc.errno


def _start_writeback(fd: int, offset: int, length: int) -> None:
    """Have the kernel start writing this range of the device copy now, not wait for it:
    Linux's POSIX_FADV_DONTNEED starts the write-back of dirty pages without waiting (and
    drops the clean ones). The fsync or syncfs that makes the file durable then finds most
    of it on its way or done, so writing to the device overlaps reading and hashing rather
    than following them, and the copy does not fill the page cache (``cp`` leaves it all
    to the final ``sync``). Nothing is promised by this call: durability is still the
    fsync's."""
    with contextlib.suppress(OSError, AttributeError):
        os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)


def _drop_cache(fd: int) -> None:
    fadvise = getattr(os, "posix_fadvise", None)
    if fadvise is not None:
        with contextlib.suppress(OSError):
            fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def _read_back(path: str) -> str:
    """MD5 of what the device returns for the file at ``path``, opened anew (FUSE file
    systems such as fusefat may answer a read on the writing descriptor from their own
    buffers), past the page cache where the system allows (the pages are clean after fsync,
    so DONTNEED drops them)."""
    try:
        fd = os.open(path, _READ)
    except OSError as exc:
        raise _DeviceFault(exc) from None
    try:
        _drop_cache(fd)
        digest = hashlib.md5(usedforsecurity=False)
        buffer = bytearray(CHUNK)
        while True:
            try:
                n = os.readv(fd, [buffer])
            except OSError as exc:
                raise _DeviceFault(exc) from None
            if not n:
                return digest.hexdigest()
            digest.update(memoryview(buffer)[:n])
    finally:
        os.close(fd)


class _Copier:
    def __init__(self, source: str, device: str, verify: bool, hooks: Hooks,
                 progress: Callable[[int], None], group: bool, direct: bool) -> None:
        self.source, self.device, self.verify = source, device, verify
        self.hooks, self.advance = hooks, progress
        # Direct I/O to the device copies where the file system is the kernel's (``CopyWriter``).
        self.direct = direct
        self.local = threading.local()
        # Group mode: no fsync per file; the caller syncs the whole file system once for a
        # batch of temporaries, renames them, syncs again (see ``_Batch``).
        self.group = group

    def copy(self, task: _Task) -> _Done:
        shown = display_path(task.relpath)
        for _ in range(ATTEMPTS):
            try:
                row = self._attempt(task)
            except _SourceFault as exc:
                return _Done(None, (RULE_UNREADABLE, shown, f"cannot read the source: {exc}; "
                                    "not copied", False))
            except _DeviceFault as exc:
                fatal = exc.errno in _FATAL
                return _Done(None, (RULE_DEVICE_WRITE, shown, "cannot write to the device: "
                                    f"{exc}; not copied", fatal))
            except _VerifyFault as exc:
                return _Done(None, (RULE_VERIFY, shown, f"{exc}; not kept", False))
            if row is not None:
                return _Done(row[0], staged=row[1])
        return _Done(None, (RULE_CHANGED_DURING, shown, "the source changed while it was "
                            f"being copied, {ATTEMPTS} times; not copied", False))

    def _attempt(self, task: _Task) -> tuple[JournalRow, str | None] | None:
        """The row of the copied file (and its temporary in group mode), or None when the
        source changed during the read."""
        try:
            src = os.open(os.path.join(self.source, task.relpath), _READ)
        except OSError as exc:
            raise _SourceFault(reason(exc)) from None
        try:
            before = os.fstat(src)
            if not stat.S_ISREG(before.st_mode):
                raise _SourceFault("it is no longer a regular file")
            with contextlib.suppress(OSError):
                os.posix_fadvise(src, 0, 0, os.POSIX_FADV_SEQUENTIAL)
            return self._to_device(task, src, before)
        finally:
            os.close(src)

    def _to_device(self, task: _Task, src: int, before: os.stat_result
                   ) -> tuple[JournalRow, str | None] | None:
        target = os.path.join(self.device, task.relpath)
        folder = os.path.dirname(target)
        temp = os.path.join(folder, f".mtprep-{os.urandom(8).hex()}.tmp")
        try:
            out = os.open(temp, _CREATE, 0o644)
        except OSError as exc:
            raise _DeviceFault(exc) from None
        renamed = False
        try:
            md5, size = self._pump(task.relpath, src, out, before.st_size)
            after = os.fstat(src)
            if md5 is None or size != after.st_size or (
                    after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
                return None
            row = JournalRow(task.relpath, task.key, size, md5, before.st_mtime_ns)
            try:
                os.utime(out, ns=(before.st_atime_ns, before.st_mtime_ns))
                if self.group and size < GROUP_LIMIT:
                    os.close(out)
                    out = -1
                    renamed = True  # kept: the batch renames it, or removes it
                    return row, temp
                os.fsync(out)
            except OSError as exc:
                raise _DeviceFault(exc) from None
            os.close(out)
            out = -1
            if self.verify:
                back = _read_back(temp)
                if back != md5:
                    raise _VerifyFault(f"the copy reads back with MD5 {back}, the bytes "
                                       f"written had {md5} (faulty device?)")
            try:
                os.replace(temp, target)
            except OSError as exc:
                raise _DeviceFault(exc) from None
            renamed = True
            return row, None
        finally:
            if out >= 0:
                os.close(out)
            if not renamed:
                with contextlib.suppress(OSError):
                    os.unlink(temp)

    def _pump(self, relpath: str, src: int, out: int, size: int) -> tuple[str | None, int]:
        """Copy and hash the file to its end; None for the MD5 when there is more than
        ``size`` bytes (the size before the read: a file that keeps growing must not keep the
        copy going). Every byte hashed is a byte of the buffer that was written."""
        direct = self.direct and direct_io(out)
        if size >= GROUP_LIMIT:
            return self._pipeline(relpath, src, CopyWriter(out, direct), size)
        digest = hashlib.md5(usedforsecurity=False)
        output = CopyWriter(out, direct)
        buffer = self._buffer()
        total = 0
        after_chunk, advance = self.hooks.after_chunk, self.advance
        while True:
            n = _read(src, buffer)
            if not n:
                break
            if total >= size:
                return None, total + n  # more than there was: it grew during the read
            chunk = memoryview(buffer)[:n]
            digest.update(chunk)
            output.write(chunk)
            total += n
            advance(n)
            if after_chunk is not None:
                after_chunk(relpath, total)
        output.finish()
        return digest.hexdigest(), total

    def _buffer(self) -> mmap.mmap:
        """This thread's copy buffer: page-aligned (an anonymous map), as direct I/O wants,
        and reused from file to file (a thousand small files, not a thousand maps)."""
        buffer: mmap.mmap | None = getattr(self.local, "buffer", None)
        if buffer is None:
            buffer = self.local.buffer = mmap.mmap(-1, CHUNK)
        return buffer

    def _pipeline(self, relpath: str, src: int, output: CopyWriter, size: int
                  ) -> tuple[str | None, int]:
        """``_pump`` for a large file: this thread reads, a second one hashes, a third one
        writes (hashlib and os.write release the GIL on large buffers), so one big file goes
        at the speed of the slowest of the three, not of their sum: reading the source,
        hashing (about 1.7 CPU s a GiB) and the device's write-back overlap. ``PIPELINE``
        page-aligned buffers of ``BIG_CHUNK`` circulate (bounded memory); a buffer is read
        into again only once both its hash and its write are done, the hashes run in order
        (one thread) and so do the writes, so the MD5 is of the very bytes written."""
        from concurrent.futures import ThreadPoolExecutor

        digest = hashlib.md5(usedforsecurity=False)
        buffers = [mmap.mmap(-1, BIG_CHUNK) for _ in range(PIPELINE)]
        busy: list[tuple[Future[None], Future[None]] | None] = [None] * PIPELINE
        hasher = ThreadPoolExecutor(1, thread_name_prefix="prepare-md5")
        writer = ThreadPoolExecutor(1, thread_name_prefix="prepare-write")
        total = turn = 0
        after_chunk, advance = self.hooks.after_chunk, self.advance
        try:
            while True:
                slot = turn % PIPELINE
                _settle(busy[slot])
                busy[slot] = None
                n = _read(src, buffers[slot])
                if not n:
                    break
                if total >= size:
                    return None, total + n  # more than there was: it grew during the read
                chunk = memoryview(buffers[slot])[:n]
                busy[slot] = (hasher.submit(digest.update, chunk),
                              writer.submit(output.write, chunk))
                total += n
                turn += 1
                advance(n)
                if after_chunk is not None:
                    after_chunk(relpath, total)
            for pair in busy:
                _settle(pair)
            writer.submit(output.finish).result()
        finally:
            hasher.shutdown(wait=True)
            writer.shutdown(wait=True)
        return digest.hexdigest(), total


def _read(src: int, buffer: mmap.mmap) -> int:
    try:
        return os.readv(src, [buffer])
    except OSError as exc:
        raise _SourceFault(reason(exc)) from None


def _settle(pair: tuple[Future[None], Future[None]] | None) -> None:
    """Wait for a buffer's hash and write; the write's device error is raised here."""
    if pair is not None:
        pair[0].result()
        pair[1].result()


def direct_io(fd: int) -> bool:
    """Switch the device copy to direct I/O (O_DIRECT) where the file system takes it: the
    writes then go from our buffer to the disk, with no copy into the page cache (about a
    third of the CPU time of a copy) and no dirty pages left for the fsync or syncfs to
    wait on: the disk's write-back overlaps the reading and hashing of what comes next,
    which ``cp`` leaves to the final ``sync``. False, nothing changed, where it is not
    taken (tmpfs before Linux 6.6, some FUSE file systems: EINVAL)."""
    flag = getattr(os, "O_DIRECT", 0)
    if not flag:
        return False
    import fcntl

    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | flag)
    except OSError:
        return False
    return True


class CopyWriter:
    """The device copy's writes, in order. Direct I/O takes lengths, file offsets and
    memory addresses aligned to the device's logical block: the copy's chunks are (whole
    chunks from page-aligned maps) but for the file's tail. The whole blocks of the tail
    go directly, its last part block through the page cache, and so does everything after
    it, after a short write (its rest is misaligned) or after a direct write the file
    system refuses (EINVAL, made again that way). The fsync that makes the file durable
    covers both kinds of write."""

    __slots__ = ("direct", "fd", "flushed", "written")

    def __init__(self, fd: int, direct: bool) -> None:
        self.fd, self.direct = fd, direct
        self.written = self.flushed = 0

    def write(self, view: memoryview) -> None:
        tail = len(view) % _ALIGN if self.direct else 0
        if tail:  # the whole blocks directly, then the rest through the page cache
            if len(view) > tail:
                self._write(view[:-tail])
            if self.direct:
                self._buffered()
            view = view[-tail:]
        self._write(view)

    def _write(self, view: memoryview) -> None:
        while view:
            try:
                n = os.write(self.fd, view)
            except OSError as exc:
                if self.direct and exc.errno == errno.EINVAL:
                    self._buffered()
                    continue
                raise _DeviceFault(exc) from None
            view = view[n:]
            self.written += n
            if view and self.direct:
                self._buffered()
        if not self.direct and self.written - self.flushed >= WRITEBACK:
            _start_writeback(self.fd, self.flushed, self.written - self.flushed)
            self.flushed = self.written

    def finish(self) -> None:
        if not self.direct and self.written > self.flushed:
            _start_writeback(self.fd, self.flushed, self.written - self.flushed)
            self.flushed = self.written

    def _buffered(self) -> None:
        import fcntl

        self.direct = False
        self.flushed = self.written  # nothing before is in the page cache
        try:
            fcntl.fcntl(self.fd, fcntl.F_SETFL,
                        fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~getattr(os, "O_DIRECT", 0))
        except OSError as exc:
            raise _DeviceFault(exc) from None


# --- the run -------------------------------------------------------------------------------

def _manifest_digest(manifest: bytes) -> str:
    return hashlib.sha256(manifest).hexdigest()


def _existing_journal(path: str, header: JournalHeader) -> Journal | None:
    if not os.path.lexists(path):
        return None
    journal = read_journal(path)
    if journal.header.source != header.source:
        raise UsageError(f"the journal {path} is of another source "
                         f"({display_path(journal.header.source)}); give a new journal file")
    if journal.header.manifest_sha256 != header.manifest_sha256:
        raise UsageError(f"the journal {path} was written with another manifest (the keys "
                         "may differ); give the same manifest, or a new journal file")
    return journal


@dataclass(slots=True)
class _Plan:
    tasks: list[_Task] = field(default_factory=list)
    withdraw: list[str] = field(default_factory=list)  # rows whose device copy is gone


def _resume(files: list[tuple[_Source, str]], journal: Journal | None, state: _DeviceState,
            counts: PrepareCounts, findings: Findings) -> _Plan:
    """What to copy, given the journal and the device (the resume rules of the module)."""
    plan = _Plan()
    rows = journal.rows if journal is not None else {}
    wanted = set()
    for src, key in files:
        wanted.add(src.relpath)
        row = rows.get(src.relpath)
        on_device = state.files.get(src.relpath)
        shown = display_path(src.relpath)
        if row is not None:
            if (row.size, row.mtime_ns, row.key) == (src.size, src.mtime_ns, key) and \
                    on_device == row.size:
                counts.already += 1
                continue
            if (row.size, row.mtime_ns) != (src.size, src.mtime_ns):
                findings.warning(RULE_COPIED_AGAIN, "changed in the source since it was "
                                 "copied; copied again", shown)
            elif on_device != row.size:
                findings.warning(RULE_COPIED_AGAIN, "the device copy is missing or has "
                                 "another size than the journal's; copied again", shown)
        elif on_device is not None:
            findings.warning(RULE_UNKNOWN_ON_DEVICE, "on the device but not in the journal "
                             "(an interrupted copy, or a file put there by hand); copied "
                             "again", shown)
        plan.tasks.append(_Task(src.relpath, key, src.size, row is not None))
    for path, row in rows.items():
        if path in wanted:
            continue
        if state.files.get(path) == row.size:
            findings.warning(RULE_NOT_IN_SOURCE, "in the journal and on the device but no "
                             "longer in the source; AWS will import it", display_path(path),
                             "remove it from the device if it should not be imported")
        else:
            plan.withdraw.append(path)
    for path in state.files:
        if path not in rows and path not in wanted and path != SIGNATURE_NAME:
            findings.warning(RULE_UNKNOWN_ON_DEVICE, "on the device but not in the journal "
                             "nor in the source; AWS will import it", display_path(path),
                             "remove it from the device if it should not be imported")
    return plan


def prepare(source: str | os.PathLike[str], device: str | os.PathLike[str], manifest: bytes,
            journal: str | os.PathLike[str], *, manifest_label: str = "manifest",
            signature: bytes | None = None, verify: bool = False, dry_run: bool = False,
            jobs: int | None = None, hooks: Hooks | None = None) -> PrepareResult:
    """Copy ``source`` onto ``device`` for the import ``manifest`` (see the module doc).

    Raises :class:`UsageError` for a journal inside the device or the source, a journal of
    another source or manifest, or a manifest that is not an S3 import; :class:`InputError`
    when a root cannot be read. Findings (and a fatal device error) are in the result.
    """
    from .mounts import filesystem_name, find_mount

    hooks = hooks or Hooks()
    src_root, dev_root = _root(source, "source"), _root(device, "device root")
    journal_path = os.path.abspath(os.fspath(journal))
    _check_paths(src_root, dev_root, journal_path)
    rules = _manifest_rules(manifest, manifest_label)
    findings = Findings()
    _source_findings(src_root, manifest, manifest_label, findings)

    counts = PrepareCounts()
    files = _imported(src_root, rules, counts)
    mount = find_mount(dev_root)
    filesystem = filesystem_name(mount) if mount is not None else None
    target_checks(((s.relpath, s.size) for s, _ in files), filesystem, findings)

    header = JournalHeader(os.path.realpath(src_root), _manifest_digest(manifest))
    existing = _existing_journal(journal_path, header)
    state = _device_state(dev_root)
    plan = _resume(files, existing, state, counts, findings)
    counts.to_copy = len(plan.tasks)
    counts.to_copy_bytes = sum(t.size for t in plan.tasks)
    _space(dev_root, plan, state, findings)

    result = PrepareResult(src_root, dev_root, journal_path, filesystem, counts,
                           dry_run=dry_run)
    if any(d.is_error for d in findings.kept):
        result.findings = list(findings.finish())
        result.stopped = "the preflight found what AWS would refuse or the device cannot " \
                         "hold; nothing was written"
        return result
    if dry_run:
        result.findings = list(findings.finish())
        return result

    _remove_temporaries(dev_root, state, findings, result)
    writer = JournalWriter(journal_path, header, existing)
    try:
        for path in plan.withdraw:
            writer.withdraw(path)
        _copy_all(src_root, dev_root, plan.tasks, writer, counts, findings, result, verify,
                  jobs, hooks, mount.fstype if mount is not None else None)
    finally:
        writer.close()
    if result.stopped is None and not counts.failed and signature is not None:
        _write_signature(dev_root, signature, findings, result)
    if not result.fatal:
        from .preflight import run_preflight

        result.device_preflight = run_preflight(dev_root, manifest, manifest_label)
    result.findings = list(findings.finish())
    return result


def _imported(root: str, rules: KeyRules, counts: PrepareCounts
              ) -> list[tuple[_Source, str]]:
    """The source files AWS will import, with their keys: each file's outcome is
    :func:`.outcome.entry_outcome`'s, the one answer the preflight, the dock and ``log``
    give. A file it ignores is counted and not copied; one it refuses is not copied either
    (the preflight of the source has reported it as an error, so nothing is copied)."""
    from .outcome import entry_outcome
    from .walk import Entry

    files: list[tuple[_Source, str]] = []
    for src in _source_files(root):
        outcome = entry_outcome(rules, Entry(src.relpath, "file", src.size))
        if outcome is None or outcome.action != "import":
            if outcome is not None and outcome.action == "ignored":
                counts.ignored += 1
            continue
        files.append((src, outcome.key))
        counts.files += 1
        counts.bytes += src.size
    return files


def _remove_temporaries(device: str, state: _DeviceState, findings: Findings,
                        result: PrepareResult) -> None:
    for relpath in state.temporaries:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(device, relpath))
        result.removed_temporaries.append(relpath)
    if state.temporaries:
        findings.warning(RULE_TEMPORARIES, f"removed {len(state.temporaries)} temporary "
                         "file(s) of an interrupted run", None)


def _space(device: str, plan: _Plan, state: _DeviceState, findings: Findings) -> None:
    try:
        free, block, inodes = free_space(device)
    except OSError as exc:
        findings.error(RULE_SPACE, f"cannot read the device's free space: {reason(exc)}")
        return
    # A file copied again replaces its old copy only at the rename: both exist for a while.
    needed = space_needed([t.size for t in plan.tasks], block) + block  # + the SIGNATURE
    if free is None:
        findings.warning(RULE_SPACE, f"the device's file system does not say how much space "
                         f"is free; the copy needs {needed:,} bytes", None)
    elif needed > free:
        findings.error(RULE_SPACE, f"the files to copy need {needed:,} bytes on the device; "
                       f"it has {free:,} free", None, "use a larger device, or split the job")
    if inodes is not None:
        folders = {t.relpath.rpartition("/")[0] for t in plan.tasks} - {""}
        if len(plan.tasks) + len(folders) + 1 > inodes:
            findings.error(RULE_SPACE, f"the device's file system has room for {inodes:,} "
                           f"more files and folders; the copy needs "
                           f"{len(plan.tasks) + len(folders) + 1:,}", None)


def _make_folders(device: str, tasks: list[_Task]) -> None:
    folders = sorted({t.relpath.rpartition("/")[0] for t in tasks} - {""})
    made: set[str] = set()
    for folder in folders:
        path = os.path.join(device, folder)
        if not os.path.isdir(path):
            os.makedirs(path, exist_ok=True)
            made.add(os.path.dirname(path))
            made.add(path)
    for path in sorted(made, key=len, reverse=True):
        _fsync_dir(path)


def _copy_all(source: str, device: str, tasks: list[_Task], writer: JournalWriter,
              counts: PrepareCounts, findings: Findings, result: PrepareResult, verify: bool,
              jobs: int | None, hooks: Hooks, mount_type: str | None) -> None:
    if not tasks:
        return
    # Imported here: a resume with nothing to copy needs neither (logging, ctypes: 20 ms).
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    try:
        _make_folders(device, tasks)
    except OSError as exc:
        result.stopped = f"cannot make the folders on the device: {reason(exc)}"
        result.fatal = True
        return
    lock = threading.Lock()
    done_bytes = [0]
    total_files, total_bytes = len(tasks), sum(t.size for t in tasks)

    def advance(n: int) -> None:
        if hooks.progress is None:
            return
        with lock:
            done_bytes[0] += n
            hooks.progress(counts.copied, total_files, done_bytes[0], total_bytes)

    copier = _Copier(source, device, verify, hooks, advance,
                     group_durability(mount_type) and not verify, _kernel_fs(mount_type))
    batch = _Batch(device, writer, counts, findings, result, hooks)
    workers = jobs or DEFAULT_JOBS
    pending: set[Future[_Done]] = set()
    queue = iter(tasks)
    with ThreadPoolExecutor(workers, thread_name_prefix="prepare") as pool:
        def fill() -> None:
            while result.stopped is None and len(pending) < workers * 2:
                task = next(queue, None)
                if task is None:
                    return
                if task.replaces:
                    writer.withdraw(task.relpath)  # durable before the copy is replaced
                pending.add(pool.submit(copier.copy, task))

        fill()
        while pending:
            finished, still = wait(pending, return_when=FIRST_COMPLETED)
            pending.clear()
            pending.update(still)
            batch.add([f.result() for f in finished])
            fill()
    batch.close()


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    """Linux's syncfs(2), through the C library: one call makes everything written to a
    file system durable (what ``sync -f`` does); None where there is none. Looked up once,
    among the symbols the interpreter has loaded (``CDLL(None)``: the C library is one),
    not with ``ctypes.util.find_library``, which runs ``ldconfig -p`` in a subprocess."""
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    return function


def _kernel_fs(mount_type: str | None) -> bool:
    """A file system of the kernel's own (not FUSE: fusefat and ntfs-3g are written as they
    always were, through the page cache), where the copies are written with direct I/O."""
    return mount_type is not None and not mount_type.startswith("fuse")


def group_durability(mount_type: str | None) -> bool:
    """True when the device can be synced a batch at a time: syncfs exists and the file
    system is the kernel's (a FUSE file system such as fusefat or ntfs-3g may not carry a
    syncfs to its medium, so there each file is fsynced)."""
    return _kernel_fs(mount_type) and _syncfs() is not None


class _Batch:
    """Copied files on their way into the journal. A row is written only once its file and
    its name are durable: per file (fsync, rename, folder fsync: the row comes with the
    file), or, in group mode, for a batch of temporaries at once: syncfs, rename each,
    syncfs, then the rows (two syncs for up to ``BATCH_FILES`` files or ``BATCH_BYTES``
    bytes, instead of a journal commit per file).

    A batch is made durable by a thread of its own while the next one is copied (a syncfs
    waits for the disk, and for every other writer's dirty pages of that file system: the
    copy would stand still for it); one batch at a time, so batches reach the journal in
    order. ``lock`` guards what both threads change (the journal, counts, findings)."""

    def __init__(self, device: str, writer: JournalWriter, counts: PrepareCounts,
                 findings: Findings, result: PrepareResult, hooks: Hooks) -> None:
        self.device, self.writer, self.counts = device, writer, counts
        self.findings, self.result, self.hooks = findings, result, hooks
        self.staged: list[tuple[str, JournalRow]] = []
        self.bytes = 0
        self.sync = _syncfs()
        self.lock = threading.Lock()
        self.flushing: Future[None] | None = None
        self.flusher: ThreadPoolExecutor | None = None

    def add(self, done: list[_Done]) -> None:
        rows = [d.row for d in done if d.row is not None and d.staged is None]
        for folder in sorted({os.path.dirname(os.path.join(self.device, r.path))
                              for r in rows}):
            _fsync_dir(folder)
        with self.lock:
            self._journal(rows)
            for d in done:
                if d.row is not None and d.staged is not None:
                    self.staged.append((d.staged, d.row))
                    self.bytes += d.row.size
                elif d.failure is not None:
                    self._failed(*d.failure)
        if len(self.staged) >= BATCH_FILES or self.bytes >= BATCH_BYTES:
            self.flush(wait=False)

    def flush(self, wait: bool = True) -> None:
        """Make the staged temporaries durable, in place and journaled: in the background
        (``wait=False``) or before returning. The batch before is waited for first."""
        staged, self.staged, self.bytes = self.staged, [], 0
        self.wait()
        if not staged:
            return
        if wait:
            self._durable(staged)
            return
        if self.flusher is None:
            from concurrent.futures import ThreadPoolExecutor

            self.flusher = ThreadPoolExecutor(1, thread_name_prefix="prepare-sync")
        self.flushing = self.flusher.submit(self._durable, staged)

    def wait(self) -> None:
        if self.flushing is not None:
            flushing, self.flushing = self.flushing, None
            flushing.result()

    def close(self) -> None:
        self.flush()
        if self.flusher is not None:
            self.flusher.shutdown(wait=True)

    def _durable(self, staged: list[tuple[str, JournalRow]]) -> None:
        try:
            self._syncfs()
        except OSError as exc:
            self._unstage(staged, f"cannot make the copy durable: {reason(exc)}; not copied")
            return
        rows = []
        for temp, row in staged:
            try:
                os.replace(temp, os.path.join(self.device, row.path))
                rows.append(row)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                with self.lock:
                    self._failed(RULE_DEVICE_WRITE, display_path(row.path), "cannot rename "
                                 f"the copy into place: {reason(exc)}; not copied",
                                 exc.errno in _FATAL)
        try:
            self._syncfs()
        except OSError as exc:
            # In place but not known to be durable: no row (a resume finds them on the
            # device, not in the journal, and copies them again).
            with self.lock:
                for row in rows:
                    self._failed(RULE_DEVICE_WRITE, display_path(row.path), "cannot make "
                                 f"the copy durable: {reason(exc)}; not journaled", True)
            return
        with self.lock:
            self._journal(rows)

    def _unstage(self, staged: list[tuple[str, JournalRow]], text: str) -> None:
        with self.lock:
            for temp, row in staged:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                self._failed(RULE_DEVICE_WRITE, display_path(row.path), text, True)

    def _syncfs(self) -> None:
        assert self.sync is not None
        fd = os.open(self.device, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
        try:
            if self.sync(fd) != 0:
                code = ctypes_errno()
                raise OSError(code, os.strerror(code))
        finally:
            os.close(fd)

    def _journal(self, rows: list[JournalRow]) -> None:
        self.writer.rows(rows)
        for row in rows:
            self.counts.copied += 1
            self.counts.copied_bytes += row.size
            if self.hooks.after_row is not None:
                self.hooks.after_row(row)

    def _failed(self, rule: str, path: str, text: str, fatal: bool) -> None:
        self.counts.failed += 1
        self.findings.error(rule, text, path)
        if fatal and self.result.stopped is None:
            self.result.fatal = True
            self.result.stopped = (f"the device cannot take more ({text.partition(';')[0]}); "
                                   "every file in the journal is on the device: make room "
                                   "and run the same command again to go on")


def ctypes_errno() -> int:
    import ctypes

    return ctypes.get_errno()


def _write_signature(device: str, contents: bytes, findings: Findings,
                     result: PrepareResult) -> None:
    from ..errors import DeviceError
    from .signature import write_signature

    try:
        result.signature = write_signature(device, contents)
    except DeviceError as exc:
        findings.error("MT601", f"the SIGNATURE was not written: {exc}", SIGNATURE_NAME)
        return
    result.notes.extend(result.signature.warnings)
