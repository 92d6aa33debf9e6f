"""Reconcile a job's log with the journal ``prepare`` kept, no device needed.

Every journaled file must have a row that loaded it under the journal's key with the
journal's size and MD5 (a multipart ETag is not an MD5: MT715, as against a device); rows AWS
failed are MT705 already; journaled files the log never mentions are MT721 (or AWS ignored
them); loaded rows for files the journal does not know are MT722. With a device as well,
the device is compared with the journal (MT726): presence and size; MD5s meet through the
log (device = log is :mod:`.reconcile`'s check, log = journal this one's). The files to send
again are named by their *source* path (the journal's source root + the path), which is what
a user who erased the device can copy again.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..aws import MULTIPART_ETAG, SIGNATURE_NAME
from ..device.journal import JournalRow, JournalSummary, compared, read_journal
from ..device.walk import Entry
from ..diagnostics import FINDINGS_PER_RULE, Capped, Diagnostic, Severity, clip
from .model import LogRow, Outcome, row_finding
from .read import ROW_STRIDE, Tally

__all__ = ["JournalCheck"]


def _error(rule: str, message: str, path: str, hint: str | None) -> Diagnostic:
    return Diagnostic(rule, Severity.ERROR, message, 1, 1, hint=hint, path=path)


def _row(f: list[str], index: int, line: int) -> LogRow:
    """Row ``index`` of a block's flat fields, as the reader makes it (``read._rows``)."""
    start = index * ROW_STRIDE
    when, file, status, code, key, md5, size, ctype = f[start:start + 8]
    return LogRow(line, when.strip(), file, status, code, key, md5, int(size), ctype.strip())


def _inside(keys: list[str]) -> list[str]:
    """Each key inside its bucket (what follows the first '/' after the first character, as
    ``LogRow.object_key`` for a key with a bucket). A job has one bucket: when every key
    starts with the first one's '<bucket>/', it is cut from all of them in three C calls
    (keys hold no line break: the reader's common rows are whole lines)."""
    first = keys[0]
    cut = first.find("/", 1) + 1
    prefix = first[:cut]
    if cut:
        joined = "\n".join(keys)
        cuts = joined.replace("\n" + prefix, "\n")
        # Each replacement is at a line break between two keys (the only '\n' in it): one
        # after every key but the last cut exactly as many characters.
        if len(joined) - len(cuts) == cut * (len(keys) - 1):
            return cuts[cut:].split("\n")
    return [k[k.find("/", 1) + 1:] for k in keys]


