"""Reconcile a job's log with the device that was shipped: what made it, byte for byte.

Without a device, the log alone: counts, failed files (MT705), ErrorCount (MT706). With a
device (and the manifest's key rules): every file on the device has a row, matched by its
path and else by the key the rules give it (MT711); every row has a file (MT712); sizes
(MT713) and MD5s (MT714) are equal, hashing only files whose size already matched and whose
row has an MD5 to compare (a multipart ETag '...-N' is not an MD5 and is not compared:
MT715); files AWS ignored that the manifest's ``ignore`` does not match (MT716), and keys
that differ from the rules' (MT717). The files to send again are listed in ``retry``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..aws import MULTIPART_ETAG, SIGNATURE_NAME
from ..device.walk import Entry, walk
from ..diagnostics import Capped, Diagnostic, Severity, clip
from ..errors import InputError
from .hashing import HashProgress, hash_files
from .model import GlacierRecord, LogKind, LogRow, Outcome, row_finding
from .read import MAX_REPEATS, LogReader, Tally
from .summary import LogSummary, error_count_finding, failed_finding

if TYPE_CHECKING:  # the rules come from the caller (the manifest's, if one is given)
    from ..device.keys import KeyRules
    from ..device.outcome import EntryOutcome
    from .journal_check import JournalCheck

__all__ = ["DeviceCounts", "JournalCounts", "Reconciliation", "reconcile"]


def _quoted(path: str) -> str:
    """A device path in a message, escaped as the finding's ``path`` shows it (a name that
    is not UTF-8 reads 'caf\\xe9.txt' in both places, never 'caf\\udce9.txt')."""
    from ..device.findings import display_path

    return f"'{display_path(clip(path))}'"


@dataclass
class DeviceCounts:
    files: int = 0
    bytes: int = 0
    matched: int = 0
    hashed: int = 0
    hashed_bytes: int = 0
    md5_equal: int = 0
    not_compared: int = 0


@dataclass(frozen=True)
class JournalCounts:
    rows: int  # rows read (in force or not)
    matched: int  # journaled files the log loaded
    not_compared: int  # of those, with no MD5 to compare (multipart ETag)
    torn: bool  # the journal's last line was torn (a killed copy), ignored


@dataclass
class Reconciliation:
    """The outcome: the log's summary, findings (log rows first, then device files by
    path), the files to send again, and counts over the device when one was given."""

    kind: LogKind
    summary: LogSummary
    findings: list[Diagnostic] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)
    device: DeviceCounts | None = None
    glacier: list[GlacierRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    journal: JournalCounts | None = None

    @property
    def clean(self) -> bool:
        """No failure in the log and, if a device was given, no difference: exit 0."""
        return not any(d.is_error for d in self.findings)


def _object_key(row: LogRow) -> str:
    return row.object_key


class _Index:
    """The log's rows by device path, by object key and by NFC-normalised path."""

    def __init__(self, found: Capped, log: str) -> None:
        self.log = log
        self.by_path: dict[str, LogRow] = {}
        self.by_key: dict[str, str] = {}
        self.by_nfc: dict[str, str] = {}
        self.seen: set[str] = set()
        self._found = found

    def add(self, row: LogRow) -> None:
        path = row.relpath
        if path in self.by_path:
            self._found.add(row_finding(
                Severity.WARNING, "MT719", f"{_quoted(path)} has more than one row; the last "
                f"one (line {row.line}) is used", path, None, row.line, self.log))
        self.by_path[path] = row
        if row.key:
            self.by_key.setdefault(_object_key(row), path)
        self.by_nfc.setdefault(unicodedata.normalize("NFC", path), path)

    def find(self, relpath: str, key: str | None) -> LogRow | None:
        path = relpath if relpath in self.by_path else None
        if path is None and key is not None:
            path = self.by_key.get(key)
        if path is None:
            path = self.by_nfc.get(unicodedata.normalize("NFC", relpath))
        if path is None:
            return None
        self.seen.add(path)
        return self.by_path[path]


