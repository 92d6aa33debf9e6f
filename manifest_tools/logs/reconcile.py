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
from ..diagnostics import Diagnostic, Severity, clip
from ..errors import InputError
from .hashing import HashProgress, hash_files
from .model import GlacierRecord, LogKind, LogRow, Outcome
from .read import MAX_REPEATS, LogReader, Tally
from .summary import LogSummary, error_count_finding, failed_finding

if TYPE_CHECKING:  # the rules come from the caller (the manifest's, if one is given)
    from ..device.keys import KeyRules

__all__ = ["DeviceCounts", "Reconciliation", "reconcile"]


@dataclass
class DeviceCounts:
    files: int = 0
    bytes: int = 0
    matched: int = 0
    hashed: int = 0
    hashed_bytes: int = 0
    md5_equal: int = 0
    not_compared: int = 0


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

    @property
    def clean(self) -> bool:
        """No failure in the log and, if a device was given, no difference: exit 0."""
        return not any(d.is_error for d in self.findings)


class _Findings:
    """Findings with the per-rule cap the reader uses."""

    def __init__(self, into: list[Diagnostic]) -> None:
        self.items = into
        self.counts: dict[str, int] = {}

    def add(self, d: Diagnostic) -> None:
        n = self.counts[d.rule] = self.counts.get(d.rule, 0) + 1
        if n <= MAX_REPEATS:
            self.items.append(d)

    def close(self) -> None:
        for rule, n in sorted(self.counts.items()):
            if n > MAX_REPEATS:
                self.items.append(Diagnostic(rule, Severity.WARNING,
                                             f"{n - MAX_REPEATS} more {rule} findings not "
                                             "listed"))


def _object_key(row: LogRow) -> str:
    """The row's key inside its bucket: the guide writes '/mybucket/myprefix/a.jpg' (field
    table) and 'myawsbucket/Notice.txt' (examples); the first name is the bucket."""
    key = row.key[1:] if row.key.startswith("/") else row.key
    return key.split("/", 1)[1] if "/" in key else key


class _Index:
    """The log's rows by device path, by object key and by NFC-normalised path."""

    def __init__(self, found: _Findings) -> None:
        self.by_path: dict[str, LogRow] = {}
        self.by_key: dict[str, str] = {}
        self.by_nfc: dict[str, str] = {}
        self.seen: set[str] = set()
        self._found = found

    def add(self, row: LogRow) -> None:
        path = row.relpath
        if path in self.by_path:
            self._found.add(Diagnostic(
                "MT719", Severity.WARNING, f"{clip(path)!r} has more than one row; the last "
                f"one (line {row.line}) is used", row.line, path=path))
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


def _error(rule: str, message: str, path: str, hint: str, line: int = 1) -> Diagnostic:
    return Diagnostic(rule, Severity.ERROR, message, line, 1, hint=hint, path=path)


def _warning(rule: str, message: str, path: str, hint: str | None = None,
             line: int = 1) -> Diagnostic:
    return Diagnostic(rule, Severity.WARNING, message, line, 1, hint=hint, path=path)


