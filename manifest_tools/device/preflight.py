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

import functools
import os
import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

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
from .keys import KeyRules, literal_shape
from .outcome import entry_outcome, file_outcome, key_bytes
from .walk import Entry, FileRun, Subtree, walk, walk_runs, walk_split, walk_subtree

if TYPE_CHECKING:
    from ..manifest.parse import Manifest

__all__ = ["FINDINGS_PER_RULE", "KEYS_HEADER", "KeyRow", "KeysText", "Preflight", "Summary",
           "display_path", "folder_name_problem", "run_preflight"]

ROWS_BATCH = 4096
# The hot path for runs of clean names (``_Scan.fast``); off, every file takes the full path.
# Public so that tests can compare both paths row for row.
FAST_PATH = True
# Keys shared by several files that the second walk names; more are only counted.
SUSPECTS_RESOLVED = 1000
PROGRESS_EVERY = 1024
# With ``jobs`` > 1: entries walked here before the root's remaining folders are walked by
# forked workers (``fanout``): a tree smaller than this never forks, and forking costs
# ~10 ms. Public so that tests can make small trees fork.
FORK_AFTER = 4096
# A worker sends its rows, key hashes and counts every this many files.
CHUNK_FILES = 8192
KEYS_HEADER = ("path", "key", "bytes", "action", "reason")

_AVOID = re.compile("[" + re.escape(S3_KEY_AVOID) + r"\x00-\x1f\x7f-\x9f]")
# Characters that need a closer look: what _UNCLEAN or _AVOID find. (A name like SIGNATURE
# is found with str.upper: an '(?i:signature)' branch here costs 4x the search.)
UNUSUAL = re.compile("[" + re.escape(S3_KEY_AVOID) + r"\x00-\x1f\x7f-\x9f\udc80-\udcff]")
_AVOID_CHARS = tuple(S3_KEY_AVOID)
# Root folders a file system makes itself (mkfs.ext4's lost+found): empty by design.
_FILESYSTEM_FOLDERS = frozenset({"lost+found"})
_first = itemgetter(0)
_second = itemgetter(1)


# One ``--keys`` CSV row, in KEYS_HEADER order: (path, key, bytes, action, reason).
# ``action`` is import, ignored or skipped; ``reason`` the rule id of a skip, ``signature``
# for the root SIGNATURE, ``ignore:<pattern>`` for an ignored file. A plain tuple: one is
# made per file, and csv.writer.writerow takes it as it is.
KeyRow = tuple[str, str, int, str, str]