class _Reconciler:
    def __init__(self, result: Reconciliation, rules: KeyRules | None,
                 index: _Index, found: Capped) -> None:
        self.result = result
        self.rules = rules
        self.index = index
        self.found = found
        self.retry: set[str] = {r.relpath for r in result.summary.failed}
        self.to_hash: dict[bytes, tuple[str, LogRow]] = {}
        if rules is not None:  # imported only with a manifest (start-up of a plain log)
            from ..device.outcome import file_outcome

            self.outcome_of = file_outcome
        self.idents: dict[bytes, tuple[int, int]] = {}

    def err(self, rule: str, message: str, path: str, hint: str,
            line: int | None = None) -> Diagnostic:
        return row_finding(Severity.ERROR, rule, message, path, hint, line, self.index.log)

    def warn(self, rule: str, message: str, path: str, hint: str | None = None,
             line: int | None = None) -> Diagnostic:
        return row_finding(Severity.WARNING, rule, message, path, hint, line, self.index.log)

    def entry(self, entry: Entry) -> None:
        counts = self.result.device
        assert counts is not None
        if entry.kind == "dir" and entry.error is None:
            return
        if entry.kind != "file" or entry.error is not None:
            self._special(entry, self.index.find(entry.relpath, None))
            return
        # The outcome the preflight predicts and the dock logs (device.outcome), when the
        # manifest's rules are known: its key finds the row, and the row must agree with it.
        outcome = self.outcome_of(self.rules, entry.relpath, entry.size) if (
            self.rules is not None and entry.utf8) else None
        key = outcome.key if outcome is not None else None
        row = self.index.find(entry.relpath, key if self.result.kind is LogKind.IMPORT
                              else None)
        if row is None and not entry.utf8:
            # A log is UTF-8 text: a name that is not is written with U+FFFD for its bad
            # bytes (the dock does so; its row is 400 InvalidObjectName).
            row = self.index.find(entry.raw.decode("utf-8", "replace"), None)
        counts.files += 1
        counts.bytes += entry.size
        if row is None:
            self._missing_row(entry)
            return
        counts.matched += 1
        result = row.outcome
        if result is Outcome.IGNORED:
            self._ignored(entry, row, outcome)
        elif result is Outcome.LOADED:
            self._loaded(entry, row, outcome)

    def _special(self, entry: Entry, row: LogRow | None) -> None:
        if row is None and entry.error is None:
            return  # folders, links, FIFOs: the preflight's business, not the log's
        if entry.error is None and row is not None and row.outcome is Outcome.IGNORED:
            return  # never followed: 103 Ignored is the outcome (device.outcome, MT617)
        what = entry.error or f"a {entry.kind}, not a regular file"
        self.found.add(self.err("MT718", f"{_quoted(entry.relpath)}: {what}; not compared",
                              entry.relpath, "check the device; the file cannot be compared "
                              "with the log", row.line if row else None))

    def _missing_row(self, entry: Entry) -> None:
        if entry.relpath == SIGNATURE_NAME:
            return  # the job's own SIGNATURE: 103 Ignored when present; nothing to send
        what = "imported" if self.result.kind is LogKind.IMPORT else "written by the export"
        self.found.add(self.err("MT711", f"{_quoted(entry.relpath)} is on the device but not in "
                              f"the log: it was not {what}", entry.relpath,
                              "send it again (it is in --retry), or check that this is the "
                              "device and the log of one job"))
        self.retry.add(entry.relpath)

    def _ignored(self, entry: Entry, row: LogRow, outcome: EntryOutcome | None) -> None:
        if outcome is None or outcome.action == "ignored":
            return
        self.found.add(self.err("MT716", f"{_quoted(entry.relpath)} was ignored by AWS "
                              "(103 Ignored) but no ignore pattern of the manifest "
                              "matches it", entry.relpath, "send it again (it is in "
                              "--retry); check the manifest AWS used (CurrentManifest)",
                              row.line))
        self.retry.add(entry.relpath)

    def _loaded(self, entry: Entry, row: LogRow, outcome: EntryOutcome | None) -> None:
        if outcome is not None:
            self._check_rules(entry, row, outcome)
        if row.size is not None and row.size != entry.size:
            self.found.add(self.err("MT713", f"{_quoted(entry.relpath)} is {entry.size} bytes "
                                  f"on the device but {row.size} in the log", entry.relpath,
                                  "the file changed after the copy (or the copy was cut): "
                                  "send it again (it is in --retry)", row.line))
            self.retry.add(entry.relpath)
            return
        if not row.md5 or MULTIPART_ETAG.fullmatch(row.md5):
            self._not_compared(entry, row)
            return
        self.to_hash[entry.raw] = (entry.relpath, row)
        if entry.ident is not None:
            self.idents[entry.raw] = entry.ident

    def _check_rules(self, entry: Entry, row: LogRow, outcome: EntryOutcome) -> None:
        if outcome.pattern is not None:
            self.found.add(self.warn("MT717", f"{_quoted(entry.relpath)} matches the ignore "
                                    f"pattern {clip(outcome.pattern, 40)!r} but AWS loaded "
                                    "it", entry.relpath, "the manifest AWS used may differ "
                                    "from this one", row.line))
        elif outcome.action == "refused":
            self.found.add(self.warn("MT717", f"{_quoted(entry.relpath)} was loaded, but the "
                                    f"manifest's rules refuse it ({outcome.status} "
                                    f"{outcome.code}, {outcome.rule})", entry.relpath,
                                    "the manifest AWS used may differ from this one",
                                    row.line))
        elif row.key and _object_key(row) != outcome.key and \
                self.result.kind is LogKind.IMPORT:
            self.found.add(self.warn("MT717", f"{_quoted(entry.relpath)} was loaded as "
                                    f"{clip(_object_key(row))!r}, but the manifest's rules "
                                    f"give {clip(outcome.key)!r}", entry.relpath, "the "
                                    "manifest AWS used may differ from this one", row.line))

    def _not_compared(self, entry: Entry, row: LogRow) -> None:
        assert self.result.device is not None
        self.result.device.not_compared += 1
        why = (f"the log's MD5 {row.md5!r} is a multipart upload ETag, not the file's MD5"
               if row.md5 else "the log has no MD5 for it")
        self.found.add(self.warn("MT715", f"{_quoted(entry.relpath)}: {why}; the size matches, "
                                "the content was not compared", entry.relpath,
                                "compare it with the object in S3 (aws s3api head-object, "
                                "or download it)", row.line))

    def unmatched_rows(self) -> None:
        for path, row in self.index.by_path.items():
            if path in self.index.seen or row.outcome is Outcome.FAILED:
                continue
            if path == SIGNATURE_NAME:
                continue
            self.found.add(self.err("MT712", f"{_quoted(path)} is in the log "
                                  f"({row.outcome.value}) but not on the device", path,
                                  "the file was removed or renamed since the job, or the "
                                  "root is not the device's root", row.line))

    def hash(self, root: str, jobs: int | None, progress: HashProgress | None) -> None:
        counts = self.result.device
        assert counts is not None
        total = sum(row.size or 0 for _, row in self.to_hash.values())
        # Digests arrive in the order the threads finish them: the findings are sorted by
        # path before they are added, so the output (and the per-rule cap) is the same
        # with any --jobs.
        late: list[Diagnostic] = []
        try:
            digests = hash_files(root, sorted(self.to_hash), jobs, progress, total,
                                 self.idents)
        except OSError as exc:  # the root itself, swapped after the walk
            raise InputError(f"cannot open device root {root} again: {exc.strerror}",
                             root) from None
        for digest in digests:
            path, row = self.to_hash[digest.raw]
            if digest.md5 is None:
                late.append(self.err("MT718", f"{_quoted(path)}: cannot read: {digest.error}",
                                   path, "check the device", row.line))
                continue
            counts.hashed += 1
            counts.hashed_bytes += digest.size
            if digest.md5 == row.md5.lower() and digest.size == (row.size or digest.size):
                counts.md5_equal += 1
                continue
            late.append(self.err("MT714", f"{_quoted(path)}: MD5 {digest.md5} on the device, "
                               f"{row.md5} in the log", path, "the bytes differ: send it "
                               "again (it is in --retry)", row.line))
            self.retry.add(path)
        for d in sorted(late, key=lambda d: (d.path or "", d.rule)):
            self.found.add(d)


