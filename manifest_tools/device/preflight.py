"""Preflight: check a device before it ships, and say which S3 key every file will get.

``run_preflight(root, manifest)`` (bytes, or the job loader's parse) walks the device
read-only (:mod:`.walk`), applies the manifest's key rules (:mod:`.keys`) and returns a
:class:`Preflight` whose ``findings`` are :class:`Diagnostic` objects with ``path`` set
(rule ids MT6xx, see ``rules.py``). It never writes: the caller gets one :data:`KeyRow` per
non-folder entry through ``on_rows`` (lists of about ``ROWS_BATCH`` rows in walk order,
reused after the call, for the ``--keys`` CSV: one call per batch, since a call per file
costs as much as the file's checks) and may pass ``progress`` to be told every
``PROGRESS_EVERY`` entries.

Memory stays bounded on large devices: key collisions are found with a set of hashes of the
lower-cased keys (an int per file, never the paths); only when a hash repeats does a second
walk collect the paths of the suspect keys, to name both files and to tell exact collisions
(MT608) from case-only ones (MT613). At most ``FINDINGS_PER_RULE`` findings of a rule are
kept; the rest are counted (MT623).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import TYPE_CHECKING

from ..aws import (
    DEVICE_LIMIT,
    EXPORT_FILESYSTEMS,
    IMPORT_FILESYSTEMS,
    S3_KEY_AVOID,
    S3_KEY_LIMIT,
    S3_OBJECT_LIMIT,
    SIGNATURE_NAME,
)
from ..diagnostics import Diagnostic, Severity
from ..errors import UsageError
from ..manifest.jobtype import JobType
from .export import export_checks, folder_name_problem
from .findings import FINDINGS_PER_RULE, Findings, display_path
from .keys import KeyRules, literal_anchor
from .outcome import entry_outcome, file_outcome, key_bytes
from .walk import Entry, FileRun, walk, walk_runs

if TYPE_CHECKING:
    from ..manifest.parse import Manifest

__all__ = ["FINDINGS_PER_RULE", "KEYS_HEADER", "KeyRow", "Preflight", "Summary",
           "display_path", "folder_name_problem", "run_preflight"]

ROWS_BATCH = 4096
# The hot path for runs of clean names (``_Scan.fast``); off, every file takes the full path.
# Public so that tests can compare both paths row for row.
FAST_PATH = True
# Keys shared by several files that the second walk names; more are only counted.
SUSPECTS_RESOLVED = 1000
PROGRESS_EVERY = 1024
KEYS_HEADER = ("path", "key", "bytes", "action", "reason")

_AVOID = re.compile("[" + re.escape(S3_KEY_AVOID) + r"\x00-\x1f\x7f-\x9f]")
# Characters that need a closer look: what _UNCLEAN or _AVOID find. (A name like SIGNATURE
# is found with str.upper: an '(?i:signature)' branch here costs 4x the search.)
_SLOW = re.compile("[" + re.escape(S3_KEY_AVOID) + r"\x00-\x1f\x7f-\x9f\udc80-\udcff]")
# Root folders a file system makes itself (mkfs.ext4's lost+found): empty by design.
_FILESYSTEM_FOLDERS = frozenset({"lost+found"})
_first = itemgetter(0)


# One ``--keys`` CSV row, in KEYS_HEADER order: (path, key, bytes, action, reason).
# ``action`` is import, ignored or skipped; ``reason`` the rule id of a skip, ``signature``
# for the root SIGNATURE, ``ignore:<pattern>`` for an ignored file. A plain tuple: one is
# made per file, and csv.writer.writerow takes it as it is.
KeyRow = tuple[str, str, int, str, str]


@dataclass(slots=True)
class Summary:
    files: int = 0
    bytes: int = 0
    keys: int = 0
    ignored: int = 0
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class Preflight:
    device: str
    manifest: str
    job_type: JobType
    filesystem: str | None
    mount_root: bool
    summary: Summary
    findings: tuple[Diagnostic, ...]
    notes: tuple[str, ...] = ()

    @property
    def errors(self) -> int:
        return sum(1 for d in self.findings if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.findings if d.severity is Severity.WARNING)


@dataclass(slots=True)
class _Scan:
    """One walk's state: counts, findings, collision hashes."""

    rules: KeyRules
    on_rows: Callable[[list[KeyRow]], object] | None
    findings: Findings
    summary: Summary = field(default_factory=Summary)
    seen: set[int] = field(default_factory=set)
    suspects: dict[int, None] = field(default_factory=dict)
    more_suspects: int = 0
    signature: Entry | None = None
    # Whether the prefix or a substitution's output can put a character S3 advises against
    # into a key whose path holds none (set from the rules).
    key_may_avoid: bool = False
    # Substitutions that can neither empty a name nor add such a character: keys of clean
    # names need no closer look (see ``fast``).
    plain_keys: bool = True
    rows: list[KeyRow] = field(default_factory=list)
    # An export device: only count what is there and find the SIGNATURE (the keys and
    # per-file rules are about data going to S3).
    export: bool = False
    # literal_anchor of each ignore pattern, in order (see ``searches``).
    anchors: tuple[tuple[str, str] | None, ...] = ()

    def __post_init__(self) -> None:
        self.anchors = tuple(literal_anchor(c.pattern) for _, c in self.rules.ignore)

    def row(self, path: str, key: str, size: int, action: str, reason: str) -> None:
        if action == "import":
            self.summary.keys += 1
        elif action == "ignored":
            self.summary.ignored += 1
        else:
            self.summary.skipped += 1
        if self.on_rows is not None:
            self.add_row((path, key, size, action, reason))

    def entry(self, e: Entry) -> None:
        if self.export:
            self.existing(e)
        elif e.kind == "file":
            self.file(e)
        else:
            self.other(e)

    def other(self, e: Entry) -> None:
        if e.kind == "dir":
            self.folder(e)
        else:
            self.special(e)

    def existing(self, e: Entry) -> None:
        if e.kind == "file":
            self.summary.files += 1
            self.summary.bytes += e.size
        if e.relpath == SIGNATURE_NAME:
            self.signature = e
        elif e.error is not None:
            self.findings.error("MT618", f"cannot be read ({e.error})", display_path(e.relpath))

    def folder(self, e: Entry) -> None:
        shown = display_path(e.relpath)
        if e.error is not None:
            self.findings.error("MT618", f"{e.error}; nothing below it was checked",
                                shown)
            self.outcome_row(e, shown)  # the dock logs it 400 IncompleteBody
        elif e.children == 0 and e.relpath not in _FILESYSTEM_FOLDERS:
            self.findings.warning("MT616", "empty folder; AWS imports files, not "
                                  "folders, so it will not exist in S3", shown)
        self.misplaced_signature(e, shown)

    def special(self, e: Entry) -> None:
        shown = display_path(e.relpath)
        if e.kind == "error":
            self.findings.error("MT618", f"cannot be read ({e.error})", shown)
            self.outcome_row(e, shown)
            return
        self.misplaced_signature(e, shown)
        if e.relpath == SIGNATURE_NAME:
            return  # reported as MT601 (not a regular file)
        what = {"symlink": "a symbolic link", "fifo": "a FIFO", "socket": "a socket"}.get(
            e.kind, "a device or other special file")
        self.findings.warning("MT617", f"{what}; not a regular file, so not imported "
                              "as data (the preflight does not follow it)", shown,
                              "replace it with the file itself, or remove it")
        self.outcome_row(e, shown)  # 103 Ignored, as the dock logs it

    def outcome_row(self, e: Entry, shown: str) -> None:
        """The row of an entry that never reaches the key rules (``entry_outcome``)."""
        outcome = entry_outcome(self.rules, e)
        if outcome is not None:
            self.row(shown, outcome.key, e.size, outcome.csv_action, outcome.reason)

    def misplaced_signature(self, e: Entry, shown: str) -> None:
        if e.relpath == SIGNATURE_NAME:
            self.signature = e
            return
        upper = e.name.upper()
        if upper != SIGNATURE_NAME and not upper.startswith(SIGNATURE_NAME + "."):
            return
        where = "in a subfolder" if e.depth > 1 else "spelt differently"
        self.findings.warning("MT602", f"a SIGNATURE {where}; AWS reads only the "
                              "file named exactly SIGNATURE in the root and imports this one "
                              "as an ordinary file", shown)

    def run(self, run: FileRun) -> None:
        """A run of regular files in one folder: the hot path. When nothing in the run needs
        a closer look (one search over all its names, see ``fast``), each file costs a
        key, an ignore search, a hash and a row; anything else goes through ``file``."""
        prefix, depth, files = run
        names = "/".join(map(_first, files))
        if (FAST_PATH and _SLOW.search(names) is None and _SLOW.search(prefix) is None
                and SIGNATURE_NAME not in names.upper() and self.plain_keys):
            self.fast(prefix, depth, files)
            return
        for name, size in files:
            self.file(Entry(prefix + name, "file", size, None, None, depth))

    def fast(self, prefix: str, depth: int, files: list[tuple[str, int]]) -> None:
        """Files with clean names under rules whose substitutions can neither empty a name
        nor add a character S3 advises against (``plain_keys``); ``file`` takes any file
        that is empty, huge, ignored or gets a long key. What is left can only be imported
        (``outcome.file_outcome`` could refuse it only by MT609, which ``plain_keys`` rules
        out, or by size or key length, which the test below sends to ``file``): its key is
        ``KeyRules.s3_key``'s, the one formula."""
        rules, summary, seen, rows = self.rules, self.summary, self.seen, self.rows
        s3_key = rules.s3_key
        patterns = self.searches(prefix, files) if rules.ignore else []
        limit, keep, largest = S3_KEY_LIMIT // 4, self.on_rows is not None, S3_OBJECT_LIMIT
        count = total = 0
        for name, size in files:
            relpath = prefix + name
            key = s3_key(relpath)
            hit = not size or size > largest or len(key) > limit
            for search in patterns:
                if hit or search(relpath) is not None:
                    hit = True
                    break
            if hit:
                self.file(Entry(relpath, "file", size, None, None, depth))
                continue
            count += 1
            total += size
            folded = hash(key.lower())
            if folded in seen:
                self.suspect(folded)
            else:
                seen.add(folded)
            if keep:
                rows.append((relpath, key, size, "import", ""))
        summary.files += count
        summary.keys += count
        summary.bytes += total
        if len(rows) >= ROWS_BATCH:
            self.flush()

    def searches(self, prefix: str, files: list[tuple[str, int]]) -> list[
            Callable[[str], object]]:
        """The ignore patterns' searches the files of a fast run need, in order: a pattern
        that is plain text anchored at one end (``literal_anchor``) is left out when the
        folder's names, looked at all at once, show it matches none of them (names of a
        fast run hold no '/' and no newline, so ``$`` is the end of the name)."""
        names = "/" + "/".join(map(_first, files)) + "/"
        found: list[Callable[[str], object]] = []
        for (_, compiled), anchor in zip(self.rules.ignore, self.anchors, strict=True):
            if anchor is None or _may_match(anchor, prefix, names):
                found.append(compiled.search)
        return found

    def file(self, e: Entry) -> None:
        """One regular file, every check (the fast path's fallback). A name with nothing unusual (no
        control character, no character S3 advises against, nothing like SIGNATURE: one
        search) goes straight to ``keyed``."""
        self.summary.files += 1
        self.summary.bytes += e.size
        if _SLOW.search(e.relpath) is None and SIGNATURE_NAME not in e.relpath.upper():
            self.keyed(e, e.relpath, self.key_may_avoid)
            return
        shown = self.unclean(e)
        if shown is not None:
            self.keyed(e, shown, True)

    def keyed(self, e: Entry, shown: str, check_avoid: bool) -> None:
        """The outcome of a file whose name is UTF-8 (``outcome.file_outcome``: the one the
        dock logs), and what keeps it from S3."""
        size = e.size
        outcome = file_outcome(self.rules, e.relpath, size)
        key = outcome.key
        if outcome.action != "import":
            if outcome.action == "refused":
                self.refusal(outcome.rule, size, shown, key)
            self.row(shown, key, size, outcome.csv_action, outcome.reason)
            return
        if size == 0 or (check_avoid and _AVOID.search(key) is not None):
            self.key_warnings(e, shown, key)
        folded = hash(key.lower())
        if folded in self.seen:
            self.suspect(folded)
        else:
            self.seen.add(folded)
        self.summary.keys += 1
        if self.on_rows is not None:
            self.rows.append((shown, key, size, "import", ""))
            if len(self.rows) >= ROWS_BATCH:
                self.flush()

    def add_row(self, row: KeyRow) -> None:
        self.rows.append(row)
        if len(self.rows) >= ROWS_BATCH:
            self.flush()

    def flush(self) -> None:
        """Hand the rows over; the list is then emptied in place and reused (the fast path
        holds it in a local), so ``on_rows`` must copy what it keeps."""
        if self.rows and self.on_rows is not None:
            self.on_rows(self.rows)
        self.rows.clear()

    def unclean(self, e: Entry) -> str | None:
        """The name as shown (escaped if need be), after the SIGNATURE checks; None (after
        MT605) when the name is not UTF-8."""
        shown = display_path(e.relpath)
        self.misplaced_signature(e, shown)
        if e.utf8:
            return shown
        self.findings.error("MT605", "the name is not valid UTF-8; AWS does not "
                            "import this file", shown, "rename it (e.g. with convmv)")
        self.outcome_row(e, shown)
        return None

    def refusal(self, rule: str, size: int, shown: str, key: str) -> None:
        """The finding for a file ``file_outcome`` refused by ``rule``."""
        if rule == "MT606":
            self.findings.error("MT606", f"{size:,} bytes is over S3's 5 TB object "
                                "limit; AWS lists it in the log and does not import it", shown)
        elif rule == "MT609":
            self.findings.error("MT609", f"the substitutions leave an empty name in "
                                f"the key '{display_path(key)}' (AWS: 400 "
                                "InvalidSubstitution)", shown)
        else:
            self.findings.error("MT607", f"the key is {key_bytes(key):,} bytes; S3 allows "
                                f"{S3_KEY_LIMIT:,}", shown, "shorten the path or the prefix")

    def key_warnings(self, e: Entry, shown: str, key: str) -> None:
        if _AVOID.search(key) is not None:
            self.findings.warning("MT610", f"the key '{display_path(key)}' holds "
                                  "characters S3 advises against", shown)
        if e.size == 0:
            self.findings.warning("MT615", "empty file (a zero-byte object in S3)",
                                  shown)

    def suspect(self, folded: int) -> None:
        """A hash seen before: remember it for the second walk (up to SUSPECTS_RESOLVED)."""
        if folded in self.suspects:
            return
        if len(self.suspects) < SUSPECTS_RESOLVED:
            self.suspects[folded] = None
        else:
            self.more_suspects += 1


