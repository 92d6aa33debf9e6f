"""Read an AWS Import/Export log as AWS documents it, streaming, without ever failing on a row.

An S3/EBS log is CSV with the columns of :data:`~manifest_tools.aws.LOG_COLUMNS`, with or
without the header row. It is read a block (64 KiB of whole lines) at a time (bounded: a
1,000,000-row log needs no more memory than one block). A block with no quote is split with
``str.split`` as a whole and checked column by column in C; only when some line in it is not a
common row is it taken line by line, and only a line with a quote goes to the stdlib csv
parser, fed more lines while a quoted field (a file name with a comma or a line break) is
still open. A malformed row is a located finding (line, column) and reading goes on with the
next line. Without a device, blocks of loaded rows are only counted (:class:`Tally`).

What the reader tolerates, because logs are opened and re-saved in spreadsheets: a UTF-8 or
UTF-16 byte order mark, CRLF / LF / CR line ends, a header in any letter case or column order,
TAB- or semicolon-separated text (Excel's "Unicode text" and some locales' CSV), trailing empty
fields, spaces around Status, Code, MD5 and Bytes, blank lines and repeated header rows (logs
pasted together).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from itertools import repeat
from typing import BinaryIO, NamedTuple, cast

from ..aws import EXPORT_LOG_NAME, GLACIER_ARCHIVE, LOG_CODES, LOG_COLUMNS, MULTIPART_ETAG
from ..diagnostics import FINDINGS_PER_RULE, Diagnostic, Severity, clip, overflow_message
from .model import GlacierRecord, LogKind, LogRow, Outcome, outcome_of

__all__ = ["MAX_LINE", "MAX_REPEATS", "ROW_STRIDE", "LogReader", "Tally", "kind_from_name"]

# A record is a few hundred characters (a 1,024-byte key, a path, a date); a quoted field that
# is still open after this many lines or characters is an unterminated quote, not a name.
MAX_RECORD_LINES = 32
MAX_RECORD_CHARS = 64 * 1024
# A physical line longer than this ends the reading (/dev/zero, a binary file).
MAX_LINE = 1024 * 1024
# Findings of one rule beyond this many are counted, not listed.
MAX_REPEATS = FINDINGS_PER_RULE
_new_row = tuple.__new__
# A block's fields (eight strings a row, all alive at once) fit in the allocator's recycled
# arenas: 1 MiB blocks cost 0.3 s more of page faults (arenas mapped and unmapped) a 1M-row log.
_BLOCK = 64 * 1024
_HEX_DIGITS = "0123456789abcdefABCDEF"
# One line with its end: CRLF, LF or a lone CR (str.splitlines would also split on form
# feeds, U+2028 and others, which can be in file names).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_HEADER = tuple(c.casefold() for c in LOG_COLUMNS)
_WIDTH = len(LOG_COLUMNS)
# A block's fields come flat, a row's eight then its line end ('\n') as a ninth.
ROW_STRIDE = _WIDTH + 1


class Tally(NamedTuple):
    """A block of rows counted, not made: ``rows`` rows of one (status, code), ``bytes``
    their Bytes summed."""

    status: str
    code: str
    rows: int
    bytes: int
    # The line number of the first row, and the block's fields flat (ROW_STRIDE a row, as
    # ``_common`` split them): what ``log --journal`` compares column by column.
    first: int = 0
    fields: list[str] | None = None


class _FieldTooLong(Exception):
    """A CSV field longer than the csv module reads (``csv.field_size_limit()``, 131,072
    characters by default): no log field is that long (an S3 key is at most 1,024 bytes)."""


class _Unterminated(Exception):
    """A quoted field is still open at the record limit or the end of the log."""


class LogReader:
    """Iterate over the rows of one log; ``diagnostics`` holds what was wrong, located.

    ``kind`` is given by the caller (the log's name says ``import-log-``/``export-log-``) or
    found from the content (a Glacier log's archive path); ``glacier`` collects a Glacier
    log's records. Iterate once.
    """

    def __init__(self, stream: BinaryIO, name: str = "<log>",
                 kind: LogKind | None = None, whole_blocks: bool = True) -> None:
        self.name = name
        # False: every line of a block is taken on its own, never the block at once (the
        # reference the whole-block path is tested against).
        self.whole_blocks = whole_blocks
        self.kind = kind
        self.header = False
        self.delimiter = ","
        self.encoding = "utf-8"
        self.glacier: list[GlacierRecord] = []
        self.rows_read = 0
        self._stream = stream
        self._found: list[Diagnostic] = []
        self._counts: dict[str, int] = {}
        self._unknown: dict[tuple[str, str], list[int]] = {}  # pair -> [first line, count]
        self._replaced_lines: list[int] = []
        self._order: list[int] | None = None
        self._lineno = 0
        self._pending: list[str] = []
        self._held: tuple[int, list[str], str] | None = None
        self._stop = False
        self._finished = False
        self._tallies = False

    # --- findings -------------------------------------------------------------------------

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Findings so far; after the iteration ends, also the per-log ones (unknown codes,
        bytes that were not UTF-8, counts of findings not listed)."""
        return list(self._found)

    def _report(self, rule: str, severity: Severity, message: str, line: int,
                column: int = 1, hint: str | None = None, path: str | None = None) -> None:
        count = self._counts.get(rule, 0) + 1
        self._counts[rule] = count
        if count <= MAX_REPEATS:
            self._found.append(Diagnostic(rule, severity, message, line, column, hint=hint,
                                          path=path, source=self.name))

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        for (status, code), (line, count) in self._unknown.items():
            times = "" if count == 1 else f" ({count} rows, the first here)"
            self._found.append(Diagnostic(
                "MT704", Severity.WARNING,
                f"status {clip(status, 20)!r} code {clip(code, 40)!r} is not one this tool "
                f"knows{times}; kept as written and counted as "
                f"{_outcome_words(status, code)}", line, 1,
                hint="check the AWS documentation for the code; the row is still reported",
                source=self.name))
        if self._replaced_lines:
            lines = self._replaced_lines
            more = "" if len(lines) == 1 else f" (and {len(lines) - 1} more lines)"
            self._found.append(Diagnostic(
                "MT707", Severity.WARNING,
                f"bytes that are not {self.encoding} were read as U+FFFD{more}", lines[0], 1,
                hint="a file name that is not valid UTF-8 cannot be an S3 key; compare these "
                "rows by hand", source=self.name))
        for rule, count in self._counts.items():
            if count > MAX_REPEATS:
                self._found.append(Diagnostic(
                    rule, Severity.WARNING, overflow_message(rule, count, MAX_REPEATS),
                    self._lineno, 1, source=self.name))

    # --- lines ------------------------------------------------------------------------------

    def _text(self) -> io.TextIOWrapper:
        raw = self._stream if isinstance(self._stream, io.BufferedReader) else \
            io.BufferedReader(cast("io.RawIOBase", self._stream))
        start = raw.peek(4)[:4]
        if start.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.encoding = "utf-16"
        elif start.startswith(b"\xef\xbb\xbf"):
            self.encoding = "utf-8-sig"
        # newline='': CR, LF and CRLF all end a line and are returned as written, so a quoted
        # field keeps the line break that was in the file name.
        return io.TextIOWrapper(raw, encoding=self.encoding, errors="replace", newline="")

    def _next_line(self, text: io.TextIOWrapper) -> str | None:
        if self._pending:
            self._lineno += 1
            return self._pending.pop()
        line = text.readline(MAX_LINE)
        if not line:
            return None
        self._lineno += 1
        return line if self._check(line) else None

    def _check(self, line: str) -> bool:
        """Note replaced bytes; False (and a finding) for a line too long to be a record."""
        if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
            self._report("MT702", Severity.ERROR, f"line longer than {MAX_LINE} characters; "
                         "the rest of the log is not read", self._lineno)
            self._stop = True
            return False
        if "\ufffd" in line:
            self._replaced_lines.append(self._lineno)
        return True

    def _split(self, line: str, text: io.TextIOWrapper) -> tuple[int, list[str], str] | None:
        """(start line, fields, raw text) of the record starting with ``line``; None for a
        blank line or an unterminated quote (reported)."""
        if self._lineno == 1:
            self._sniff(line)
        if '"' not in line:
            body = line.rstrip("\r\n")
            return (self._lineno, body.split(self.delimiter), body) if body.strip() else None
        start = self._lineno
        try:
            fields, raw = self._quoted(line, text)
        except _Unterminated as exc:
            self._report("MT702", Severity.ERROR, "a quoted field is never closed; this "
                         "line is skipped and reading goes on with the next one", start,
                         line.find('"') + 1, hint=str(exc))
            return None
        except _FieldTooLong:
            self._report("MT702", Severity.ERROR, f"a field longer than "
                         f"{csv.field_size_limit():,} characters: not a log record; this "
                         "record is skipped and reading goes on after it", start,
                         line.find('"') + 1)
            return None
        return start, fields, raw

    def _fast(self, line: str) -> LogRow | None:
        """The common row (no quotes, eight fields, a known code, valid values) without the
        general path's checks; None sends the line to the general path."""
        if '"' in line or "\ufffd" in line or len(line) >= MAX_LINE:
            return None
        f = line.rstrip("\r\n").split(self.delimiter)
        if len(f) != _WIDTH:
            return None
        # Values as written, unstripped: anything unusual takes the general path.
        status, code, md5, size_text = f[2], f[3], f[5], f[6]
        if (status, code) not in LOG_CODES or not (size_text.isdigit() and size_text.isascii()):
            return None
        if md5:
            if len(md5) != 32 or not md5.isalnum():
                return None
            try:
                bytes.fromhex(md5)
            except ValueError:
                return None
        self.rows_read += 1
        # tuple.__new__ directly: a NamedTuple's own __new__ is a Python function and costs
        # twice as much per row.
        return _new_row(LogRow, (self._lineno, f[0].strip(), f[1], status, code, f[4], md5,
                                 int(size_text), f[7].strip()))

    def _fast_block(self, block: str,
                    text: io.TextIOWrapper) -> Iterator[list[LogRow] | Tally] | None:
        """The rows of a block of whole lines with no quote or replaced byte: the whole
        block at once when every line is a common row (:func:`_common`), else the common
        row made inline and any other line handed to the general path in its place; None
        when a CR alone ends a line in it (the caller splits it on every line end)."""
        ended = block.endswith(("\n", "\r"))
        # The log's last line, without its end, is given the end the others have.
        common = _common(block if ended else block + ("\r\n" if "\r" in block else "\n"),
                         self.delimiter) if self.whole_blocks else None
        if common is None:
            if "\r" in block and block.count("\r") != block.count("\r\n"):
                return None  # a CR alone ends a line too: not lines split on '\n'
            lines = block.split("\n")
            if ended:
                lines.pop()
            return self._line_by_line(lines, ended, text)
        fields, pair = common
        n = len(fields) // ROW_STRIDE
        self.rows_read += n
        self._lineno += n
        first = self._lineno - n + 1
        tally = _tally(fields, pair) if self._tallies and pair is not None else None
        return iter([tally._replace(first=first, fields=fields) if tally is not None else
                     _rows(fields, first)])

    def _line_by_line(self, lines: list[str], ended: bool,
                      text: io.TextIOWrapper) -> Iterator[list[LogRow]]:
        rows: list[LogRow] = []
        lineno = self._lineno
        split, codes, new, fromhex = str.split, LOG_CODES, _new_row, bytes.fromhex
        delimiter = self.delimiter
        for line in lines:
            lineno += 1
            try:
                # Not eight fields, or an MD5 that is not hex: ValueError, the general path.
                when, file, status, code, key, md5, size, ctype = split(line, delimiter)
                if (status, code) in codes and size.isdecimal() and (
                        not md5 or (len(md5) == 32 and len(fromhex(md5)) == 16)):
                    rows.append(new(LogRow, (lineno, when.strip(), file, status, code, key,
                                             md5, int(size), ctype.strip())))
                    continue
            except ValueError:
                pass
            self.rows_read += len(rows)
            yield rows
            rows = []
            self._lineno = lineno
            whole = line + "\n" if ended or line is not lines[-1] else line
            if not self._check(whole):
                return
            yield list(self._general(whole, text))
        self._lineno = lineno
        self.rows_read += len(rows)
        yield rows

    def _quoted(self, first: str, text: io.TextIOWrapper) -> tuple[list[str], str]:
        """A record with quotes: more lines while a quoted field is open."""
        lines = [first]
        start = self._lineno
        while True:
            fields = _parse_csv(lines, self.delimiter)
            if fields is not None:
                return fields, "".join(lines).rstrip("\r\n")
            chars = sum(len(x) for x in lines)
            nxt = None if len(lines) >= MAX_RECORD_LINES or chars > MAX_RECORD_CHARS \
                else self._next_line(text)
            if nxt is None:
                # Give the lines after the first back: they are read again as records.
                self._pending.extend(reversed(lines[1:]))
                self._lineno = start
                raise _Unterminated("a field that starts with '\"' ends with the next '\"' "
                                    "not followed by another one")
            lines.append(nxt)

    def _sniff(self, first_line: str) -> None:
        """The delimiter, from the first line: ',' unless it holds none and has TABs or ';'."""
        if "," not in first_line:
            for candidate in ("\t", ";"):
                if candidate in first_line:
                    self.delimiter = candidate
                    return

    # --- records ----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[LogRow]:
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list[LogRow]]:
        """The rows in lists (a block of the log at a time): the fast way to consume a
        million rows. Iterate once, this way, over the reader or with :meth:`counted`."""
        for batch in self.counted(tallies=False):
            assert isinstance(batch, list)
            yield batch

    def counted(self, tallies: bool = True) -> Iterator[list[LogRow] | Tally]:
        """As :meth:`batches`, but a block whose rows are all common and all say one loaded
        (status, code) comes as a :class:`Tally` (rows and bytes), its rows never made: what
        a summary without a device needs (a 1,000,000-row log is such blocks)."""
        self._tallies = tallies
        try:
            yield from self._batches(self._text())
        finally:
            self._finish()

    def _batches(self, text: io.TextIOWrapper) -> Iterator[list[LogRow] | Tally]:
        fast = self._fast
        last = ""
        while not self._stop:
            s3 = self._order is None and self.kind in (LogKind.IMPORT, LogKind.EXPORT)
            if s3 and not self._pending:
                block = _block(text)
                if not block:
                    break
                last = block
                if '"' not in block and "\ufffd" not in block:
                    fast_block = self._fast_block(block, text)
                    if fast_block is not None:
                        yield from fast_block
                        continue
                # Quotes, CRs alone, replaced bytes: line by line.
                self._pending.extend(reversed(_LINE.findall(block)))
                continue
            line = self._next_line(text)
            if line is None:
                break
            last = line
            row = fast(line) if s3 else None
            yield [row] if row is not None else list(self._general(line, text))
        if last and not last.endswith(("\n", "\r")) and self._lineno > 1:
            self._report("MT702", Severity.WARNING, "the last line has no line end: the log "
                         "may have been cut short", self._lineno, len(last) + 1,
                         hint="compare the log's size with the object in the log bucket")
        if self._held is not None:
            self.kind = self.kind or kind_from_name(self.name)
            yield list(self._emit(self._held))
        if not (self.rows_read or self.header or self.glacier):
            self._report("MT701", Severity.ERROR, "no log rows: expected CSV with the "
                         "columns " + ", ".join(LOG_COLUMNS), max(self._lineno, 1))

    def _general(self, line: str, text: io.TextIOWrapper) -> Iterator[LogRow]:
        split = self._split(line, text)
        if split is None:
            return
        if self.kind is None:
            if not self._detect(split[1], self._held is not None):
                self._held = split  # an unknown first line: decided by the next one
                return
            if self._held is not None:
                yield from self._emit(self._held)
                self._held = None
        yield from self._emit(split)

    def _emit(self, split: tuple[int, list[str], str]) -> Iterator[LogRow]:
        row = self._record(*split)
        if row is not None:
            yield row

    def _detect(self, fields: list[str], second: bool) -> bool:
        """Decide the kind from the first records; False: look at one more."""
        if len(fields) >= 4 and GLACIER_ARCHIVE.fullmatch(fields[2].strip()):
            self.kind = LogKind.GLACIER
            return True
        if _is_header(fields) is not None or len(fields) >= _WIDTH or second:
            self.kind = kind_from_name(self.name)
            return True
        return False

    def _record(self, line: int, fields: list[str], raw: str) -> LogRow | None:
        if self.kind is LogKind.GLACIER:
            self._glacier(line, fields)
            return None
        if fields[0].strip().strip('"').casefold() in _HEADER:
            order = _is_header(fields)
            if order is not None:
                self.header = True
                self._order = None if order == list(range(_WIDTH)) else order
                return None
        if self._order is not None and len(fields) >= _WIDTH:
            fields = [fields[i] for i in self._order] + fields[_WIDTH:]
        if len(fields) != _WIDTH and not self._fits(line, fields, raw):
            return None
        row = self._row(line, fields, raw)
        self.rows_read += 1
        if (row.status, row.code) not in LOG_CODES:
            first = self._unknown.setdefault((row.status, row.code), [line, 0])
            first[1] += 1
        return row

    def _fits(self, line: int, fields: list[str], raw: str) -> bool:
        """Fewer or more fields than the eight: extra empty fields are tolerated."""
        if len(fields) > _WIDTH and not any(f.strip() for f in fields[_WIDTH:]):
            del fields[_WIDTH:]
            return True
        at_line, column = _field_start(raw, min(len(fields), _WIDTH), self.delimiter)
        if len(fields) < _WIDTH:
            message = (f"{len(fields)} fields where a log row has {_WIDTH} ("
                       + ", ".join(LOG_COLUMNS) + "); the row is skipped")
            hint = "a row lost fields (a cut line, or a spreadsheet dropped empty cells)"
        else:
            message = f"{len(fields)} fields where a log row has {_WIDTH}; the row is skipped"
            hint = "a file name or key with a comma must be quoted (\"a,b.txt\")"
        self._report("MT702", Severity.ERROR, message, line + at_line, column, hint=hint)
        return False

    def _row(self, line: int, f: list[str], raw: str) -> LogRow:
        size_text = f[6].strip()
        size: int | None = None
        if size_text:
            if size_text.isascii() and size_text.isdigit():
                size = int(size_text)
            else:
                self._bad_value(line, raw, 6, "Bytes", size_text, "a whole number of bytes",
                                f[1])
        md5 = f[5].strip()
        if md5 and not _is_hex32(md5) and not MULTIPART_ETAG.fullmatch(md5):
            self._bad_value(line, raw, 5, "MD5", md5, "32 hexadecimal digits, or a multipart "
                            "ETag '<32 hex>-<parts>'", f[1])
        return LogRow(line, f[0].strip(), f[1], f[2].strip(), f[3].strip(), f[4], md5, size,
                      f[7].strip())

    def _bad_value(self, line: int, raw: str, index: int, column_name: str, value: str,
                   expected: str, path: str) -> None:
        at_line, column = _field_start(raw, index, self.delimiter)
        self._report("MT703", Severity.WARNING, f"{column_name} {clip(value)!r} is not "
                     f"{expected}; the value is not used", line + at_line, column,
                     path=_relpath(path))

    def _glacier(self, line: int, fields: list[str]) -> None:
        match = GLACIER_ARCHIVE.fullmatch(fields[2].strip()) if len(fields) >= 4 else None
        if match is None:
            if not self.glacier and line <= 2:
                self.header = True  # the first of the "two-line text file" is its header
                return
            self._report("MT702", Severity.ERROR, "not a Glacier log line ('<Date>,<Vault "
                         "Name>,/<Account>/vaults/<Vault>/archives/<Archive ID>,<Comment>')",
                         line)
            return
        # The comment is the last field and may itself hold commas.
        self.glacier.append(GlacierRecord(
            line, fields[0].strip(), fields[1], match["account"], match["archive"],
            self.delimiter.join(fields[3:])))


def _block(text: io.TextIOWrapper) -> str:
    """About a MiB of whole lines (the last one completed, up to MAX_LINE more)."""
    block = text.read(_BLOCK)
    if block and not block.endswith(("\n", "\r")):
        block += text.readline(MAX_LINE)
    return block


def _common(block: str, delimiter: str) -> tuple[list[str], tuple[str, str] | None] | None:
    """The fields of ``block`` (whole lines, each ended by '\\n'), flat, ROW_STRIDE a row
    (the eight fields, then the line end '\\n' as a field of its own), if every line is a
    common row: eight fields, a known status and code, Bytes in digits, MD5 empty or 32 hex
    digits (the per-line fast path's test, made on whole columns); with the block's one
    (status, code) when all its rows say the same. Else None. Each step is one C call over
    the block (replace, split, stride slices, counts, joins), no bytecode per row, and only
    the fields themselves are made (no list of lines, no per-line count)."""
    # Every line end becomes a field of its own: the block's lines all have eight fields
    # exactly when every ROW_STRIDE-th field is that line end (and there are n of them:
    # each line end adds two characters).
    spread = block.replace("\n", f"{delimiter}\n{delimiter}")
    n = (len(spread) - len(block)) // 2
    f = spread.split(delimiter)
    if not n or len(f) != n * ROW_STRIDE + 1 or f[_WIDTH::ROW_STRIDE].count("\n") != n:
        return None
    f.pop()  # the empty string after the last line end
    status, code = f[2::ROW_STRIDE], f[3::ROW_STRIDE]
    pair: tuple[str, str] | None = (status[0], code[0])
    if status.count(status[0]) == n and code.count(code[0]) == n:
        pairs = {pair}
    else:
        pair = None
        status_set, code_set = set(status), set(code)
        pairs = {(s, c) for s in status_set for c in code_set} \
            if len(status_set) == 1 or len(code_set) == 1 else set(zip(status, code, strict=True))
    size, md5 = f[6::ROW_STRIDE], f[5::ROW_STRIDE]
    if not (LOG_CODES.keys() >= pairs and all(size) and "".join(size).isdecimal()):
        return None
    # CRLF line ends: the CR ends each row's last field (stripped as the row is made), and
    # there is no other CR (a CR alone ends a line: that block is read line by line).
    if "\r" in block and not (block.count("\r") == n and all(
            map(str.endswith, f[_WIDTH - 1::ROW_STRIDE], repeat("\r", n)))):
        return None
    # Every MD5 32 characters long: joined by the delimiter (which no field holds), each
    # 33rd character is one; else each is 32 or empty, counted.
    joined = delimiter.join(md5)
    if not (len(joined) == 33 * n - 1 and joined[32::33] == delimiter * (n - 1)) \
            and not set(map(len, md5)) <= {0, 32}:
        return None
    digits = "".join(md5)
    try:
        # fromhex skips whitespace: fewer bytes than half the digits means there was some.
        return (f, pair) if len(bytes.fromhex(digits)) * 2 == len(digits) else None
    except ValueError:
        return None


def _tally(f: list[str], pair: tuple[str, str]) -> Tally | None:
    """A block of common rows that all say one loaded (status, code): only counted."""
    if outcome_of(*pair) is not Outcome.LOADED:
        return None
    return Tally(*pair, len(f) // ROW_STRIDE, sum(map(int, f[6::ROW_STRIDE])))


def _rows(f: list[str], first: int) -> list[LogRow]:
    """The rows of a block's common fields, made in C (map, zip, tuple.__new__)."""
    n = len(f) // ROW_STRIDE
    strip, s = str.strip, ROW_STRIDE
    return list(map(_new_row, repeat(LogRow, n), zip(
        range(first, first + n), map(strip, f[0::s]), f[1::s], f[2::s], f[3::s], f[4::s],
        f[5::s], map(int, f[6::s]), map(strip, f[7::s]), strict=True)))


def kind_from_name(name: str) -> LogKind:
    """An S3 log's kind from its name: AWS names it ``...export-log-<JOBID>`` or
    ``...import-log-<JOBID>``; a renamed log is read as an import log."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return LogKind.EXPORT if EXPORT_LOG_NAME in base else LogKind.IMPORT


def _parse_csv(lines: list[str], delimiter: str) -> list[str] | None:
    """One CSV record from ``lines``; None while a quoted field is open. Strict first (to tell
    an open quote), then lenient for stray quotes such as '5" disk.txt'."""
    try:
        rows = list(csv.reader(lines, delimiter=delimiter, strict=True))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return None
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        except csv.Error:  # the lenient reader's only error: "field larger than field limit"
            raise _FieldTooLong from None
    return rows[0] if rows else []


def _is_hex32(text: str) -> bool:
    if len(text) != 32:
        return False
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return text.isascii() and " " not in text


def _is_header(fields: list[str]) -> list[int] | None:
    """The column order if ``fields`` is the header row (any case, any order), else None."""
    if len(fields) < _WIDTH:
        return None
    names = [f.strip().strip('"').casefold() for f in fields]
    while len(names) > _WIDTH and not names[-1]:
        names.pop()
    if sorted(names) != sorted(_HEADER):
        return None
    return [names.index(c) for c in _HEADER]


def _field_start(raw: str, index: int, delimiter: str) -> tuple[int, int]:
    """(line offset, 1-based column) where field ``index`` starts in a record's raw text,
    honouring quotes; the end of the record when it has fewer fields."""
    field = 0
    in_quotes = False
    line = 0
    column = 1
    for i, ch in enumerate(raw):
        if field == index:
            break
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == delimiter and not in_quotes:
            field += 1
        # CRLF, LF and a lone CR each end one line.
        if ch == "\n" or (ch == "\r" and raw[i + 1: i + 2] != "\n"):
            line, column = line + 1, 1
        elif ch != "\r":
            column += 1
    return line, column


def _relpath(file: str) -> str:
    return file[1:] if file.startswith("/") else file


def _outcome_words(status: str, code: str) -> str:
    return f"'{outcome_of(status, code).value}' (by its status)"

