"""The text forms of get-status output: the CLI's ``--output text`` and documentation copies.

The CLI writes every scalar member in sorted key order joined by one TAB, strings raw, so a
value holding a TAB or newline is indistinguishable from a column boundary by counting. We
instead segment the record into the sorted members by *shape*: each member either has a
known form (JobType, LocationCode, ErrorCount, Signature, ...) or is free text, and a small
dynamic programme over the units (TAB-separated pieces, or whitespace-separated tokens for
documentation copies) picks the cheapest assignment. Strong anchors earn a negative cost,
swallowing a separator into a value costs, and ties between optimal assignments are the
fields reported as uncertain. Work is O(units x members x span), spans are capped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

from ..aws import DNS_BUCKET, JOB_ID_SHAPE, LOCATION_CODES, PROGRESS_CODES
from ..diagnostics import Diagnostic, warning
from ..errors import StatusFormatError
from .model import INTEGER, Artifact, JobStatus, StatusForm, StatusReading, fail

# ``aws ... --output text`` prints scalar members sorted by name (Python's sorted()).
TEXT_ORDER: tuple[str, ...] = (
    "Carrier", "CreationDate", "CurrentManifest", "ErrorCount", "JobId", "JobType",
    "LocationCode", "LocationMessage", "LogBucket", "LogKey", "ProgressCode",
    "ProgressMessage", "Signature", "SignatureFileContents", "TrackingNumber", "WarningMessage",
)

CARRIERS = frozenset({"ups", "fedex", "usps", "dhl"})

STRONG = -5  # a member of unmistakable shape
INF = 1 << 30
# Bounds on the DP for hostile input: real records have a few dozen units, a manifest a few
# hundred. Work is at most MAX_UNITS x (MAX_MANIFEST_UNITS + 3 x MAX_MESSAGE_UNITS).
MAX_UNITS = 1_000
MAX_MANIFEST_UNITS = 400
MAX_MESSAGE_UNITS = 40

_JOB_ID_LENIENT = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_CAMEL = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z]*)*")
_SIGNATURE = re.compile(r"[A-Za-z0-9+/]{27}=")
_SIG_FILE = re.compile(
    r"version:[^\n]*\nsigningMethod:[^\n]*\njobId:[^\n]*\nsignature:[^\n]*\n?")
_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?")
_ANY_BUCKET = re.compile(r"[A-Za-z0-9._-]{1,255}")
_LOCATION_WORD = re.compile(r"(?:^|\s)(?:AtAWS|NotReceived|Returned)(?:\s|$)")
_LOG_KEY = re.compile(r"\S*(?:import|export)-log-\S+")
# A manifest names its buckets; a LogBucket equal to one is a strong anchor.
_MANIFEST_BUCKET = re.compile(r"^[ \t]*(?:logBucket|bucket)[ \t]*:[ \t]*(\S+)", re.MULTILINE)

MULTILINE = frozenset({"CurrentManifest", "SignatureFileContents"})
# Members whose value may hold TABs (text form) or run over many tokens (documentation).
_LONG = frozenset({"CurrentManifest", "LocationMessage", "ProgressMessage", "WarningMessage"})
# Documentation form: short free-text members may hold a few spaces.
_SHORT_FREE = {"Carrier": 3, "TrackingNumber": 3, "LogKey": 3, "SignatureFileContents": 4}
# Anchors that make an input recognisably get-status output (besides JobId).
_ANCHORS = frozenset({"JobType", "LocationCode", "ProgressCode", "ErrorCount", "Signature",
                      "SignatureFileContents", "CreationDate"})


@dataclass(frozen=True)
class _Units:
    """The record split into units: tokens ``spans[i]`` separated by ``seps[i]`` (before i)."""

    record: str
    spans: list[tuple[int, int]]
    seps: list[str]  # seps[0] == ""


def read_text_status(text: str) -> StatusReading:
    """Read the CLI text form, else a documentation copy of it; MT501 when neither fits."""
    if ("\t" in text and not text[:1].isspace()) or text[:1] == "\t":
        try:
            return _read_cli_text(text)
        except StatusFormatError:
            pass  # TABs present but not the CLI layout: maybe a partly re-rendered copy
    return _read_documentation(text)


# --- the CLI text form ------------------------------------------------------------------------

def _read_cli_text(text: str) -> StatusReading:
    body = text if text.endswith("\n") else text + "\n"
    artifacts: list[Artifact] = []
    while True:
        start = body.rfind("\n", 0, len(body) - 1) + 1
        line = body[start:-1]
        if not line.startswith("ARTIFACTLIST\t"):
            break
        rest = line[len("ARTIFACTLIST\t"):]
        artifacts.append(_artifact(*rest.rsplit("\t", 1)) if "\t" in rest else _artifact(rest))
        body = body[:start]
        if not body:
            fail("only ARTIFACTLIST lines; expected a get-status record before them")
    artifacts.reverse()
    record = body[:-1]
    spans: list[tuple[int, int]] = []
    seps: list[str] = []
    pos = 0
    while True:
        tab = record.find("\t", pos)
        seps.append("\t" if spans else "")
        spans.append((pos, len(record) if tab < 0 else tab))
        if tab < 0:
            break
        pos = tab + 1
    units = _Units(record, spans, seps)
    chosen, uncertain = _segment(units, _TextCosts(record))
    values = {m: record[a:b] for m, (a, b) in chosen.items()}
    return _reading(values, artifacts, "text", uncertain, [])


def _artifact(*columns: str) -> Artifact:
    if len(columns) == 2:
        return Artifact(columns[0], columns[1])
    # The CLI prints only the columns some item has; a lone column is a URL if it looks so.
    only = columns[0]
    return Artifact("", only) if "://" in only else Artifact(only, "")


# --- documentation copies -----------------------------------------------------------------------

_WS = re.compile(r"[^ \t\r\n]+")
_ART_DOC = re.compile(r"ARTIFACTLIST[ \t]+(?:(.*?)[ \t]+)?(\S+)[ \t\r]*")


def _read_documentation(text: str) -> StatusReading:
    lines = text.split("\n")
    trailing_blank = 0
    while lines and not lines[-1].strip():
        lines.pop()
        trailing_blank += 1
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        fail("input is empty")
    indent = min(len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip())
    lines = [ln[indent:] if ln.strip() else ln.strip(" \t") for ln in lines]
    uncertain: set[str] = set()
    notes: list[Diagnostic] = []
    artifacts: list[Artifact] = []
    while lines:
        m = _ART_DOC.fullmatch(lines[-1])
        if m is None:
            break
        desc = m.group(1) or ""
        if re.search(r"\S {2,}\S", desc):
            uncertain.add("ArtifactList")
        artifacts.append(Artifact(desc, m.group(2)))
        lines.pop()
    artifacts.reverse()
    # Trailing blank lines of the record (a SIGNATURE text's own final newline) survive only
    # when ARTIFACTLIST lines follow; at the very end documents often trim them.
    record_tail_newlines = 0
    while lines and not lines[-1].strip():
        lines.pop()
        record_tail_newlines += 1
    if not lines:
        fail("only ARTIFACTLIST lines; expected a get-status record before them")
    if not artifacts:
        record_tail_newlines = trailing_blank - 1 if trailing_blank else 0
    record = "\n".join(lines)
    spans = [(m.start(), m.end()) for m in islice(_WS.finditer(record), MAX_UNITS + 1)]
    if len(spans) > MAX_UNITS:
        fail("too many words for get-status output")
    seps = [""] + [record[spans[i - 1][1]:spans[i][0]] for i in range(1, len(spans))]
    units = _Units(record, spans, seps)
    chosen, tied = _segment(units, _DocCosts(record))
    uncertain |= tied
    values: dict[str, str] = {}
    for member, (a, b) in chosen.items():
        value = record[a:b]
        if member in MULTILINE:
            value, unsure = _multiline_tail(record, b, value, member, record_tail_newlines,
                                            bool(artifacts) or trailing_blank > 0)
            if unsure:
                uncertain.add(member)
        if member == "CurrentManifest" and re.search(r"[^ \t\r\n] {2,}[^ \r\n]", value):
            # Runs of spaces inside a line may have been TABs before the copy expanded them.
            uncertain.add(member)
            notes.append(warning("MT503", "CurrentManifest holds runs of spaces that may have "
                                 "been TABs; its inner whitespace is as the copy shows it",
                                 pointer="/CurrentManifest"))
        values[member] = value
    notes.insert(0, warning(
        "MT502", "the text had lost its TABs (a documentation or e-mail copy); columns were "
        "recovered by anchoring on fields of known shape", hint="read the --output json "
        "form for exact values"))
    return _reading(values, artifacts, "documentation", uncertain, notes)


def _multiline_tail(record: str, end: int, value: str, member: str, tail_newlines: int,
                    tail_known: bool) -> tuple[str, bool]:
    """Does the newline after a multi-line value belong to it? (value, uncertain)."""
    nxt = _WS.search(record, end)
    if nxt is None:  # the value ends the record
        if tail_newlines >= 1:
            return value + "\n", not tail_known
        return value, member == "SignatureFileContents" and not tail_known
    gap = record[end:nxt.start()]
    nl = gap.find("\n")
    if nl < 0:
        return value, False  # same line: no newline was printed there
    head = gap[:nl + 1]  # "\r\n" or "\n": the value's own line ending
    if gap[nl + 1:]:
        # The next column starts indented: the TAB before it became that indentation.
        return value + head, False
    # The next column starts at the margin: the copy broke the line, or lost a TAB there.
    return (value + head if member == "CurrentManifest" else value), True


# --- shared: the segmentation --------------------------------------------------------------------

class _Costs:
    """Cost of a member's value; None when the value cannot be that member."""

    def __init__(self, record: str) -> None:
        self.record = record
        self.buckets = frozenset(m.group(1) for m in _MANIFEST_BUCKET.finditer(record))
        # WarningMessage comes from create-job, which prints no LocationCode.
        self.get_status = _LOCATION_WORD.search(record) is not None

    def max_units(self, member: str, n: int) -> int:
        return _long_units(member) if member in _LONG else 1

    def absorb(self, member: str, sep: str) -> int | None:
        raise NotImplementedError

    # How much worse than the best reading a rival may be and still make a field uncertain.
    margin = 0

    def boundary(self, sep: str) -> int:
        return 0

    def shape(self, member: str, a: int, b: int) -> int | None:
        record = self.record
        if member == "CurrentManifest":
            return -2 if record.startswith("manifestVersion", a) else 0
        if member in ("LocationMessage", "ProgressMessage"):
            if record.find("\n", a, b) >= 0:
                return None
            # Messages are sentences; a lone word is as likely another column.
            return 0 if record.find(" ", a, b) >= 0 else 1
        value = record[a:b]
        return _SHAPES[member](value, self)


