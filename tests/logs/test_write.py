"""The log writer writes the layout AWS documents (header row, RFC 4180 quoting)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from manifest_tools.aws import LOG_COLUMNS
from manifest_tools.logs.model import GlacierRecord, LogRow
from manifest_tools.logs.write import (
    LogWriter,
    format_datetime,
    format_glacier_log,
    format_log,
    format_row,
)

WHEN = datetime(2009, 2, 3, 21, 57, 43, tzinfo=UTC)


def test_datetime_in_the_guides_form() -> None:
    assert format_datetime(WHEN) == "Tue 03 Feb 2009 21:57:43 GMT"


def test_writer_header_and_rows_exact_bytes() -> None:
    out = io.StringIO(newline="")
    w = LogWriter(out, when=WHEN)
    w.signature(90)
    w.loaded("Notice.txt", "myawsbucket/Notice.txt", "f60fe317bc497b1204b327094959eb64", 13,
             "text/plain")
    w.failed("a,b\nc.txt", "400", "InvalidSubstitution", "myawsbucket/a,b\nc.txt", 5)
    assert out.getvalue() == (
        "DateTime,File,Status,Code,Key,MD5,Bytes,Content-Type\r\n"
        "Tue 03 Feb 2009 21:57:43 GMT,SIGNATURE,103,Ignored,,,90,text/plain\r\n"
        "Tue 03 Feb 2009 21:57:43 GMT,Notice.txt,200,OK,myawsbucket/Notice.txt,"
        "f60fe317bc497b1204b327094959eb64,13,text/plain\r\n"
        'Tue 03 Feb 2009 21:57:43 GMT,"a,b\nc.txt",400,InvalidSubstitution,'
        '"myawsbucket/a,b\nc.txt",,5,\r\n')


def test_format_row_and_log_agree_with_csv() -> None:
    row = LogRow(0, "d", 'say "hi".txt', "200", "OK", "b/k", "0" * 32, 7, "text/plain")
    assert format_row(row) == 'd,"say ""hi"".txt",200,OK,b/k,' + "0" * 32 + ",7,text/plain\r\n"
    assert format_row(datetime="d", file="x", size=1) == "d,x,200,OK,,,1,\r\n"
    text = format_log([row, row], header=True)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == list(LOG_COLUMNS)
    assert parsed[1][1] == 'say "hi".txt' and parsed[2][6] == "7"
    assert not format_log([row], header=False).startswith("DateTime")


def test_glacier_log_line() -> None:
    text = format_glacier_log([GlacierRecord(0, "d", "v", "123", "ARCH", "from disk")])
    assert text == "d,v,/123/vaults/v/archives/ARCH,from disk\r\n"
