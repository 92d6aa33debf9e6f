"""Segment a get-status text record into its sorted members by shape: a dynamic programme.

The CLI writes every scalar member in sorted key order joined by one TAB, strings raw, so a
value holding a TAB or newline is indistinguishable from a column boundary by counting. We
instead segment the record into the sorted members by *shape*: each member either has a
known form (JobType, LocationCode, ErrorCount, ...) or is free text, and a small dynamic
programme over the units (TAB-separated pieces, or whitespace-separated tokens for
documentation copies) picks the cheapest assignment. Strong anchors earn a negative cost,
swallowing a separator into a value costs, and ties between optimal assignments are the
fields reported as uncertain. Work is O(units x members x span), spans are capped.

Anchoring is by consistency before shape: the ``Signature`` member is the one that equals
the ``signature:`` line of ``SignatureFileContents`` (AWS's own documentation example prints
a 29-character placeholder, so "28 base64 characters" is evidence, not a rule), ``JobId``
the one that equals its ``jobId:`` line, ``LogBucket`` a bucket the manifest names.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..aws import DNS_BUCKET, HMAC_SHAPE, JOB_ID_SHAPE, LOCATION_CODES, PROGRESS_CODES
from .model import INTEGER, fail

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
_SIGNATURE = HMAC_SHAPE
# Any base64-looking token: a signature of unusual length is still a signature candidate.
_BASE64ISH = re.compile(r"[A-Za-z0-9+/]{8,88}={0,2}")
# The values the record's SIGNATURE text repeats (consistency anchors).
_SIG_LINE = re.compile(r"^[ \t\u00a0]*signature:[ \t]*(\S+)", re.MULTILINE)
_JOB_LINE = re.compile(r"^[ \t\u00a0]*jobId:[ \t]*(\S+)", re.MULTILINE)
# The four SIGNATURE lines, with the indentation a copy may add (rebuilt in .consistency).
_SIG_FILE = re.compile(
    r"[ \t\u00a0]*version:[^\n]*\n[ \t\u00a0]*signingMethod:[^\n]*\n"
    r"[ \t\u00a0]*jobId:[^\n]*\n[ \t\u00a0]*signature:[^\n]*\n?")
_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?")
_ANY_BUCKET = re.compile(r"[A-Za-z0-9._-]{1,255}")
_LOCATION_WORD = re.compile(r"(?:^|\s)(?:AtAWS|NotReceived|Returned)(?:\s|$)")
_LOG_KEY = re.compile(r"\S*(?:import|export)-log-\S+")
# A manifest names its buckets; a LogBucket equal to one is a strong anchor.
_MANIFEST_BUCKET = re.compile(r"^[ \t]*(?:logBucket|bucket)[ \t]*:[ \t]*(\S+)", re.MULTILINE)

MULTILINE_MEMBERS = frozenset({"CurrentManifest", "SignatureFileContents"})
# Members whose value may hold TABs (text form) or run over many tokens (documentation).
_LONG = frozenset({"CurrentManifest", "LocationMessage", "ProgressMessage", "WarningMessage"})
# Documentation form: short free-text members may hold a few spaces.
_SHORT_FREE = {"Carrier": 3, "TrackingNumber": 3, "LogKey": 3, "SignatureFileContents": 4}
# Anchors that make an input recognisably get-status output (besides JobId).
_ANCHORS = frozenset({"JobType", "LocationCode", "ProgressCode", "ErrorCount", "Signature",
                      "SignatureFileContents", "CreationDate"})


@dataclass(frozen=True)
class Units:
    """The record split into units: tokens ``spans[i]`` separated by ``seps[i]`` (before i)."""

    record: str
    spans: list[tuple[int, int]]
    seps: list[str]  # seps[0] == ""


# --- shared: the segmentation --------------------------------------------------------------------

class _Costs:
    """Cost of a member's value; None when the value cannot be that member."""

    def __init__(self, record: str) -> None:
        self.record = record
        self.buckets = frozenset(m.group(1) for m in _MANIFEST_BUCKET.finditer(record))
        self.signatures = frozenset(m.group(1) for m in _SIG_LINE.finditer(record))
        self.job_ids = frozenset(m.group(1) for m in _JOB_LINE.finditer(record))
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