@dataclass(frozen=True, slots=True)
class KeysText:
    """The key rows as text (the ``--keys`` CSV): ``render`` (a pure function of a list of
    rows) runs where the rows are made, in a forked worker too; ``write`` gets the texts,
    in walk order, in this process."""

    render: Callable[[list[KeyRow]], str]
    write: Callable[[str], object]

    def rows(self, rows: list[KeyRow]) -> None:
        self.write(self.render(rows))


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
    # literal_shape of each ignore pattern, in order (see ``searches``).
    anchors: tuple[tuple[str, str] | None, ...] = ()
    # In a forked worker: the key hashes in walk order, for the parent to note (``note``).
    hashes: list[int] | None = None
    # The rows as text (``on_rows`` is then its ``rows``): what lets workers make them.
    keys_text: KeysText | None = None

    def __post_init__(self) -> None:
        self.anchors = tuple(literal_shape(c.pattern) for _, c in self.rules.ignore)

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
        if (FAST_PATH and plain_name(names) and plain_name(prefix)
                and SIGNATURE_NAME not in names.upper() and self.plain_keys):
            self.fast(prefix, depth, files, names)
            return
        for name, size in files:
            self.file(Entry(prefix + name, "file", size, None, None, depth))

    def fast(self, prefix: str, depth: int, files: list[tuple[str, int]], joined: str
             ) -> None:
        """Files with clean names under rules whose substitutions can neither empty a name
        nor add a character S3 advises against (``plain_keys``); ``file`` takes any file
        that is empty, huge, ignored or gets a long key. What is left can only be imported
        (``outcome.file_outcome`` could refuse it only by MT609, which ``plain_keys`` rules
        out, or by size or key length, which the test below sends to ``file``): its key is
        ``KeyRules.s3_key``'s, the one formula (``run_keys``). A run where no file needs
        ``file`` (the common case, one test over the whole run) is handled in C-level
        loops: keys, hashes and rows made by ``map`` and ``zip``."""
        if not files:
            return
        names = list(map(_first, files))
        sizes = list(map(_second, files))
        relpaths = [prefix + name for name in names]
        keys = self.run_keys(prefix, names, relpaths, joined)
        patterns = self.searches(prefix, joined) if self.rules.ignore else []
        if (0 not in sizes and max(sizes) <= S3_OBJECT_LIMIT
                and max(map(len, keys)) <= S3_KEY_LIMIT // 4
                and not any(any(map(search, relpaths)) for search in patterns)):
            self.note(list(map(hash, map(str.lower, keys))))
            summary = self.summary
            summary.files += len(files)
            summary.keys += len(files)
            summary.bytes += sum(sizes)
            if self.on_rows is not None:
                self.rows.extend(zip(relpaths, keys, sizes, repeat("import"), repeat("")))
                if len(self.rows) >= ROWS_BATCH:
                    self.flush()
            return
        self.some_fast(depth, relpaths, keys, sizes, patterns)

    def some_fast(self, depth: int, relpaths: list[str], keys: list[str], sizes: list[int],
                  patterns: list[Callable[[str], object]]) -> None:
        """``fast`` file by file, for a run where some file needs ``file``."""
        summary, rows = self.summary, self.rows
        limit, keep, largest = S3_KEY_LIMIT // 4, self.on_rows is not None, S3_OBJECT_LIMIT
        count = total = 0
        for relpath, key, size in zip(relpaths, keys, sizes, strict=True):
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
            self.note((hash(key.lower()),))
            if keep:
                rows.append((relpath, key, size, "import", ""))
        summary.files += count
        summary.keys += count
        summary.bytes += total
        if len(rows) >= ROWS_BATCH:
            self.flush()

    def run_keys(self, prefix: str, names: list[str], relpaths: list[str], joined: str
                 ) -> list[str]:
        """``rules.s3_key`` of each ``prefix + name`` of a fast run. Under ``plain_keys`` no
        substitution's text holds '/' or is empty, so none can match across a '/', and
        ``str.replace`` of a key is that of each '/'-separated part: the names' parts are
        substituted all at once (joined by '/') and put after the folder's key, which ends
        with '/' (unless the run is in the root under a prefix without a final '/')."""
        rules = self.rules
        head = rules.s3_key(prefix)
        if not rules.substitutions:
            return [head + name for name in names]
        if not head.endswith("/") and head:
            return list(map(rules.s3_key, relpaths))
        tails = joined  # the names joined by '/'
        for old, new in rules.substitutions:
            tails = tails.replace(old, new)
        return [head + tail for tail in tails.split("/")]

    def note(self, hashes: Sequence[int]) -> None:
        """Remember key hashes, in walk order: one seen before makes a suspect. Bulk: when
        none was seen and none repeats, one set update (else one by one, in order)."""
        if self.hashes is not None:
            self.hashes.extend(hashes)
            return
        seen = self.seen
        if seen.isdisjoint(hashes):
            before = len(seen)
            seen.update(hashes)
            if len(seen) - before == len(hashes):
                return
            seen.difference_update(hashes)
        for folded in hashes:
            if folded in seen:
                self.suspect(folded)
            else:
                seen.add(folded)

    def searches(self, prefix: str, joined: str) -> list[
            Callable[[str], object]]:
        """The ignore patterns' searches the files of a fast run need, in order: a pattern
        that is plain text anchored at one end or not at all (``literal_shape``) is left
        out when the folder's names, looked at all at once, show it matches none of them
        (names of a fast run hold no '/' and no newline, so ``$`` is the end of the name)."""
        names = "/" + joined + "/"
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
        if plain_name(e.relpath) and SIGNATURE_NAME not in e.relpath.upper():
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
        self.note((hash(key.lower()),))
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


def plain_name(text: str) -> bool:
    """True when ``UNUSUAL`` finds nothing in ``text``. ASCII text (the common case) is
    printable (no C0 control, no DEL) and holds no character S3 advises against (a memchr
    each): ~1/3 of the instructions of the regex's character class, tried on every
    character."""
    if text.isascii():
        return text.isprintable() and not any(map(text.__contains__, _AVOID_CHARS))
    return UNUSUAL.search(text) is None


