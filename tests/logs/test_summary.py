"""Counts by status and code, bytes, failed and ignored rows, whichever way rows arrive."""

from __future__ import annotations

import io

from manifest_tools.logs.model import LogRow, Outcome
from manifest_tools.logs.read import LogReader, Tally
from manifest_tools.logs.summary import LogSummary, error_count_finding, summarize
from manifest_tools.logs.write import format_log

from .conftest import D

MD5 = "0" * 32


def rows(n: int) -> list[LogRow]:
    out = [LogRow(0, D, f"f{i}", "200", "OK", f"b/f{i}", MD5, i, "") for i in range(n)]
    out[n // 2] = LogRow(0, D, "x{y}", "400", "InvalidSubstitution", "", "", 7, "")
    out[n // 3] = LogRow(0, D, "a.psd", "103", "Ignored", "", "", 9, "")
    out.append(LogRow(0, D, "SIGNATURE", "103", "Ignored", "", "", 90, ""))
    out.append(LogRow(0, D, "odd", "299", "Maybe", "b/odd", MD5, None, ""))
    return out


def check(summary: LogSummary, n: int) -> None:
    loaded_bytes = sum(range(n)) - n // 2 - n // 3
    assert summary.rows == n + 2
    assert (summary.count(Outcome.LOADED), summary.count(Outcome.IGNORED),
            summary.count(Outcome.FAILED)) == (n - 2 + 1, 2, 1)
    assert summary.bytes(Outcome.LOADED) == loaded_bytes
    assert summary.bytes(Outcome.IGNORED) == 99
    assert [r.file for r in summary.failed] == ["x{y}"]
    assert [r.file for r in summary.ignored] == ["a.psd"]  # the SIGNATURE is not listed
    assert summary.codes[("299", "Maybe")] == [1, 0]


def test_summary_row_by_row_and_in_batches_agree() -> None:
    n = 30_000  # more than one block of the reader
    check(summarize(rows(n)), n)
    reader = LogReader(io.BytesIO(format_log(rows(n)).encode()), "import-log-X")
    summary = summarize(reader)
    check(summary, n)
    json = summary.to_json()
    assert json["failed"] == 1 and json["bytes"] == {
        "loaded": summary.bytes(Outcome.LOADED), "ignored": 99, "failed": 7}


def test_error_count() -> None:
    summary = summarize(rows(10))
    assert error_count_finding(summary, 1) is None
    assert error_count_finding(summary, None) is None
    finding = error_count_finding(summary, 0)
    assert finding is not None and finding.rule == "MT706"


def test_counted_blocks_agree_with_rows_and_findings_stay_located() -> None:
    """A log of many blocks with odd lines planted among common ones: blocks counted as
    Tally (no rows made), blocks made whole and the line-by-line path give the same summary,
    rows (line numbers included) and findings at the same lines and columns."""
    common = [LogRow(0, D, f"d/f{i}.jpg", "200", "OK", f"b/d/f{i}.jpg", "a" * 32, i,
                     "image/jpeg") for i in range(6000)]
    lines = ["DateTime,File,Status,Code,Key,MD5,Bytes,Content-Type"]
    lines += [",".join([r.datetime, r.file, r.status, r.code, r.key, r.md5, str(r.size),
                        r.content_type]) for r in common]
    odd_md5 = "a" * 15 + " " + "a" * 16  # 32 characters, not hex: MT703
    lines[3001] = f"{D},odd.jpg,200,OK,b/odd.jpg,{odd_md5},5,image/jpeg"
    lines[4001] = f"{D},short.jpg,200,OK,b/short.jpg,{'a' * 32},5"  # 7 fields: MT702
    lines[4501] = ""  # a blank line: skipped
    lines[5001] = f"{D},bad.jpg,400,BadDigest,b/bad.jpg,,6,image/jpeg"  # failed
    lines[5501] = f'{D},"a,b.jpg",200,OK,b/a.jpg,,7,image/jpeg'  # quoted: a row
    text = "\r\n".join(lines) + "\r\n"

    def reader() -> LogReader:
        return LogReader(io.BytesIO(text.encode()), "import-log-BLOCK")

    by_rows = reader()
    got = [row for batch in by_rows.batches() for row in batch]
    expected_lines = [n + 1 for n in range(1, 6001) if n not in (4001, 4501)]
    assert [r.line for r in got] == expected_lines
    assert got[0] == common[0]._replace(line=2)
    assert got[-1] == common[-1]._replace(line=6001)
    assert got[3000] == LogRow(3002, D, "odd.jpg", "200", "OK", "b/odd.jpg", odd_md5, 5,
                                   "image/jpeg")
    assert {r.file for r in got} >= {"bad.jpg", "a,b.jpg"}
    findings = [(d.rule, d.line, d.column) for d in by_rows.diagnostics]
    md5_column = len(f"{D},odd.jpg,200,OK,b/odd.jpg,") + 1
    assert findings == [("MT703", 3002, md5_column), ("MT702", 4002, len(lines[4001]) + 1)]

    counted = reader()
    blocks = list(counted.counted())
    tallies = [b for b in blocks if isinstance(b, Tally)]
    assert tallies and sum(t.rows for t in tallies) < len(got)  # some blocks made rows
    summary = LogSummary()
    for block in blocks:
        summary.add_tally(block) if isinstance(block, Tally) else summary.add_rows(block)
    reference = summarize(got)
    assert summary.to_json() == reference.to_json() == summarize(reader()).to_json()
    assert [r.file for r in summary.failed] == ["bad.jpg"]
    assert [(d.rule, d.line, d.column) for d in counted.diagnostics] == findings
    assert counted.rows_read == by_rows.rows_read == len(got)
