"""The prepare journal: the record, kept outside the device, of what was copied onto it.

AWS's later guides require ``eraseDevice: yes`` for imports, so the disk usually comes back
blank and the log can only be checked against a record taken while copying (Azure's
WAImportExport keeps such a "journal file" per drive for the same reason:
``PrepImport``, ``/ResumeSession``, ``RepairImport``).

Format (version 1): bytes, one record per line (``\\n``), fields separated by TAB, every line
ending with the CRC-32 of everything before its last TAB, as 8 lower-case hex digits::

    manifest-tools-journal  1  <source root>  <manifest sha256>  <crc>      (first line)
    F  <path>  <key>  <bytes>  <md5>  <source mtime ns>  <crc>               (a file copied)
    D  <path>  <crc>                                                          (a row withdrawn)

``F`` says: the device holds ``path`` (relative to its root, ``/``-separated) with ``bytes``
bytes whose MD5 is ``md5``, copied from the source file of that path whose modification time
was ``mtime`` (ns), and AWS will import it as ``key``. It is appended only once the file is
durable on the device (fsync of the file, rename, fsync of its folder). ``D`` withdraws the
rows of ``path`` before its device copy is replaced (a source that changed is copied again):
it is written and fsynced first, so no instant exists at which the journal says something
false of the device. The last record of a path wins.

Text fields are UTF-8 (file names that are not UTF-8 keep their bytes) with ``\\``, TAB, LF
and CR escaped as ``\\\\``, ``\\t``, ``\\n``, ``\\r``. A last line without its newline, or whose CRC
does not match, is a torn write (a kill or power loss in the middle of an append): it is
ignored, and cut off before the next append. A bad line elsewhere is counted, not used.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import struct
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import BinaryIO, NamedTuple

from ..errors import InputError

__all__ = ["MAGIC", "Journal", "JournalHeader", "JournalRow", "JournalSummary",
           "JournalWriter", "compared", "read_header", "read_journal", "records"]

MAGIC = b"manifest-tools-journal"
VERSION = b"1"
_OPEN_APPEND = os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)


class JournalRow(NamedTuple):
    path: str  # surrogateescape for bytes that are not UTF-8
    key: str
    size: int
    md5: str
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class JournalHeader:
    source: str
    manifest_sha256: str


@dataclass(slots=True)
class Journal:
    """A journal read whole: the header, the rows in force by path, and what was skipped."""

    header: JournalHeader
    rows: dict[str, JournalRow] = field(default_factory=dict)
    torn: bool = False  # the last line was a torn write, ignored
    bad_lines: list[int] = field(default_factory=list)  # damaged lines before the last
    good_end: int = 0  # offset just past the last whole line


def _escape(text: str) -> bytes:
    data = text.encode("utf-8", "surrogateescape")
    if b"\\" in data or b"\t" in data or b"\n" in data or b"\r" in data:
        data = (data.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\n", b"\\n")
                .replace(b"\r", b"\\r"))
    return data


_UNESCAPES = {b"\\": b"\\", b"t": b"\t", b"n": b"\n", b"r": b"\r"}
_ESCAPED = re.compile(rb"\\(.)", re.DOTALL)


def _unescape(data: bytes) -> str:
    if b"\\" in data:
        data = _ESCAPED.sub(lambda m: _UNESCAPES.get(m.group(1), m.group(1)), data)
    return data.decode("utf-8", "surrogateescape")


def _line(*fields: bytes) -> bytes:
    body = b"\t".join(fields)
    return body + b"\t%08x\n" % zlib.crc32(body)


def header_line(header: JournalHeader) -> bytes:
    return _line(MAGIC, VERSION, _escape(header.source), header.manifest_sha256.encode())


def row_line(row: JournalRow) -> bytes:
    return _line(b"F", _escape(row.path), _escape(row.key), b"%d" % row.size,
                 row.md5.encode("ascii"), b"%d" % row.mtime_ns)


def withdraw_line(path: str) -> bytes:
    return _line(b"D", _escape(path))


def _checked(line: bytes) -> list[bytes] | None:
    """The fields of a whole line (newline removed) whose CRC matches, else None."""
    body, tab, crc = line.rpartition(b"\t")
    if not tab or len(crc) != 8:
        return None
    try:
        if int(crc, 16) != zlib.crc32(body):
            return None
    except ValueError:
        return None
    return body.split(b"\t")


def _parse_header(fields: list[bytes] | None, path: str) -> JournalHeader:
    if fields is None or len(fields) != 4 or fields[0] != MAGIC:
        raise InputError(f"{path}: not a manifest-tools journal", path)
    if fields[1] != VERSION:
        raise InputError(f"{path}: journal version {fields[1].decode('ascii', 'replace')} is "
                         "not one this version reads", path)
    return JournalHeader(_unescape(fields[2]), fields[3].decode("ascii", "replace"))


Record = tuple[int, JournalRow | str]  # (line number, a row or the path of a withdrawal)


def records(stream: BinaryIO, path: str, journal: Journal | None = None
            ) -> Iterator[Record]:
    """The header (into ``journal`` when given) then each record of a journal in order,
    streaming; torn and damaged lines are recorded in ``journal`` and skipped."""
    state = journal if journal is not None else Journal(JournalHeader("", ""))
    first = stream.readline()
    if not first.endswith(b"\n"):
        raise InputError(f"{path}: not a manifest-tools journal (no whole first line)", path)
    state.header = _parse_header(_checked(first[:-1]), path)
    offset = len(first)
    state.good_end = offset
    number = 1
    pending: tuple[int, bytes] | None = None  # a damaged line: torn if it is the last one
    for line in stream:
        number += 1
        if pending is not None:
            state.bad_lines.append(pending[0])
            pending = None
        whole = line.endswith(b"\n")
        fields = _checked(line[:-1]) if whole else None
        record = _record(fields) if fields is not None else None
        if record is None:
            pending = (number, line)
            offset += len(line)
            continue
        offset += len(line)
        state.good_end = offset
        yield number, record
    if pending is not None:
        state.torn = True


def _record(fields: list[bytes]) -> JournalRow | str | None:
    kind = fields[0]
    try:
        if kind == b"F" and len(fields) == 6:
            return JournalRow(_unescape(fields[1]), _unescape(fields[2]), int(fields[3]),
                              fields[4].decode("ascii"), int(fields[5]))
        if kind == b"D" and len(fields) == 2:
            return _unescape(fields[1])
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def read_journal(path: str) -> Journal:
    """The whole journal: the rows in force (the last record of each path)."""
    journal = Journal(JournalHeader("", ""))
    with _reading(path) as stream:
        _read_into(stream, path, journal)
    return journal


@contextlib.contextmanager
def _reading(path: str) -> Iterator[BinaryIO]:
    """The journal open for reading; any failure to open or read it is one InputError."""
    try:
        with open(path, "rb") as stream:
            yield stream
    except FileNotFoundError:
        raise InputError(f"{path}: no such journal", path) from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a journal", path) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}", path) from None


def _read_into(stream: BinaryIO, path: str, journal: Journal) -> None:
    """``records``' reading, a block at a time: a block of plain ``F`` rows whose CRCs all
    match (the common block) is taken whole by ``_plain_rows``, no bytecode per row (a
    resume of a million-file job reads its journal in seconds, not a minute); any other
    block line by line as ``records`` does, with the same torn and damaged lines."""
    first = stream.readline()
    if not first.endswith(b"\n"):
        raise InputError(f"{path}: not a manifest-tools journal (no whole first line)", path)
    journal.header = _parse_header(_checked(first[:-1]), path)
    rows, bad = journal.rows, journal.bad_lines
    offset = journal.good_end = len(first)
    number = 1
    pending: int | None = None  # a damaged line: torn if it is the last one
    carry = b""
    while data := stream.read(_BLOCK):
        data = carry + data
        cut = data.rfind(b"\n") + 1
        block, carry = data[:cut], data[cut:]
        if not block:
            continue
        lines = block.split(b"\n")
        lines.pop()
        if pending is not None:  # lines follow it: damaged, not torn
            bad.append(pending)
            pending = None
        if _plain_rows(block, lines, rows):
            number += len(lines)
            offset += len(block)
            journal.good_end = offset
            continue
        for line in lines:
            number += 1
            offset += len(line) + 1
            if pending is not None:
                bad.append(pending)
                pending = None
            fields = _checked(line)
            record = _record(fields) if fields is not None else None
            if record is None:
                pending = number
                continue
            journal.good_end = offset
            if isinstance(record, str):
                rows.pop(record, None)
            else:
                rows[record.path] = record
    if carry and pending is not None:
        bad.append(pending)
    journal.torn = bool(carry) or pending is not None


_BODY = itemgetter(slice(None, -9))
_CRC = itemgetter(slice(-8, None))
_new_row = tuple.__new__


def _plain_rows(block: bytes, lines: list[bytes], rows: dict[str, JournalRow]) -> bool:
    """Put the rows of ``block`` (its ``lines``) into ``rows`` when every line is an ``F``
    row of seven fields with no escape and a matching CRC, checked column by column in C;
    False (nothing changed) for any other block."""
    if b"\\" in block or b"\nD\t" in block or block[:2] == b"D\t":
        return False
    if set(map(bytes.count, lines, repeat(b"\t", len(lines)))) != {6}:
        return False
    if b"".join(map(_CRC, lines)) != b"".join(map(b"%08x".__mod__, map(zlib.crc32,
                                                                        map(_BODY, lines)))):
        return False
    f = block.decode("utf-8", "surrogateescape").replace("\n", "\t").split("\t")
    n = len(lines)
    md5s = f[4::7]
    if f[0::7].count("F") != n or not "".join(md5s).isascii():
        return False
    try:
        sizes, mtimes = list(map(int, f[3::7])), list(map(int, f[5::7]))
    except ValueError:
        return False
    paths = f[1::7]
    rows.update(zip(paths, map(_new_row, repeat(JournalRow, n),
                               zip(paths, f[2::7], sizes, md5s, mtimes, strict=True)),
                    strict=True))
    return True


class JournalWriter:
    """Appends records; each is one ``write`` of a whole line (O_APPEND), so a kill leaves at
    most the last line torn. ``sync`` makes what was appended durable."""

    def __init__(self, path: str, header: JournalHeader, existing: Journal | None) -> None:
        self.path = path
        if existing is None:
            self._create(header)
        else:
            self.fd = self._open(os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
            try:
                # Cut a torn tail (and anything after the last whole line) before appending.
                if os.fstat(self.fd).st_size != existing.good_end:
                    os.ftruncate(self.fd, existing.good_end)
                    os.fsync(self.fd)
            finally:
                os.close(self.fd)
            self.fd = self._open(_OPEN_APPEND)

    def _open(self, flags: int) -> int:
        try:
            return os.open(self.path, flags | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            raise InputError(f"{self.path}: cannot write the journal: {exc.strerror}",
                             self.path) from None

    def _create(self, header: JournalHeader) -> None:
        # Written whole under a temporary name, then renamed: a journal file either does not
        # exist or has its header.
        folder = os.path.dirname(os.path.abspath(self.path))
        temp = f"{self.path}.{os.getpid()}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(
                os, "O_CLOEXEC", 0), 0o644)
            try:
                os.write(fd, header_line(header))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, self.path)
            dir_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise InputError(f"{self.path}: cannot create the journal: {exc.strerror}",
                             self.path) from None
        self.fd = self._open(_OPEN_APPEND)

    def append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]

    def rows(self, rows: list[JournalRow]) -> None:
        if rows:
            self.append(b"".join(map(row_line, rows)))

    def withdraw(self, path: str) -> None:
        """A ``D`` record, durable before the caller replaces the device copy."""
        self.append(withdraw_line(path))
        os.fsync(self.fd)

    def sync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1


def _raw(field: bytes) -> bytes:
    """A text field's bytes with the escapes undone."""
    if b"\\" in field:
        return _unescape(field).encode("utf-8", "surrogateescape")
    return field