class _Reconciler:
    def __init__(self, result: Reconciliation, rules: KeyRules | None,
                 index: _Index, found: _Findings) -> None:
        self.result = result
        self.rules = rules
        self.index = index
        self.found = found
        self.retry: set[str] = {r.relpath for r in result.summary.failed}
        self.to_hash: dict[bytes, tuple[str, LogRow]] = {}
        self.idents: dict[bytes, tuple[int, int]] = {}

    def entry(self, entry: Entry) -> None:
        counts = self.result.device
        assert counts is not None
        if entry.kind == "dir" and entry.error is None:
            return
        key = self.rules.s3_key(entry.relpath) if self.rules else None
        row = self.index.find(entry.relpath, key if self.result.kind is LogKind.IMPORT
                              else None)
        if entry.kind != "file" or entry.error is not None:
            self._special(entry, row)
            return
        counts.files += 1
        counts.bytes += entry.size
        if row is None:
            self._missing_row(entry)
            return
        counts.matched += 1
        outcome = row.outcome
        if outcome is Outcome.IGNORED:
            self._ignored(entry, row)
        elif outcome is Outcome.LOADED:
            self._loaded(entry, row, key)

    def _special(self, entry: Entry, row: LogRow | None) -> None:
        if row is None and entry.error is None:
            return  # folders, links, FIFOs: the preflight's business, not the log's
        what = entry.error or f"a {entry.kind}, not a regular file"
        self.found.add(_error("MT718", f"{clip(entry.relpath)!r}: {what}; not compared",
                              entry.relpath, "check the device; the file cannot be compared "
                              "with the log", row.line if row else 1))

    def _missing_row(self, entry: Entry) -> None:
        if entry.relpath == SIGNATURE_NAME:
            return  # the job's own SIGNATURE: 103 Ignored when present; nothing to send
        what = "imported" if self.result.kind is LogKind.IMPORT else "written by the export"
        self.found.add(_error("MT711", f"{clip(entry.relpath)!r} is on the device but not in "
                              f"the log: it was not {what}", entry.relpath,
                              "send it again (it is in --retry), or check that this is the "
                              "device and the log of one job"))
        self.retry.add(entry.relpath)

    def _ignored(self, entry: Entry, row: LogRow) -> None:
        if self.rules is None or entry.relpath == SIGNATURE_NAME:
            return
        if self.rules.ignored_by(entry.relpath) is None:
            self.found.add(_error("MT716", f"{clip(entry.relpath)!r} was ignored by AWS "
                                  "(103 Ignored) but no ignore pattern of the manifest "
                                  "matches it", entry.relpath, "send it again (it is in "
                                  "--retry); check the manifest AWS used (CurrentManifest)",
                                  row.line))
            self.retry.add(entry.relpath)

    def _loaded(self, entry: Entry, row: LogRow, key: str | None) -> None:
        if self.rules is not None:
            self._check_rules(entry, row, key)
        if row.size is not None and row.size != entry.size:
            self.found.add(_error("MT713", f"{clip(entry.relpath)!r} is {entry.size} bytes "
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

    def _check_rules(self, entry: Entry, row: LogRow, key: str | None) -> None:
        if self.rules is None:
            return
        pattern = self.rules.ignored_by(entry.relpath)
        if pattern is not None:
            self.found.add(_warning("MT717", f"{clip(entry.relpath)!r} matches the ignore "
                                    f"pattern {clip(pattern, 40)!r} but AWS loaded it",
                                    entry.relpath, "the manifest AWS used may differ from "
                                    "this one", row.line))
        elif key is not None and row.key and _object_key(row) != key and \
                self.result.kind is LogKind.IMPORT:
            self.found.add(_warning("MT717", f"{clip(entry.relpath)!r} was loaded as "
                                    f"{clip(_object_key(row))!r}, but the manifest's rules "
                                    f"give {clip(key)!r}", entry.relpath, "the manifest AWS "
                                    "used may differ from this one", row.line))

    def _not_compared(self, entry: Entry, row: LogRow) -> None:
        assert self.result.device is not None
        self.result.device.not_compared += 1
        why = (f"the log's MD5 {row.md5!r} is a multipart upload ETag, not the file's MD5"
               if row.md5 else "the log has no MD5 for it")
        self.found.add(_warning("MT715", f"{clip(entry.relpath)!r}: {why}; the size matches, "
                                "the content was not compared", entry.relpath,
                                "compare it with the object in S3 (aws s3api head-object, "
                                "or download it)", row.line))

    def unmatched_rows(self) -> None:
        for path, row in self.index.by_path.items():
            if path in self.index.seen or row.outcome is Outcome.FAILED:
                continue
            if path == SIGNATURE_NAME:
                continue
            self.found.add(_error("MT712", f"{clip(path)!r} is in the log "
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
                late.append(_error("MT718", f"{clip(path)!r}: cannot read: {digest.error}",
                                   path, "check the device", row.line))
                continue
            counts.hashed += 1
            counts.hashed_bytes += digest.size
            if digest.md5 == row.md5.lower() and digest.size == (row.size or digest.size):
                counts.md5_equal += 1
                continue
            late.append(_error("MT714", f"{clip(path)!r}: MD5 {digest.md5} on the device, "
                               f"{row.md5} in the log", path, "the bytes differ: send it "
                               "again (it is in --retry)", row.line))
            self.retry.add(path)
        for d in sorted(late, key=lambda d: (d.path or "", d.rule)):
            self.found.add(d)


def reconcile(reader: LogReader, *, device: str | None = None,
              rules: KeyRules | None = None, error_count: int | None = None,
              jobs: int | None = None, progress: HashProgress | None = None) -> Reconciliation:
    """Read the log (streaming) and reconcile it with ``device``, if given.

    Without a device only the summary (and failed rows) are kept, so a log of any length
    costs bounded memory; with one, each row is kept until its file is found. The findings
    are the reader's, then the log's (failed rows, ErrorCount), then the device's. Raises
    ``InputError`` when the device root cannot be walked.
    """
    summary = LogSummary()
    index_found: list[Diagnostic] = []
    index = _Index(_Findings(index_found))
    # Without a device, blocks of loaded rows are only counted (Tally), never made.
    for batch in reader.counted(tallies=device is None):
        if isinstance(batch, Tally):
            summary.add_tally(batch)
            continue
        summary.add_rows(batch)
        if device is not None:
            for row in batch:
                index.add(row)
    kind = reader.kind or LogKind.IMPORT
    result = Reconciliation(kind, summary, reader.diagnostics + index_found,
                            glacier=list(reader.glacier))
    found = _Findings(result.findings)
    for row in summary.failed:
        found.add(failed_finding(row))
    count = error_count_finding(summary, error_count)
    if count is not None:
        found.add(count)
    # Export logs map objects to device paths by the export's own rules: matched by path.
    reconciler = _Reconciler(result, rules if kind is LogKind.IMPORT else None, index, found)
    if device is not None and kind is LogKind.GLACIER:
        result.notes.append("a Glacier import makes the whole device one archive: the log "
                            "names the archive, not files, so the device is not compared")
    elif device is not None:
        result.device = DeviceCounts()
        for entry in walk(device):
            reconciler.entry(entry)
        reconciler.unmatched_rows()
        reconciler.hash(device, jobs, progress)
    found.close()
    result.retry = sorted(reconciler.retry)
    return result
