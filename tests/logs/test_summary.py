"""Counts by status and code, bytes, failed and ignored rows, whichever way rows arrive."""

from __future__ import annotations

import io

from manifest_tools.logs.model import LogRow, Outcome
from manifest_tools.logs.read import LogReader
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