# The common row, found in whole blocks by the regular expression engine: path, key, bytes,
# MD5 (the fields a log is compared on). Its CRC is not checked here: a row whose bytes were
# damaged no longer agrees with the log and is read again, checked, by ``read_paths``.
_F_ROW = re.compile(r"^F\t([^\t\n]*\t[^\t\n]*\t(?:0|[1-9][0-9]*)\t[0-9a-f]{32})\t[0-9]+"
                    r"\t[0-9a-f]{8}$", re.MULTILINE)
_D_ROW = re.compile(rb"^D\t([^\t\n]*)\t[0-9a-f]{8}$", re.MULTILINE)
_BLOCK = 4 * 1024 * 1024


def compared(path: str, key: str, size: int, md5: str) -> int:
    """The hash of what a log row and a journal row must agree on."""
    return hash(f"{path}\t{key}\t{size}\t{md5.lower()}")


def _compared_field(found: str) -> int:
    """:func:`compared` of a row found by ``_F_ROW`` (its fields as the writer wrote them:
    the size in decimal, the MD5 in lower case)."""
    if "\\" in found:
        path, key, size, md5 = found.split("\t")
        return compared(_unescape_text(path), _unescape_text(key), int(size), md5)
    return hash(found)


def _unescape_text(text: str) -> str:
    return _unescape(text.encode("utf-8", "surrogateescape"))