def _may_match(anchor: tuple[str, str], prefix: str, names: str) -> bool:
    """False only when no ``prefix + name`` (``names``: '/name/name/.../') can match the
    anchored plain text ``anchor``: a suffix without '/' must end a name; a prefix is
    decided by the folder path, or must start a name once the folder path is used up."""
    kind, text = anchor
    if kind == "suffix":
        return "/" in text or text + "/" in names
    if len(text) <= len(prefix):
        return prefix.startswith(text)
    return text.startswith(prefix) and "/" + text[len(prefix):] in names


def _plain_rules(rules: KeyRules) -> bool:
    """True when no key of a clean name can need MT609 or MT610: the prefix and every
    substitution output hold no character S3 advises against, and no substitution output
    is empty or holds '/' (which could empty a name or double a slash)."""
    texts = [rules.prefix, *(new for _, new in rules.substitutions)]
    return not any(_AVOID.search(t) for t in texts) and all(
        new and "/" not in new and "/" not in old for old, new in rules.substitutions)


def _collisions(root: str, rules: KeyRules, suspects: dict[int, None],
                findings: Findings) -> None:
    """Second walk, only when hashes repeated: name the files behind each suspect key."""
    groups: dict[int, list[tuple[str, str]]] = {}
    for e in walk(root):
        if e.kind != "file" or not e.utf8:
            continue
        decision = file_outcome(rules, e.relpath, e.size)
        if decision.action != "import":
            continue
        folded = hash(decision.key.lower())
        if folded in suspects:
            group = groups.setdefault(folded, [])
            if len(group) < 50:  # enough to name them; a group of millions stays small
                group.append((display_path(e.relpath), decision.key))
    for group in groups.values():
        _report_group(group, findings)


