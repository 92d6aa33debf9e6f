"""What a log says, in numbers and words: counts by status and code, totals, failed files, and
the check against get-status's ErrorCount."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter

from ..aws import LOG_CODES, SIGNATURE_NAME
from ..diagnostics import Diagnostic, Severity, clip
from .model import LogRow, Outcome, outcome_of
from .read import LogReader, Tally

__all__ = ["LogSummary", "error_count_finding", "failed_finding", "summarize"]


_PAIR = itemgetter(3, 4)  # (status, code) of a LogRow
_SIZE = itemgetter(7)
_LOADED = frozenset(p for p in LOG_CODES if outcome_of(*p) is Outcome.LOADED)


@dataclass
class LogSummary:
    """Counts over the rows of one log (the SIGNATURE row included in ``rows``)."""

    rows: int = 0
    # (status, code) -> [rows, bytes]; outcomes are derived from it, so adding a row costs
    # two dict operations (a 1,000,000-row log).
    codes: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    failed: list[LogRow] = field(default_factory=list)
    ignored: list[LogRow] = field(default_factory=list)

    def add(self, row: LogRow) -> None:
        self.rows += 1
        pair = (row.status, row.code)
        counts = self.codes.get(pair)
        if counts is None:
            counts = self.codes[pair] = [0, 0]
        counts[0] += 1
        if row.size is not None:
            counts[1] += row.size
        if pair not in _LOADED:
            self._unusual(row, pair)

    def add_rows(self, rows: list[LogRow]) -> None:
        """``add`` for a batch. The common batch (every row loaded with one code) is counted
        and summed in C (Counter, map, sum); any other, row by row."""
        codes = self.codes
        pairs = Counter(map(_PAIR, rows))
        if len(pairs) == 1:
            pair = next(iter(pairs))
            if pair in _LOADED:
                counts = codes.get(pair)
                if counts is None:
                    counts = codes[pair] = [0, 0]
                counts[0] += len(rows)
                counts[1] += sum(filter(None, map(_SIZE, rows)))
                self.rows += len(rows)
                return
        self.rows += len(rows)
        for row in rows:
            pair = (row[3], row[4])
            counts = codes.get(pair)
            if counts is None:
                counts = codes[pair] = [0, 0]
            counts[0] += 1
            size = row[7]
            if size is not None:
                counts[1] += size
            if pair not in _LOADED:
                self._unusual(row, pair)

    def add_tally(self, tally: Tally) -> None:
        """A block the reader counted (its rows all loaded with one code)."""
        counts = self.codes.get((tally.status, tally.code))
        if counts is None:
            counts = self.codes[(tally.status, tally.code)] = [0, 0]
        counts[0] += tally.rows
        counts[1] += tally.bytes
        self.rows += tally.rows

    def _unusual(self, row: LogRow, pair: tuple[str, str]) -> None:
        outcome = outcome_of(*pair)
        if outcome is Outcome.FAILED:
            self.failed.append(row)
        elif outcome is Outcome.IGNORED and row.relpath != SIGNATURE_NAME:
            self.ignored.append(row)

    def count(self, outcome: Outcome) -> int:
        return sum(n for pair, (n, _) in self.codes.items() if outcome_of(*pair) is outcome)

    def bytes(self, outcome: Outcome) -> int:
        return sum(b for pair, (_, b) in self.codes.items() if outcome_of(*pair) is outcome)

    def to_json(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            **{o.value: self.count(o) for o in Outcome},
            "bytes": {o.value: self.bytes(o) for o in Outcome},
            "codes": [{"status": s, "code": c, "rows": n, "bytes": b,
                       "meaning": LOG_CODES.get((s, c))}
                      for (s, c), (n, b) in sorted(self.codes.items())],
        }


def summarize(rows: Iterable[LogRow] | LogReader) -> LogSummary:
    """The summary of a reader (read in batches) or of any rows."""
    summary = LogSummary()
    if isinstance(rows, LogReader):
        for batch in rows.counted():
            if isinstance(batch, Tally):
                summary.add_tally(batch)
            else:
                summary.add_rows(batch)
    else:
        for row in rows:
            summary.add(row)
    return summary


def failed_finding(row: LogRow, log: str | None = None) -> Diagnostic:
    """MT705: the log (named ``log``: the finding's source) says this file was not loaded,
    and why."""
    return Diagnostic("MT705", Severity.ERROR,
                      f"{clip(row.relpath)!r} was not loaded: {row.reason} "
                      f"(status {row.status} {row.code})", row.line, 1, path=row.relpath,
                      hint="fix the cause and send the file again (it is in --retry)",
                      source=log)


def error_count_finding(summary: LogSummary, error_count: int | None) -> Diagnostic | None:
    """MT706: get-status's ErrorCount against the log's failed rows (AWS does not say which
    rows ErrorCount counts; failed rows are the ones compared, never 103 Ignored)."""
    failed = summary.count(Outcome.FAILED)
    if error_count is None or error_count == failed:
        return None
    return Diagnostic("MT706", Severity.ERROR,
                      f"get-status says ErrorCount {error_count} but the log has {failed} "
                      "failed rows", 1, 1,
                      hint="the log may be incomplete or from another job; fetch it again "
                      "(LogBucket/LogKey)")
