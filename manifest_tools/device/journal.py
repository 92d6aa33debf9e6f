"""The prepare journal: the record, kept outside the device, of what was copied onto it.

AWS's later guides require ``eraseDevice: yes`` for imports, so the disk usually comes back
blank and the log can only be checked against a record taken while copying (Azure's
WAImportExport keeps such a "journal file" per drive for the same reason; domain.md §9).

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
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, NamedTuple

from ..errors import InputError

__all__ = ["MAGIC", "Journal", "JournalHeader", "JournalRow", "JournalWriter",
           "read_journal", "records"]

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
    try:
        with open(path, "rb") as stream:
            for _, record in records(stream, path, journal):
                if isinstance(record, str):
                    journal.rows.pop(record, None)
                else:
                    journal.rows[record.path] = record
    except FileNotFoundError:
        raise InputError(f"{path}: no such journal", path) from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a journal", path) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}", path) from None
    return journal


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


def _fast_fields(line: bytes) -> list[bytes] | None:
    """``_checked`` for a line that still has its newline, without a copy of the line."""
    if line[-10:-9] != b"\t" or line[-1:] != b"\n":
        return None
    body = line[:-10]
    try:
        if int(line[-9:-1], 16) != zlib.crc32(body):
            return None
    except ValueError:
        return None
    return body.split(b"\t")


class JournalIndex:
    """A journal's rows in force, held compactly for a million-row comparison: an index from
    the hash of each path (its UTF-8 bytes as written, escapes undone) to a row number, and
    per row the size, MD5 (hex, ASCII) and hash of the key in arrays, about 100 bytes a row
    instead of a row object's 500. (Two paths with one 64-bit hash would be taken for one
    path: about one chance in 10^7 for a million rows.) ``paths_of`` reads rows' paths back
    from the file, for the rows a report names."""

    def __init__(self, path: str) -> None:
        from array import array

        self.path = path
        self.index: dict[int, int] = {}
        self.sizes = array("q")
        self.md5s = bytearray()
        self.keys = array("q")
        self.offsets = array("q")  # where each row's line starts, to read its path back
        self.header = JournalHeader("", "")
        self.torn = False
        self.bad_lines: list[int] = []
        self.withdrawn = 0
        self._load()

    def _load(self) -> None:
        try:
            stream = open(self.path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            raise InputError(f"{self.path}: no such journal", self.path) from None
        except OSError as exc:
            raise InputError(f"{self.path}: cannot read: {exc.strerror}", self.path) from None
        with stream:
            first = stream.readline()
            if not first.endswith(b"\n"):
                raise InputError(f"{self.path}: not a manifest-tools journal", self.path)
            self.header = _parse_header(_checked(first[:-1]), self.path)
            self._rows(stream, len(first))

    def _rows(self, stream: BinaryIO, offset: int) -> None:
        index, sizes, md5s, keys, offsets = (self.index, self.sizes, self.md5s, self.keys,
                                             self.offsets)
        number, pending = 1, 0
        for line in stream:
            number += 1
            start, offset = offset, offset + len(line)
            if pending:
                self.bad_lines.append(pending)
                pending = 0
            fields = _fast_fields(line)
            if fields is None:
                pending = number
            elif fields[0] == b"F" and len(fields) == 6 and len(fields[4]) == 32 and \
                    fields[3].isdigit():
                index[hash(_raw(fields[1]))] = len(sizes)
                sizes.append(int(fields[3]))
                md5s += fields[4].lower()
                keys.append(hash(_raw(fields[2])))
                offsets.append(start)
            elif fields[0] == b"D" and len(fields) == 2:
                if index.pop(hash(_raw(fields[1])), None) is not None:
                    self.withdrawn += 1
            else:
                pending = number
        if pending:
            self.torn = True

    def find(self, path: str) -> int | None:
        """The row number of ``path`` (as the log names it, relative to the root)."""
        return self.index.get(hash(path.encode("utf-8", "surrogateescape")))

    def md5(self, row: int) -> bytes:
        return bytes(self.md5s[32 * row:32 * row + 32])

    def paths_of(self, rows: set[int]) -> dict[int, str]:
        """The paths of ``rows``, read back from the file (in file order: one pass)."""
        found: dict[int, str] = {}
        with open(self.path, "rb") as stream:
            for row in sorted(rows):
                stream.seek(self.offsets[row])
                found[row] = _unescape(stream.readline().split(b"\t")[1])
        return found

    def rows_in_force(self) -> list[int]:
        return sorted(self.index.values())