def _blocks(path: str, start: int | None = None, end: int | None = None
            ) -> Iterator[tuple[bytes, bool]]:
    """The journal after its first line (or from ``start``, a line's start, up to ``end``)
    in blocks of whole lines; the flag marks the last block, whose tail (a line without its
    newline) is a torn write."""
    with open(path, "rb") as stream:
        if start is None:
            stream.readline()
        else:
            stream.seek(start)
        left = -1 if end is None else end - stream.tell()
        carry = b""
        while True:
            data = stream.read(_BLOCK if left < 0 else min(_BLOCK, left))
            if not data:
                yield carry, True
                return
            if left >= 0:
                left -= len(data)
            data = carry + data
            cut = data.rfind(b"\n") + 1
            carry = data[cut:]
            yield data[:cut], False


class JournalSummary:
    """What ``log --journal`` needs of a million-row journal, in one pass of the regular
    expression engine over whole blocks: the set of hashes of (path, key, bytes, MD5) of the
    rows in force (:func:`compared`), their count, and the paths whose rows were withdrawn
    (``D``; those rows are resolved in order by ``read_paths``). About 60 bytes a row."""

    def __init__(self, path: str, header: JournalHeader | None = None,
                 scan: bool = True) -> None:
        self.path = path
        self.header = read_header(path) if header is None else header
        self.expected: set[int] = set()
        self.rows = 0
        self.bad_lines = 0
        self.torn = False
        self.withdrawn: set[str] = set()
        if not scan:
            return
        try:
            self._scan()
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}", path) from None

    def _scan(self) -> None:
        half = _Half.start(self.path)
        if half is None:
            self._scan_part(None, None)
        else:
            try:
                self._scan_part(None, half.offset)
            except BaseException:
                half.close()
                raise
            self._merge(half)
        self._resolve_withdrawn()

    def _merge(self, half: _Half) -> None:
        """The child's half added; if it failed in any way, the half is scanned here."""
        got = half.result()
        if got is None:
            self._scan_part(half.offset, None)
            return
        hashes, rows, bad_lines, torn, withdrawn = got
        self.expected.update(hashes)
        self.rows += rows
        self.bad_lines += bad_lines
        self.torn = torn
        self.withdrawn.update(withdrawn)

    def _scan_part(self, start: int | None, end: int | None) -> None:
        expected, f_row, d_row = self.expected, _F_ROW, _D_ROW
        for block, last in _blocks(self.path, start, end):
            if last:
                self.torn = bool(block)
                break
            # Decoded once a block: the rows come out as text, hashed in C.
            found = f_row.findall(block.decode("utf-8", "surrogateescape"))
            self.rows += len(found)
            expected.update(map(hash if b"\\" not in block else _compared_field, found))
            withdrawn = d_row.findall(block) if b"\nD\t" in block or block[:2] == b"D\t" \
                else []
            self.withdrawn.update(_unescape(w) for w in withdrawn)
            self.bad_lines += block.count(b"\n") - len(found) - len(withdrawn)

    def _resolve_withdrawn(self) -> None:
        if self.withdrawn:
            # Every row of a withdrawn path leaves the set; the one in force, if any (the
            # last record of the path), comes back.
            every: list[JournalRow] = []
            in_force = self.read_paths(set(), self.withdrawn, every)
            for row in every:
                self.expected.discard(compared(row.path, row.key, row.size, row.md5))
            for row in in_force.values():
                self.expected.add(compared(row.path, row.key, row.size, row.md5))

    def read_paths(self, hashes: set[int], paths: set[str],
                   every: list[JournalRow] | None = None) -> dict[str, JournalRow]:
        """The rows in force (the last record of each path, CRC checked) whose
        :func:`compared` hash is in ``hashes`` or whose path is in ``paths``: one more pass,
        for the rows a report names. ``every`` gets each such row, in force or not.

        A block none of whose lines can be one of them (``_may_hold``: a substring search
        per wanted path, or the block's hashes against ``hashes``) is passed over whole; in
        the others only the lines that can be are parsed and CRC-checked. The common case,
        a log that agrees with the journal but for a few rows, costs a search per block."""
        found: dict[str, JournalRow] = {}
        if not hashes and not paths:
            return found
        needles = _needles(paths)
        for block, last in _blocks(self.path):
            if last:
                break  # a torn tail is no record
            text = block.decode("utf-8", "surrogateescape")
            if not _may_hold(text, hashes, paths, needles):
                continue
            for line in text.split("\n"):
                if not _may_be(line, hashes, paths):
                    continue
                record = _parse_line(line)
                if isinstance(record, str):
                    found.pop(record, None)
                elif record is not None and (record.path in paths or compared(
                        record.path, record.key, record.size, record.md5) in hashes):
                    found[record.path] = record
                    if every is not None:
                        every.append(record)
        return found