def _may_match(anchor: tuple[str, str], prefix: str, names: str) -> bool:
    """False only when no ``prefix + name`` (``names``: '/name/name/.../') can match the
    plain text ``anchor``: a suffix without '/' must end a name; a prefix is decided by
    the folder path, or must start a name once the folder path is used up; text without
    '/' found anywhere is in the folder path (which ends with '/') or in a name."""
    kind, text = anchor
    if kind == "suffix":
        return "/" in text or text + "/" in names
    if kind == "contains":
        return "/" in text or text in prefix or text in names
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
                  keys_text: KeysText | None = None,
                  progress: Callable[[Summary], object] | None = None,
                  jobs: int = 1) -> Preflight:
    """Check the device at ``root`` against ``manifest`` (bytes, or parsed); see the module
    doc.

    Raises :class:`InputError` when the root cannot be walked, :class:`UsageError` for a
    manifest that is not an S3 import or export. ``on_rows`` gets the key rows of an import;
    or ``keys_text`` gets them as text. ``jobs`` > 1: a big import tree's root-level
    folders are walked by that many forked workers (not with ``on_rows``: rows are only
    sent between processes as text); the results are the same, in the same order.
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
    import_job = job_type is JobType.IMPORT
    if keys_text is not None and on_rows is None:
        on_rows = keys_text.rows
    else:
        keys_text = None
    scan = _Scan(rules, on_rows if import_job else None, findings,
                 export=job_type is JobType.EXPORT,
                 key_may_avoid=any(_AVOID.search(text) for text in
                                   [rules.prefix, *(new for _, new in rules.substitutions)]),
                 plain_keys=_plain_rules(rules), keys_text=keys_text if import_job else None)
    _scan(root, scan, progress, jobs if scan.on_rows is None or scan.keys_text else 1)
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


def _scan(root: str, scan: _Scan, progress: Callable[[Summary], object] | None,
          jobs: int = 1) -> None:
    if scan.export:
        for e in walk(root):
            scan.existing(e)
        return
    if jobs > 1 and scan.hashes is None:
        from .fanout import can_fork

        if can_fork():
            _scan_forked(root, scan, progress, jobs)
            return
    every = PROGRESS_EVERY if progress is not None else 0
    seen = 0
    for item in walk_runs(root):
        seen += _feed(scan, item)
        if every and seen >= every and progress is not None:
            progress(scan.summary)
            seen = 0
    scan.flush()
    if progress is not None:
        progress(scan.summary)


def _feed(scan: _Scan, item: Entry | FileRun) -> int:
    """One item of the walk through the checks; the number of entries it holds."""
    if type(item) is FileRun:
        scan.run(item)
        return len(item.files)
    scan.other(item)  # type: ignore[arg-type]
    return 1


def _scan_forked(root: str, scan: _Scan, progress: Callable[[Summary], object] | None,
                 jobs: int) -> None:
    """``_scan`` with the root's folders walked by ``jobs`` forked workers once
    FORK_AFTER entries have been walked here (``fanout``: the same results, in the same
    order, as one walk). A worker checks a folder with a copy of ``scan``'s rules and
    sends, every CHUNK_FILES files, its rows (as text: ``scan.keys_text``), key hashes
    and counts, then its findings; they are merged here in walk order."""
    from .fanout import fan_out

    walked = 0

    def local(item: Entry | FileRun | Subtree) -> None:
        nonlocal walked
        if type(item) is Subtree:
            for inner in walk_subtree(root, item):
                walked += _feed(scan, inner)
        else:
            walked += _feed(scan, item)  # type: ignore[arg-type]
        if progress is not None:
            progress(scan.summary)

    def remote(item: Entry | FileRun | Subtree) -> bool:
        return type(item) is Subtree and walked >= FORK_AFTER

    def merge(message: tuple[Any, ...]) -> None:
        _merge(scan, message)
        if progress is not None:
            progress(scan.summary)

    fan_out(walk_split(root), remote, functools.partial(_work, root, scan), local, merge,
            jobs)
    scan.flush()


def _work(root: str, scan: _Scan, subtree: Subtree,
          send: Callable[[tuple[object, ...]], None]) -> None:
    """In a forked worker: check the folder ``subtree`` as ``scan`` would, sending
    ("rows", text, hashes, counts) every CHUNK_FILES files, then ("findings", kept, counts)."""
    texts: list[str] = []
    hashes: list[int] = []
    keys_text = scan.keys_text
    own = replace(scan, on_rows=None if keys_text is None else (
        lambda rows: texts.append(keys_text.render(rows))), findings=Findings(
        scan.findings.limit), summary=Summary(), seen=set(), suspects={}, rows=[],
        hashes=hashes)

    def chunk() -> None:
        own.flush()
        s = own.summary
        send(("rows", "".join(texts), array("q", hashes).tobytes(),
              (s.files, s.bytes, s.keys, s.ignored, s.skipped)))
        texts.clear()
        hashes.clear()
        own.summary = Summary()

    for item in walk_subtree(root, subtree):
        _feed(own, item)
        if len(hashes) >= CHUNK_FILES:
            chunk()
    chunk()
    send(("findings", own.findings.kept, own.findings.counts))


def _merge(scan: _Scan, message: tuple[Any, ...]) -> None:
    """A worker's message, in walk order (see ``_work``)."""
    if message[0] == "rows":
        _, text, hashes, counts = message
        scan.flush()  # this process's own rows come first
        if text and scan.keys_text is not None:
            scan.keys_text.write(text)
        scan.note(array("q", hashes))
        s = scan.summary
        s.files += counts[0]
        s.bytes += counts[1]
        s.keys += counts[2]
        s.ignored += counts[3]
        s.skipped += counts[4]
        return
    _, kept, counts = message
    findings = scan.findings
    for d in kept:
        findings.add(d)
    for rule, n in counts.items():
        # The worker's first ``limit`` findings of a rule were kept: the rest only counted.
        findings.counts[rule] += n - min(n, findings.limit)