def _report_group(group: list[tuple[str, str]], findings: Findings) -> None:
    by_key: dict[str, list[str]] = {}
    for path, key in group:
        by_key.setdefault(key, []).append(path)
    for key, paths in by_key.items():
        if len(paths) > 1:
            findings.error("MT608", f"{' and '.join(paths[:5])} all map to the key "
                           f"'{display_path(key)}'; AWS calls the result undefined", paths[0],
                           "rename one, or change the substitutions")
    if len(by_key) > 1:
        paths = [p[0] for p in by_key.values()]
        findings.warning("MT613", f"{' and '.join(paths[:5])} get keys that differ only in "
                         "case; they collide on case-insensitive file systems", paths[0])


# --- the device as a whole -------------------------------------------------------------------

def _device_checks(root: str, job_type: JobType, findings: Findings
                   ) -> tuple[str | None, bool, list[str]]:
    from .mounts import filesystem_name, find_mount

    notes: list[str] = []
    mount_root = os.path.ismount(root)
    if not mount_root:
        findings.warning("MT603", "not the root of a mounted file system; AWS reads the "
                         "device's root directory (fine for a rehearsal)", None)
    mount = find_mount(root)
    name = filesystem_name(mount) if mount is not None else None
    supported = IMPORT_FILESYSTEMS if job_type is JobType.IMPORT else EXPORT_FILESYSTEMS
    if name == "FAT":
        notes.append("the FAT variant could not be read from the device; AWS reads FAT32 "
                     "only (not FAT12/16 or exFAT)")
    elif name is not None and name not in supported:
        verb = "reads" if job_type is JobType.IMPORT else "writes"
        message = f"the file system is {name}; AWS {verb} {', '.join(sorted(supported))}"
        if mount_root:
            findings.error("MT604", message, None)
        else:
            findings.warning("MT604", message + " (this folder is a rehearsal?)", None)
    if mount_root:
        _capacity(root, findings)
    return name, mount_root, notes