def _job_id(v: str, c: _Costs) -> int | None:
    if JOB_ID_SHAPE.fullmatch(v):
        return STRONG
    return -1 if _JOB_ID_LENIENT.fullmatch(v) else None


def _progress(v: str, c: _Costs) -> int | None:
    if v in PROGRESS_CODES:
        return STRONG
    return -1 if _CAMEL.fullmatch(v) else None


def _one_line(v: str) -> bool:
    return "\n" not in v and "\r" not in v


def _carrier(v: str, c: _Costs) -> int | None:
    if not _one_line(v):
        return None
    if v.lower() in CARRIERS:
        return -2
    return 1 if not v else 0


def _tracking(v: str, c: _Costs) -> int | None:
    if not _one_line(v):
        return None
    if not v or " " in v:
        return 1
    return -1 if any(ch.isdigit() for ch in v) else 0


def _warning_message(v: str, c: _Costs) -> int | None:
    # Shares the last column with TrackingNumber (create-job vs get-status): a sentence
    # is a warning, a single word more likely a tracking number.
    if not _one_line(v):
        return None
    return (0 if " " in v else 1) + (3 if c.get_status else 0)


def _bucket(v: str, c: _Costs) -> int | None:
    if v in c.buckets:
        return -3
    if DNS_BUCKET.fullmatch(v):
        return 0
    return 2 if not v or _ANY_BUCKET.fullmatch(v) else None