def reconcile(reader: LogReader, *, device: str | None = None,
              rules: KeyRules | None = None, error_count: int | None = None,
              jobs: int | None = None, progress: HashProgress | None = None,
              journal: JournalCheck | None = None) -> Reconciliation:
    """Read the log (streaming) and reconcile it with ``device``, if given.

    Without a device only the summary (and failed rows) are kept, so a log of any length
    costs bounded memory; with one, each row is kept until its file is found. The findings
    are the reader's, then the log's (failed rows, ErrorCount), then the device's. Raises
    ``InputError`` when the device root cannot be walked.
    """
    summary = LogSummary()
    # One capped collector for every finding after the reader's (MT719 of the index too).
    found = Capped(MAX_REPEATS)
    index = _Index(found, reader.name)
    # Without a device, blocks of loaded rows are only counted (Tally), never made.
    for batch in reader.counted(tallies=device is None):
        if isinstance(batch, Tally):
            summary.add_tally(batch)
            if journal is not None:
                journal.tally(batch)
            continue
        summary.add_rows(batch)
        if journal is not None:
            journal.rows(batch)
        if device is not None:
            for row in batch:
                index.add(row)
    kind = reader.kind or LogKind.IMPORT
    result = Reconciliation(kind, summary, reader.diagnostics, glacier=list(reader.glacier))
    for row in summary.failed:
        found.add(failed_finding(row, reader.name))
    count = error_count_finding(summary, error_count)
    if count is not None:
        found.add(count)
    # Export logs map objects to device paths by the export's own rules: matched by path.
    reconciler = _Reconciler(result, rules if kind is LogKind.IMPORT else None, index, found)
    if device is not None and kind is LogKind.GLACIER:
        result.notes.append("a Glacier import makes the whole device one archive: the log "
                            "names the archive, not files, so the device is not compared")
    elif device is not None:
        _compare_device(device, result, reconciler, journal, jobs, progress)
    result.retry = sorted(reconciler.retry)
    if journal is not None:
        _journal_findings(journal, result, found, reader.name)
    result.findings.extend(found.kept + found.overflow())
    return result


def _compare_device(device: str, result: Reconciliation, reconciler: _Reconciler,
                    journal: JournalCheck | None, jobs: int | None,
                    progress: HashProgress | None) -> None:
    result.device = DeviceCounts()
    for entry in walk(device):
        reconciler.entry(entry)
        if journal is not None:
            journal.device_entry(entry)
    reconciler.unmatched_rows()
    reconciler.hash(device, jobs, progress)


def _journal_findings(journal: JournalCheck, result: Reconciliation, found: Capped,
                      log: str) -> None:
    """The journal's findings; the files to send again become its source paths (the log's
    own failures among them)."""
    result.retry = journal.finish(result.device is not None, log, found)
    result.journal = JournalCounts(journal.journal.rows, journal.loaded,
                                   journal.not_compared, journal.journal.torn)