# Equal to the value the SIGNATURE text repeats: stronger than any shape.
CONSISTENT = STRONG - 3


def _job_id(v: str, c: _Costs) -> int | None:
    if v in c.job_ids:
        return CONSISTENT
    if JOB_ID_SHAPE.fullmatch(v):
        return STRONG
    return -1 if _JOB_ID_LENIENT.fullmatch(v) else None


def _signature(v: str, c: _Costs) -> int | None:
    if v in c.signatures:
        return CONSISTENT
    if _SIGNATURE.fullmatch(v):
        return STRONG
    return 0 if _BASE64ISH.fullmatch(v) else None


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
    # create-job output (no LocationCode) never has a TrackingNumber (botocore model,
    # CreateJobOutput): its last column is WarningMessage, an empty one included.
    if not _one_line(v):
        return None
    extra = 0 if c.get_status else 3
    if not v or " " in v:
        return 1 + extra
    return (-1 if any(ch.isdigit() for ch in v) else 0) + extra


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
    # AWS names every log [logPrefix]import-log-JOBID or export-log-JOBID (Developer Guide,
    # "Prefixing Log File Names"): any other word is more likely another column's.
    return 3 if not v or " " in v else 2


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
    "Signature": _signature,
    "SignatureFileContents": _exact(_SIG_FILE),
    "TrackingNumber": _tracking,
    "WarningMessage": _warning_message,
}

# Every get-status and create-job output has a JobId and a JobType: leaving one out costs.
_SKIP = {"JobId": 6, "JobType": 3}

JOIN = 4  # a TAB inside a value: possible (a manifest line), but rarer than a boundary


def _long_units(member: str) -> int:
    return MAX_MANIFEST_UNITS if member == "CurrentManifest" else MAX_MESSAGE_UNITS


class TextCosts(_Costs):
    def absorb(self, member: str, sep: str) -> int | None:
        return JOIN if member in _LONG else None


class DocCosts(_Costs):
    # A copy has lost the TABs: readings a couple of boundary costs apart are both plausible.
    margin = 2

    def max_units(self, member: str, n: int) -> int:
        if member in _LONG:
            return _long_units(member)
        return _SHORT_FREE.get(member, 1)

    def absorb(self, member: str, sep: str) -> int | None:
        if "\n" in sep:
            return 0 if member in MULTILINE_MEMBERS else None
        if member in MULTILINE_MEMBERS:
            return 0
        # A run of spaces inside a one-line value was more likely a column boundary.
        return 0 if len(sep) == 1 else 1

    def boundary(self, sep: str) -> int:
        # Copies expand TABs (several spaces) or break lines; a single space is weaker.
        return 0 if "\n" in sep or len(sep) > 1 else 1



# trans[i][j]: the (end unit k, cost) options for member j starting at unit i.
Transitions = list[list[list[tuple[int, int]]]]


def _manifest_options(units: Units, costs: _Costs, i: int, lead: int,
                      limit: int) -> list[tuple[int, int]]:
    # CurrentManifest's shape depends on its start only and it takes any separator: the
    # long span loop stays cheap (this member dominates the DP's work).
    base = costs.shape("CurrentManifest", units.spans[i][0], units.spans[i][0])
    assert base is not None
    total = lead + base
    out = [(i + 1, total)]
    for k, sep in enumerate(units.seps[i + 1:limit], i + 2):
        total += costs.absorb("CurrentManifest", sep) or 0
        out.append((k, total))
    return out


def _member_options(units: Units, costs: _Costs, member: str, i: int, lead: int,
                    limit: int) -> list[tuple[int, int]]:
    spans, seps = units.spans, units.seps
    out: list[tuple[int, int]] = []
    absorbed = 0
    for k in range(i + 1, limit + 1):
        if k > i + 1:
            extra = costs.absorb(member, seps[k - 1])
            if extra is None:
                break
            absorbed += extra
        c = costs.shape(member, spans[i][0], spans[k - 1][1])
        if c is not None:
            out.append((k, lead + absorbed + c))
    return out