def _log_key(v: str, c: _Costs) -> int | None:
    if not _one_line(v):
        return None
    if _LOG_KEY.fullmatch(v):
        return -3
    return 2 if not v or " " in v else 1


def _exact(pattern: re.Pattern[str]) -> Callable[[str, _Costs], int | None]:
    def shape(v: str, c: _Costs) -> int | None:
        return STRONG if pattern.fullmatch(v) else None

    return shape


def _member_of(values: frozenset[str]) -> Callable[[str, _Costs], int | None]:
    def shape(v: str, c: _Costs) -> int | None:
        return STRONG if v in values else None

    return shape


_SHAPES: dict[str, Callable[[str, _Costs], int | None]] = {
    "Carrier": _carrier,
    "CreationDate": _exact(_DATE),
    "ErrorCount": _exact(INTEGER),
    "JobId": _job_id,
    "JobType": _member_of(frozenset({"Import", "Export"})),
    "LocationCode": _member_of(LOCATION_CODES),
    "LogBucket": _bucket,
    "LogKey": _log_key,
    "ProgressCode": _progress,
    "Signature": _exact(_SIGNATURE),
    "SignatureFileContents": _exact(_SIG_FILE),
    "TrackingNumber": _tracking,
    "WarningMessage": _warning_message,
}