def _capacity(root: str, findings: Findings) -> None:
    try:
        vfs = os.statvfs(root)
    except OSError:
        return
    capacity = vfs.f_blocks * vfs.f_frsize
    if capacity > DEVICE_LIMIT:
        findings.error("MT614", f"the device holds {capacity:,} bytes; AWS accepts devices "
                       f"up to 16 TB ({DEVICE_LIMIT:,} bytes)", None)


def _signature_checks(scan: _Scan) -> None:
    e = scan.signature
    if e is None:
        scan.findings.error("MT601", "no SIGNATURE file in the device root; AWS would end the "
                            "job with MissingSignature", SIGNATURE_NAME,
                            "manifest-tools write-signature DEVICE_ROOT --status STATUS")
    elif e.kind != "file":
        scan.findings.error("MT601", f"the root SIGNATURE is a {e.kind}, not a regular file",
                            SIGNATURE_NAME, "replace it with the file itself")


# --- the run -------------------------------------------------------------------------------

KeyRulesRead = tuple[KeyRules, Sequence[Diagnostic]]


def _manifest(manifest: bytes | Manifest, label: str, key_rules: KeyRulesRead | None
              ) -> tuple[dict[str, object], JobType, KeyRules, list[Diagnostic]]:
    """Parse (unless given parsed) and validate; the manifest's own errors become findings
    (MT611/MT612 come from the key rules instead, so they are not listed twice)."""
    from ..manifest.parse import parse_manifest
    from ..manifest.validate import check_manifest

    parsed = parse_manifest(manifest) if isinstance(manifest, bytes) else manifest
    job_type, diagnostics = check_manifest(parsed)
    if job_type not in (JobType.IMPORT, JobType.EXPORT):
        kind = "of no known job type" if job_type is None else job_type.described
        raise UsageError(f"{label}: preflight checks S3 import and S3 export devices; this "
                         f"manifest is {kind}")
    found = [replace(d, source=label)
             for d in diagnostics if d.is_error and d.rule not in ("MT611", "MT612")]
    rules, dropped = key_rules if key_rules is not None else KeyRules.located(parsed, label)
    return parsed.data, job_type, rules, [*found, *dropped]