def _transitions(units: Units, costs: _Costs) -> Transitions:
    n = len(units.spans)
    trans: Transitions = []
    for i in range(n):
        lead = costs.boundary(units.seps[i]) if i else 0
        row = []
        for member in TEXT_ORDER:
            limit = min(n, i + costs.max_units(member, n))
            if member == "CurrentManifest":
                row.append(_manifest_options(units, costs, i, lead, limit))
            else:
                row.append(_member_options(units, costs, member, i, lead, limit))
        trans.append(row)
    return trans


def _best(trans: Transitions, skip: list[int], n: int) -> list[list[int]]:
    """best[i][j]: the cheapest cost of units i.. read as members j.. (INF: impossible)."""
    nm = len(TEXT_ORDER)
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
    return best


def segment(units: Units, costs: _Costs) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """Assign units to members in TEXT_ORDER; return the chosen spans and tied members."""
    spans = units.spans
    n = len(spans)
    if n > MAX_UNITS:
        fail("too many columns for get-status output")
    trans = _transitions(units, costs)
    skip = [_SKIP.get(m, 0) for m in TEXT_ORDER]
    best = _best(trans, skip, n)
    if best[0][0] >= INF:
        fail("the text does not split into get-status columns (JobId, JobType, ...)")
    path = _one_optimal(trans, best, n)
    chosen = {TEXT_ORDER[j]: (spans[i][0], spans[k - 1][1]) for j, i, k in path}
    strong = {m for m in set(chosen) & _ANCHORS
              if (costs.shape(m, *chosen[m]) or 0) <= STRONG}
    if "JobId" not in chosen or len(strong) < 2:
        fail("no get-status record found: expected a JobId and fields such as JobType, "
             "ProgressCode or Signature")
    return chosen, _rivals(trans, best, skip, path, n, costs.margin)


def _one_optimal(trans: Transitions, best: list[list[int]],
                 n: int) -> list[tuple[int, int, int]]:
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


def _ahead(trans: Transitions, skip: list[int], n: int) -> list[list[int]]:
    """ahead[i][j]: the cheapest way to reach unit i with member j next."""
    nm = len(TEXT_ORDER)
    ahead = [[INF] * (nm + 1) for _ in range(n + 1)]
    ahead[0][0] = 0
    for i in range(n + 1):
        for j in range(nm):
            here = ahead[i][j]
            if here >= INF:
                continue
            ahead[i][j + 1] = min(ahead[i][j + 1], here + skip[j])
            if i < n:
                for k, c in trans[i][j]:
                    ahead[k][j + 1] = min(ahead[k][j + 1], here + c)
    return ahead


def _has_rival(j: int, mine: tuple[int, int] | None, trans: Transitions,
               best: list[list[int]], ahead: list[list[int]], skip: list[int], n: int,
               limit: int) -> bool:
    """Does member j read otherwise (absent, or another span) within ``limit``?"""
    for i in range(n + 1):
        here = ahead[i][j]
        if here >= INF:
            continue
        if mine is not None and here + skip[j] + best[i][j + 1] <= limit:
            return True
        if i < n and any(mine != (i, k) and here + c + best[k][j + 1] <= limit
                         for k, c in trans[i][j]):
            return True
    return False


def _rivals(trans: Transitions, best: list[list[int]], skip: list[int],
            path: list[tuple[int, int, int]], n: int, margin: int) -> set[str]:
    """Members that another assignment within ``margin`` of the optimum reads differently."""
    ahead = _ahead(trans, skip, n)
    limit = best[0][0] + margin
    mine = {j: (i, k) for j, i, k in path}
    return {TEXT_ORDER[j] for j in range(len(TEXT_ORDER))
            if _has_rival(j, mine.get(j), trans, best, ahead, skip, n, limit)}