# Every get-status and create-job output has a JobId and a JobType: leaving one out costs.
_SKIP = {"JobId": 6, "JobType": 3}

JOIN = 4  # a TAB inside a value: possible (a manifest line), but rarer than a boundary


def _long_units(member: str) -> int:
    return MAX_MANIFEST_UNITS if member == "CurrentManifest" else MAX_MESSAGE_UNITS


class _TextCosts(_Costs):
    def absorb(self, member: str, sep: str) -> int | None:
        return JOIN if member in _LONG else None


class _DocCosts(_Costs):
    # A copy has lost the TABs: readings a couple of boundary costs apart are both plausible.
    margin = 2

    def max_units(self, member: str, n: int) -> int:
        if member in _LONG:
            return _long_units(member)
        return _SHORT_FREE.get(member, 1)

    def absorb(self, member: str, sep: str) -> int | None:
        if "\n" in sep:
            return 0 if member in MULTILINE else None
        if member in MULTILINE:
            return 0
        # A run of spaces inside a one-line value was more likely a column boundary.
        return 0 if len(sep) == 1 else 1

    def boundary(self, sep: str) -> int:
        # Copies expand TABs (several spaces) or break lines; a single space is weaker.
        return 0 if "\n" in sep or len(sep) > 1 else 1


def _segment(units: _Units, costs: _Costs) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """Assign units to members in TEXT_ORDER; return the chosen spans and tied members."""
    spans, seps = units.spans, units.seps
    n, nm = len(spans), len(TEXT_ORDER)
    if n > MAX_UNITS:
        fail("too many columns for get-status output")
    # trans[i][j]: (end unit k, cost) for member j starting at unit i.
    trans: list[list[list[tuple[int, int]]]] = [[[] for _ in range(nm)] for _ in range(n)]
    for i in range(n):
        start = spans[i][0]
        lead = costs.boundary(seps[i]) if i else 0
        for j, member in enumerate(TEXT_ORDER):
            absorbed = 0
            limit = min(n, i + costs.max_units(member, n))
            out = trans[i][j]
            if member == "CurrentManifest":
                # Its shape depends on the start only and it takes any separator: the
                # long span loop stays cheap (this member dominates the DP's work).
                base = costs.shape(member, start, start)
                assert base is not None
                absorb = [costs.absorb(member, sep) or 0 for sep in seps[i + 1:limit]]
                total = lead + base
                out.append((i + 1, total))
                for k, joined in enumerate(absorb, i + 2):
                    total += joined
                    out.append((k, total))
                continue
            for k in range(i + 1, limit + 1):
                if k > i + 1:
                    extra = costs.absorb(member, seps[k - 1])
                    if extra is None:
                        break
                    absorbed += extra
                c = costs.shape(member, start, spans[k - 1][1])
                if c is not None:
                    out.append((k, lead + absorbed + c))
    skip = [_SKIP.get(m, 0) for m in TEXT_ORDER]
    best = [[INF] * (nm + 1) for _ in range(n + 1)]
    best[n] = [sum(skip[j:]) for j in range(nm + 1)]
    for i in range(n - 1, -1, -1):
        row = best[i]
        for j in range(nm - 1, -1, -1):
            value = skip[j] + row[j + 1] if row[j + 1] < INF else INF
            for k, c in trans[i][j]:
                if best[k][j + 1] < INF:
                    value = min(value, c + best[k][j + 1])
            row[j] = value
    if best[0][0] >= INF:
        fail("the text does not split into get-status columns (JobId, JobType, ...)")
    path = _one_optimal(trans, best, skip, n)
    chosen = {TEXT_ORDER[j]: (spans[i][0], spans[k - 1][1]) for j, i, k in path}
    present = set(chosen)
    strong = {m for m in present & _ANCHORS
              if costs.shape(m, *chosen[m]) == STRONG}
    if "JobId" not in present or len(strong) < 2:
        fail("no get-status record found: expected a JobId and fields such as JobType, "
              "ProgressCode or Signature")
    return chosen, _rivals(trans, best, skip, path, n, costs.margin)