# Above this many wanted paths a block is tested with one findall of its path fields
# rather than a substring search per path.
_NEEDLES = 32
_PATH_FIELD = re.compile(r"^[FD]\t([^\t\n]*)\t", re.MULTILINE)


def _needles(paths: set[str]) -> list[str] | None:
    """What a line of each path starts with after its kind ('\\t<escaped path>\\t'), for
    a substring search; None when there are too many paths for that to pay."""
    if len(paths) > _NEEDLES:
        return None
    return ["\t" + _escape(p).decode("utf-8", "surrogateescape") + "\t" for p in paths]


def _may_hold(text: str, hashes: set[int], paths: set[str], needles: list[str] | None
              ) -> bool:
    """False only when no line of ``text`` can be a record of a path in ``paths`` nor an
    ``F`` row whose :func:`compared` hash is in ``hashes``."""
    if paths:
        if needles is not None:
            if any(needle in text for needle in needles):
                return True
        elif not paths.isdisjoint(map(_text_field, _PATH_FIELD.findall(text))):
            return True
    if hashes:
        found = _F_ROW.findall(text)
        if not hashes.isdisjoint(map(hash if "\\" not in text else _compared_field, found)):
            return True
        # A line _F_ROW does not take (damaged, or written otherwise) is parsed to be sure.
        return len(found) != text.count("\nF\t") + text.startswith("F\t")
    return False


