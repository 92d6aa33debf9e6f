"""Write import/export logs in exactly the form :mod:`.read` reads and AWS documents.

Used by tests and by the local Import/Export service to write the log of a simulated job. The
layout is RFC 4180 CSV (CRLF, fields quoted only when they hold a comma, a quote or a line
break) under the header row the guide's examples show; where AWS is silent (line ends,
quoting) this is the choice, and the reader accepts the others too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from ..aws import (
    IGNORED_CODE,
    IGNORED_STATUS,
    LOG_COLUMNS,
    LOG_DATETIME_FORMAT,
    SIGNATURE_NAME,
)
from .model import GlacierRecord, LogRow

__all__ = ["LogWriter", "format_datetime", "format_glacier_log", "format_log", "format_row"]


def format_datetime(when: datetime | None = None) -> str:
    """``when`` (default: now) in the guide's form, in UTC: 'Tue 03 Feb 2009 21:57:43 GMT'."""
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    # Day and month names are always the English ones, whatever the locale.
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")
    text = LOG_DATETIME_FORMAT.replace("%a", days[moment.weekday()]).replace(
        "%b", months[moment.month - 1])
    return moment.strftime(text)


def _fields(row: LogRow) -> list[str]:
    return [row.datetime, row.file, row.status, row.code, row.key, row.md5,
            "" if row.size is None else str(row.size), row.content_type]


def _csv_text(records: Iterable[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(records)
    return out.getvalue()


def format_row(row: LogRow | None = None, /, *, datetime: str = "", file: str = "",
               status: str = "200", code: str = "OK", key: str = "", md5: str = "",
               size: int | None = None, content_type: str = "") -> str:
    """One log record (with its CRLF), from a :class:`LogRow` or from the fields by name."""
    if row is None:
        row = LogRow(0, datetime, file, status, code, key, md5, size, content_type)
    return _csv_text([_fields(row)])


def format_log(rows: Iterable[LogRow], *, header: bool = True) -> str:
    """A whole log: the header row (unless ``header`` is false), then one record per row."""
    records = ([list(LOG_COLUMNS)] if header else []) + [_fields(r) for r in rows]
    return _csv_text(records)


def format_glacier_log(records: Iterable[GlacierRecord]) -> str:
    """A Glacier import log: ``<Date>,<Vault>,/<Account>/vaults/<Vault>/archives/<Id>,
    <Comment>`` per line (Developer Guide, "Amazon Glacier Log File")."""
    return _csv_text(
        [r.date, r.vault, f"/{r.account_id}/vaults/{r.vault}/archives/{r.archive_id}",
         r.comment] for r in records)


class LogWriter:
    """Streams a log to a text stream opened with ``newline=''``.

    >>> w = LogWriter(stream); w.signature(90); w.loaded("a.txt", "bucket/a.txt", md5, 13)
    """

    def __init__(self, stream: TextIO, *, header: bool = True,
                 when: datetime | None = None) -> None:
        self._writer = csv.writer(stream, lineterminator="\r\n")
        self._when = format_datetime(when)
        if header:
            self._writer.writerow(LOG_COLUMNS)

    def row(self, row: LogRow) -> None:
        self._writer.writerow(_fields(row))

    def add(self, file: str, status: str, code: str, key: str = "", md5: str = "",
            size: int | None = None, content_type: str = "") -> None:
        self.row(LogRow(0, self._when, file, status, code, key, md5, size, content_type))

    def signature(self, size: int) -> None:
        """The device's own SIGNATURE, which AWS lists as 103 Ignored (Examples page)."""
        self.add(SIGNATURE_NAME, IGNORED_STATUS, IGNORED_CODE, size=size,
                 content_type="text/plain")

    def ignored(self, file: str, size: int, content_type: str = "") -> None:
        self.add(file, IGNORED_STATUS, IGNORED_CODE, size=size, content_type=content_type)

    def loaded(self, file: str, key: str, md5: str, size: int,
               content_type: str = "binary/octet-stream") -> None:
        self.add(file, "200", "OK", key, md5, size, content_type)

    def failed(self, file: str, status: str, code: str, key: str = "",
               size: int | None = None) -> None:
        self.add(file, status, code, key, "", size)