def run_preflight(root: str | os.PathLike[str], manifest: bytes | Manifest,
                  manifest_label: str = "", *, key_rules: KeyRulesRead | None = None,
                  extra_findings: Iterable[Diagnostic] = (),
                  on_rows: Callable[[list[KeyRow]], object] | None = None,
                  progress: Callable[[Summary], object] | None = None) -> Preflight:
    """Check the device at ``root`` against ``manifest`` (bytes, or parsed); see the module
    doc.

    Raises :class:`InputError` when the root cannot be walked, :class:`UsageError` for a
    manifest that is not an S3 import or export. ``on_rows`` gets the key rows of an import.
    ``key_rules``: the manifest's rules and what they left out, already read
    (``KeyRules.located``), so a caller holding them does not build them again.
    ``extra_findings`` are added after the device's own, as they are: ``job.preflight``
    merges the failed checks of ``verify`` against get-status there (MT619).
    """
    root = os.fspath(root)
    data, job_type, rules, manifest_findings = _manifest(
        manifest, manifest_label or "manifest", key_rules)
    findings = Findings(FINDINGS_PER_RULE)
    for d in manifest_findings:
        findings.add(d)
    filesystem, mount_root, notes = _device_checks(root, job_type, findings)
    substitutions = rules.substitutions  # an export's folder names (export_checks)
    if job_type is not JobType.IMPORT:
        rules = KeyRules()
    scan = _Scan(rules, on_rows if job_type is JobType.IMPORT else None, findings,
                 export=job_type is JobType.EXPORT,
                 key_may_avoid=any(_AVOID.search(text) for text in
                                   [rules.prefix, *(new for _, new in rules.substitutions)]),
                 plain_keys=_plain_rules(rules))
    _scan(root, scan, progress)
    _signature_checks(scan)
    if scan.summary.bytes > DEVICE_LIMIT:
        findings.error("MT614", f"the files hold {scan.summary.bytes:,} bytes; AWS accepts "
                       "up to 16 TB per device", None)
    if scan.suspects:
        _collisions(root, rules, scan.suspects, findings)
    if scan.more_suspects:
        findings.error("MT608", f"{scan.more_suspects:,} more keys are each shared by several "
                       "files (not named: fix the ones listed and run again)", None)
    if job_type is JobType.EXPORT:
        notes.extend(export_checks(root, data, substitutions, filesystem, findings))
    for d in extra_findings:
        findings.add(d)
    return Preflight(root, manifest_label, job_type, filesystem, mount_root, scan.summary,
                     findings.finish(), tuple(notes))


def _scan(root: str, scan: _Scan, progress: Callable[[Summary], object] | None) -> None:
    if scan.export:
        for e in walk(root):
            scan.existing(e)
        return
    run, other = scan.run, scan.other
    every = PROGRESS_EVERY if progress is not None else 0
    seen = 0
    for item in walk_runs(root):
        if type(item) is FileRun:
            run(item)
            seen += len(item.files)
        else:
            other(item)  # type: ignore[arg-type]
            seen += 1
        if every and seen >= every and progress is not None:
            progress(scan.summary)
            seen = 0
    scan.flush()
    if progress is not None:
        progress(scan.summary)