def _may_be(line: str, hashes: set[int], paths: set[str]) -> bool:
    """False when ``line`` is neither a ``D`` record of a path in ``paths`` nor an ``F`` row
    of such a path or whose :func:`compared` hash is in ``hashes`` (a row ``_F_ROW`` does
    not take is parsed to be sure)."""
    kind = line[:2]
    if kind == "D\t":
        return _text_field(line[2:line.find("\t", 2)]) in paths
    if kind != "F\t":
        return False
    match = _F_ROW.fullmatch(line)
    if match is None:
        return True
    common = match.group(1)
    return _text_field(common[:common.find("\t")]) in paths or (
        bool(hashes) and _compared_field(common) in hashes)


def _text_field(field: str) -> str:
    return _unescape_text(field) if "\\" in field else field


def _parse_line(line: str) -> JournalRow | str | None:
    """The record of one whole line (newline removed), CRC checked; None when damaged."""
    fields = _checked(line.encode("utf-8", "surrogateescape"))
    return _record(fields) if fields is not None else None


def read_header(path: str) -> JournalHeader:
    with _reading(path) as stream:
        first = stream.readline()
    if not first.endswith(b"\n"):
        raise InputError(f"{path}: not a manifest-tools journal", path)
    return _parse_header(_checked(first[:-1]), path)