def _one_optimal(trans: list[list[list[tuple[int, int]]]], best: list[list[int]],
                 skip: list[int], n: int) -> list[tuple[int, int, int]]:
    """One optimal assignment as (member, first unit, end unit); the first option wins ties."""
    path: list[tuple[int, int, int]] = []
    i = j = 0
    while i < n:
        target = best[i][j]
        for k, c in trans[i][j]:
            if c + best[k][j + 1] == target:
                path.append((j, i, k))
                i = k
                break
        j += 1  # no transition fits: member j is absent here
    return path


def _rivals(trans: list[list[list[tuple[int, int]]]], best: list[list[int]], skip: list[int],
            path: list[tuple[int, int, int]], n: int, margin: int) -> set[str]:
    """Members that another assignment within ``margin`` of the optimum reads differently.

    ``ahead[i][j]`` is the cheapest way to reach unit i with member j next; a member is
    uncertain when some other span for it (or its absence) fits in ``ahead + span + best``.
    """
    nm = len(TEXT_ORDER)
    ahead = [[INF] * (nm + 1) for _ in range(n + 1)]
    ahead[0][0] = 0
    for i in range(n + 1):
        for j in range(nm):
            here = ahead[i][j]
            if here >= INF:
                continue
            if here + skip[j] < ahead[i][j + 1]:
                ahead[i][j + 1] = here + skip[j]
            if i < n:
                for k, c in trans[i][j]:
                    if here + c < ahead[k][j + 1]:
                        ahead[k][j + 1] = here + c
    limit = best[0][0] + margin
    mine = {j: (i, k) for j, i, k in path}
    uncertain: set[str] = set()
    for j in range(nm):
        rival = False
        for i in range(n + 1):
            if ahead[i][j] >= INF:
                continue
            # The member absent (when it was read), or read with another span.
            if j in mine and ahead[i][j] + skip[j] + best[i][j + 1] <= limit:
                rival = True
                break
            if i < n:
                for k, c in trans[i][j]:
                    if mine.get(j) != (i, k) and ahead[i][j] + c + best[k][j + 1] <= limit:
                        rival = True
                        break
            if rival:
                break
        if rival:
            uncertain.add(TEXT_ORDER[j])
    return uncertain


def _reading(values: dict[str, str], artifacts: list[Artifact], form: StatusForm,
             uncertain: set[str], notes: list[Diagnostic]) -> StatusReading:
    count = values.pop("ErrorCount", None)
    status = JobStatus(**values, ErrorCount=None if count is None else int(count),
                       ArtifactList=tuple(artifacts))
    order = [m for m in (*TEXT_ORDER, "ArtifactList") if m in uncertain]
    diags = list(notes)
    for member in order:
        if any(d.pointer == f"/{member}" for d in diags):
            continue
        diags.append(warning("MT503", f"{member}: its boundaries could not be fixed with "
                             "certainty; another reading fits the text equally well",
                             pointer=f"/{member}"))
    return StatusReading(status, form, tuple(diags), tuple(order))