class JournalCheck:
    """Fed the log's rows (``rows``) and, with a device, its entries (``device_entry``);
    ``finish`` adds the findings and returns the source paths to send again.

    The common row agrees with the journal on path, key, size and MD5: it is matched by one
    hash in a set (:class:`JournalSummary`), so a million rows cost a hash each. Only
    the rows that do not agree are looked at one by one, against the journal rows read back
    for them."""

    def __init__(self, path: str) -> None:
        self.journal = JournalSummary(path)
        self.label = path
        self.odd: list[LogRow] = []
        self.device: dict[str, int] | None = None
        # Findings go to one capped collector (the log's, given to ``finish``): a log that
        # differs from the journal in every row makes no more than the cap of each rule.
        self.sink = Capped(FINDINGS_PER_RULE)
        self.retry: set[str] = set()
        self.not_compared = 0
        self.loaded = 0
        self.log = "<log>"  # the log's name: the source of the findings about its rows

    @property
    def found(self) -> list[Diagnostic]:
        """The findings kept (the rest of each rule over the cap is counted in ``sink``)."""
        return self.sink.kept

    def _keep(self, rule: str) -> bool:
        """False, the finding counted, when ``rule`` is at its cap: its message is never
        made (a million rows that differ cost no million messages)."""
        sink = self.sink
        if sink.counts.get(rule, 0) < sink.limit:
            return True
        sink.counts[rule] += 1
        return False

    @property
    def source(self) -> str:
        return self.journal.header.source

    def rows(self, batch: list[LogRow]) -> None:
        """Each row's (path, key, size, MD5) hashed in one comprehension; the rows found in
        the set leave it (what is left at the end was never loaded), the others are kept
        for ``finish``. A row that is not 2xx hashes with no MD5, so it matches nothing."""
        expected = self.journal.expected
        # (An MD5 in upper case, or a File with a leading '/', misses here and is compared
        # in ``finish``, where the path and the case are normalised.)
        hashes = [hash(f"{f}\t{k[k.find('/', 1) + 1:]}\t{n}\t{m if s[:1] == '2' else ''}")
                  for _, _, f, s, _, k, m, n, _ in batch]
        odd = [row for row, h in zip(batch, hashes, strict=True) if h not in expected]
        self.odd.extend(odd)
        self.loaded += len(batch) - len(odd)
        expected.difference_update(hashes)

    def tally(self, tally: Tally) -> None:
        """A block of common rows that all say one loaded (status, code), as the reader's
        columns (no row made): the same hashes as ``rows``, made column by column; only the
        rows that miss are made (for ``finish``)."""
        f = tally.fields
        if f is None:
            raise ValueError("a Tally without its fields")  # the reader always gives them
        s = ROW_STRIDE
        files, keys, sizes = f[1::s], f[4::s], f[6::s]
        md5s = f[5::s] if tally.status[:1] == "2" else [""] * tally.rows
        # The key inside its bucket, as LogRow.object_key (one leading '/' may come first).
        inside = _inside(keys)
        hashes = list(map(hash, map("\t".join, zip(files, inside, sizes, md5s, strict=True))))
        # The block's hashes found in the million-row set, looked up once (each lookup is a
        # cache miss there); removing them then touches only lines still in the cache.
        found = self.journal.expected.intersection(hashes)
        if len(found) != len(hashes):  # a row missed (or two rows are one: both matched)
            odd = [i for i, h in enumerate(hashes) if h not in found]
            self.odd.extend(_row(f, i, tally.first + i) for i in odd)
            self.loaded -= len(odd)
        self.loaded += tally.rows
        self.journal.expected.difference_update(found)

    def device_entry(self, entry: Entry) -> None:
        if self.device is None:
            self.device = {}
        if entry.kind == "file" and entry.relpath != SIGNATURE_NAME:
            self.device[entry.relpath] = entry.size

    def finish(self, device: bool, log: str = "<log>", sink: Capped | None = None
               ) -> list[str]:
        """The findings of the rows that did not agree and of what was never seen (into
        ``sink`` when given, else ``found``), and the source paths to send again (sorted).
        Findings about a row of the log point into ``log`` (their ``source``)."""
        self.log = log
        if sink is not None:
            self.sink = sink
        j = self.journal
        unmatched = j.expected
        odd = [(row.relpath, row) for row in self.odd]
        self.odd = []
        odd_paths = {path for path, _ in odd}
        rows = j.read_paths(unmatched, odd_paths) if unmatched or odd_paths else {}
        # A row found in the first pass whose CRC fails on the second is damaged too.
        damaged = j.bad_lines + len(unmatched) - sum(
            1 for r in rows.values() if compared(r.path, r.key, r.size, r.md5) in unmatched)
        if damaged:
            self.sink.add(Diagnostic("MT727", Severity.WARNING, f"{self.label}: "
                                     f"{damaged} damaged line(s) skipped"))
        seen: set[str] = set()
        for path, row in odd:
            journaled = rows.get(path)
            if journaled is None:
                self._unknown(row, path)
                continue
            seen.add(path)
            self._compare(row, path, journaled)
        del odd
        for path, journaled in sorted(rows.items()):
            if path in seen or compared(journaled.path, journaled.key, journaled.size,
                                        journaled.md5) not in unmatched:
                continue
            if self._keep("MT721"):
                self.sink.add(_error("MT721", f"{clip(path)!r} was copied by prepare but "
                                     "the log never mentions it: it was not imported", path,
                                     "send it again (it is in --retry)"))
            self.retry.add(path)
        if device:
            self._device()
        return sorted(os.path.join(self.source, p) for p in self.retry)

    def _unknown(self, row: LogRow, path: str) -> None:
        if row.outcome is Outcome.LOADED and self._keep("MT722"):
            self.sink.add(self._row(
                Severity.WARNING, "MT722", row, path, f"{clip(path)!r} was loaded by AWS but "
                "is not in the journal: prepare did not copy it", "a file put on the device "
                "by hand, or the journal of another device"))

    def _row(self, severity: Severity, rule: str, row: LogRow, path: str, message: str,
             hint: str | None) -> Diagnostic:
        """A finding about a row of the log: at its line, with the device path it names."""
        return row_finding(severity, rule, message, path, hint, row.line, self.log)

    def _compare(self, row: LogRow, path: str, journaled: JournalRow) -> None:
        outcome = row.outcome
        if outcome is Outcome.FAILED:
            self.retry.add(path)  # MT705 says why
            return
        if outcome is Outcome.IGNORED:
            if self._keep("MT721"):
                self.sink.add(self._row(
                    Severity.ERROR, "MT721", row, path, f"{clip(path)!r} was copied by "
                    "prepare but AWS ignored it (103 Ignored)", "check the manifest AWS used; "
                    "send it again (it is in --retry)"))
            self.retry.add(path)
            return
        self.loaded += 1
        if row.key and row.object_key != journaled.key:
            if self._keep("MT723"):
                self.sink.add(self._row(
                    Severity.ERROR, "MT723", row, path, f"{clip(path)!r} was loaded as "
                    f"{clip(row.object_key)!r}, not as {clip(journaled.key)!r} as the journal "
                    "recorded", "the manifest AWS used may differ from the one prepare was "
                    "given"))
            self.retry.add(path)
        if row.size is not None and row.size != journaled.size:
            self._again("MT724", row, path, lambda: f"{clip(path)!r} is {row.size} bytes in "
                        f"the log but {journaled.size} in the journal")
            return
        md5 = row.md5
        if not md5 or MULTIPART_ETAG.fullmatch(md5):
            self.not_compared += 1
            why = "a multipart upload ETag" if md5 else "missing"
            if self._keep("MT715"):
                self.sink.add(self._row(
                    Severity.WARNING, "MT715", row, path, f"{clip(path)!r}: the log's MD5 is "
                    f"{why}; compared with the journal by size only", None))
        elif md5.lower() != journaled.md5:
            self._again("MT725", row, path, lambda: f"{clip(path)!r}: MD5 {md5} in the log, "
                        f"{journaled.md5} in the journal (the bytes prepare wrote)")

    def _again(self, rule: str, row: LogRow, path: str, message: Callable[[], str]) -> None:
        """An error about a row whose file is to be sent again; the message is made only
        while the rule is under its cap."""
        if self._keep(rule):
            self.sink.add(self._row(Severity.ERROR, rule, row, path, message(),
                                    "send it again (it is in --retry)"))
        self.retry.add(path)

    def _device(self) -> None:
        """The device against the journal: every journaled file there with its size, and
        no file the journal does not know (the whole journal is read: a device was given)."""
        files = self.device or {}
        rows = read_journal(self.label).rows
        for path, size in sorted(files.items()):
            journaled = rows.get(path)
            if journaled is None:
                self.sink.add(_error("MT726", f"{clip(path)!r} is on the device but not "
                                         "in the journal", path, "prepare did not copy it: a "
                                         "file put there by hand?"))
            elif journaled.size != size:
                self.sink.add(_error("MT726", f"{clip(path)!r} is {size} bytes on the "
                                         f"device but {journaled.size} in the journal", path,
                                         "it changed on the device after the copy"))
        for path in sorted(set(rows) - set(files)):
            self.sink.add(_error("MT726", f"{clip(path)!r} is in the journal but not on "
                                     "the device", path, "it was removed after the copy, or "
                                     "this is another device"))