# Below this size (about 150,000 rows) the scan takes a tenth of a second: not worth a fork.
FORK_ABOVE = 16 * 1024 * 1024


class _Half:
    """The second half of a big journal scanned by a forked child while this process scans
    the first (a million-row journal is a second of the regular expression engine and of
    hashing; on two CPUs the halves overlap). The child sends its hashes as 8-byte integers
    (``array('q')``; a fork keeps the parent's hash seed, so they are this process's
    hashes) and its counts pickled. ``result`` is None when the child failed in any way:
    the half is then scanned here, so every outcome and error is the one-process one."""

    def __init__(self, path: str, offset: int) -> None:
        self.path = path
        self.offset = offset  # where the child's half starts: the start of a line
        read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns to the caller
            status = 1
            try:
                os.close(read_end)
                self._send(write_end)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        self._from_child = read_end

    @classmethod
    def start(cls, path: str) -> _Half | None:
        """A child for the second half, when the journal is big, ``fork`` exists and a
        second CPU is there to run it; else None. On a busy machine (a load average that
        leaves no CPU idle) the child would wait for a CPU and this process for the child:
        measured on two busy CPUs (load 8), 9.4 s of wall time instead of 6.1."""
        if not hasattr(os, "fork"):
            return None
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
            os.cpu_count() or 1
        if hasattr(os, "getloadavg") and os.getloadavg()[0] > cpus - 0.5:
            return None
        with open(path, "rb") as stream:
            first = len(stream.readline())
            size = os.fstat(stream.fileno()).st_size
            if cpus < 2 or size - first < FORK_ABOVE:
                return None
            stream.seek(first + (size - first) // 2 - 1)
            rest = stream.read(_BLOCK)
        cut = rest.find(b"\n")
        if cut < 0:
            return None
        return cls(path, first + (size - first) // 2 + cut)

    def _send(self, fd: int) -> None:
        import pickle

        part = JournalSummary(self.path, JournalHeader("", ""), scan=False)
        part._scan_part(self.offset, None)
        hashes = array("q", part.expected).tobytes()
        rest = pickle.dumps((part.rows, part.bad_lines, part.torn, part.withdrawn))
        data = memoryview(struct.pack("<QQ", len(rest), len(hashes)) + rest + hashes)
        while data:
            data = data[os.write(fd, data):]

    def result(self) -> tuple[array[int], int, int, bool, set[str]] | None:
        import pickle

        with os.fdopen(self._from_child, "rb") as stream:
            self._from_child = -1
            data = stream.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if status != 0 or len(data) < 16:
            return None
        rest, size = struct.unpack_from("<QQ", data)
        if len(data) != 16 + rest + size:
            return None
        rows, bad_lines, torn, withdrawn = pickle.loads(data[16:16 + rest])
        hashes = array("q")
        hashes.frombytes(data[16 + rest:])
        return hashes, rows, bad_lines, torn, withdrawn

    def close(self) -> None:
        """End and reap the child when its result will not be taken."""
        if self._from_child >= 0:
            os.close(self._from_child)
            self._from_child = -1
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = 0
