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

from ..aws import MULTIPART_ETAG, SIGNATURE_NAME
from ..device.journal import JournalIndex
from ..device.walk import Entry
from ..diagnostics import Diagnostic, Severity, clip
from .model import LogRow, Outcome

__all__ = ["JournalCheck"]


def _error(rule: str, message: str, path: str, hint: str | None, line: int = 1) -> Diagnostic:
    return Diagnostic(rule, Severity.ERROR, message, line, 1, hint=hint, path=path)


class JournalCheck:
    """Fed the log's rows (``rows``) and, with a device, its entries (``device_entry``);
    ``finish`` adds the findings and returns the source paths to send again."""

    def __init__(self, path: str) -> None:
        self.journal = JournalIndex(path)
        self.label = path
        count = len(self.journal.sizes)
        self.seen = bytearray(count)
        self.on_device = bytearray(count)
        self.found: list[Diagnostic] = []
        self.retry: set[int] = set()
        self.not_compared = 0
        self.matched = 0

    @property
    def source(self) -> str:
        return self.journal.header.source

    def rows(self, batch: list[LogRow]) -> None:
        find, seen = self.journal.find, self.seen
        for row in batch:
            i = find(row.relpath)
            if i is None:
                if row.outcome is Outcome.LOADED:
                    self.found.append(Diagnostic(
                        "MT722", Severity.WARNING, f"{clip(row.relpath)!r} was loaded by AWS "
                        "but is not in the journal: prepare did not copy it", row.line, 1,
                        hint="a file put on the device by hand, or the journal of another "
                        "device", path=row.relpath))
                continue
            seen[i] = 1
            self._row(row, i)

    def _row(self, row: LogRow, i: int) -> None:
        outcome = row.outcome
        if outcome is Outcome.FAILED:
            self.retry.add(i)  # MT705 says why
            return
        if outcome is Outcome.IGNORED:
            self.found.append(_error("MT721", f"{clip(row.relpath)!r} was copied by prepare "
                                     "but AWS ignored it (103 Ignored)", row.relpath,
                                     "check the manifest AWS used; send it again (it is in "
                                     "--retry)", row.line))
            self.retry.add(i)
            return
        self.matched += 1
        j = self.journal
        if row.key and hash(row.object_key.encode("utf-8", "surrogateescape")) != j.keys[i]:
            self.found.append(_error("MT723", f"{clip(row.relpath)!r} was loaded as "
                                     f"{clip(row.object_key)!r}, not under the key the journal "
                                     "recorded", row.relpath, "the manifest AWS used may "
                                     "differ from the one prepare was given", row.line))
            self.retry.add(i)
        if row.size is not None and row.size != j.sizes[i]:
            self.found.append(_error("MT724", f"{clip(row.relpath)!r} is {row.size} bytes in "
                                     f"the log but {j.sizes[i]} in the journal", row.relpath,
                                     "send it again (it is in --retry)", row.line))
            self.retry.add(i)
            return
        md5 = row.md5
        if not md5 or MULTIPART_ETAG.fullmatch(md5):
            self.not_compared += 1
            why = "a multipart upload ETag" if md5 else "missing"
            self.found.append(Diagnostic("MT715", Severity.WARNING, f"{clip(row.relpath)!r}: "
                                         f"the log's MD5 is {why}; compared with the journal "
                                         "by size only", row.line, 1, path=row.relpath))
        elif md5.lower().encode("ascii", "replace") != j.md5(i):
            self.found.append(_error("MT725", f"{clip(row.relpath)!r}: MD5 {md5} in the log, "
                                     f"{j.md5(i).decode()} in the journal (the bytes "
                                     "prepare wrote)", row.relpath, "send it again (it is in "
                                     "--retry)", row.line))
            self.retry.add(i)

    def device_entry(self, entry: Entry) -> None:
        if entry.kind != "file" or entry.relpath == SIGNATURE_NAME:
            return
        i = self.journal.find(entry.relpath)
        if i is None:
            self.found.append(_error("MT726", f"{clip(entry.relpath)!r} is on the device but "
                                     "not in the journal", entry.relpath, "prepare did not "
                                     "copy it: a file put there by hand?"))
            return
        self.on_device[i] = 1
        if entry.size != self.journal.sizes[i]:
            self.found.append(_error("MT726", f"{clip(entry.relpath)!r} is {entry.size} bytes "
                                     f"on the device but {self.journal.sizes[i]} in the "
                                     "journal", entry.relpath, "it changed on the device "
                                     "after the copy"))

    def finish(self, device: bool) -> list[str]:
        """The findings of what was never seen, and the source paths to send again
        (sorted)."""
        j = self.journal
        if j.bad_lines:
            self.found.append(Diagnostic("MT727", Severity.WARNING, f"{self.label}: "
                                         f"{len(j.bad_lines)} damaged line(s) skipped (first: "
                                         f"line {j.bad_lines[0]})"))
        rows = j.rows_in_force()
        never = [i for i in rows if not self.seen[i]]
        missing = [i for i in rows if device and not self.on_device[i]]
        paths = j.paths_of(set(never) | set(missing) | self.retry)
        for i in never:
            self.found.append(_error("MT721", f"{clip(paths[i])!r} was copied by prepare but "
                                     "the log never mentions it: it was not imported",
                                     paths[i], "send it again (it is in --retry)"))
            self.retry.add(i)
        for i in missing:
            self.found.append(_error("MT726", f"{clip(paths[i])!r} is in the journal but not "
                                     "on the device", paths[i], "it was removed after the "
                                     "copy, or this is another device"))
        return sorted(os.path.join(self.source, paths[i]) for i in self.retry)
