"""The text forms of get-status output: the CLI's ``--output text`` and documentation copies.

The record is cut into units (TAB-separated pieces, or whitespace-separated tokens for a
copy that lost its TABs) and :mod:`.segment` assigns them to the sorted members. A copy's
non-breaking and other typographic spaces are read as spaces (said so); an absent member
where the copy shows a gap wider than one TAB may have been an empty value (reported unsure).
"""

from __future__ import annotations

import re
from itertools import islice, pairwise

from ..diagnostics import Diagnostic, warning
from ..errors import StatusFormatError
from ..textcodec import plain_spaces
from .model import Artifact, JobStatus, StatusForm, StatusReading, fail
from .segment import MAX_UNITS, MULTILINE_MEMBERS, TEXT_ORDER, DocCosts, TextCosts, Units, segment

__all__ = ["TEXT_ORDER", "read_text_status"]


def read_text_status(text: str) -> StatusReading:
    """Read the CLI text form, else a documentation copy of it; MT501 when neither fits."""
    if ("\t" in text and not text[:1].isspace()) or text[:1] == "\t":
        try:
            return _read_cli_text(text)
        except StatusFormatError:
            pass  # TABs present but not the CLI layout: maybe a partly re-rendered copy
    return _read_documentation(text)


# --- the CLI text form ------------------------------------------------------------------------

def _split_artifacts(body: str) -> tuple[str, list[Artifact]]:
    """The record (without its final LF) and the ARTIFACTLIST lines that end the text."""
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
    return body[:-1], artifacts


def _read_cli_text(text: str) -> StatusReading:
    record, artifacts = _split_artifacts(text if text.endswith("\n") else text + "\n")
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
    chosen, uncertain = segment(Units(record, spans, seps), TextCosts(record))
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
# A gap wider than one TAB stop (8 columns) between two members may hide an empty member.
_TAB_STOP = 8


def _trimmed_lines(text: str) -> tuple[list[str], int]:
    """Lines without the common indentation, outer blank lines dropped; trailing blanks."""
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
    return [ln[indent:] if ln.strip() else ln.strip(" \t") for ln in lines], trailing_blank


def _doc_artifacts(lines: list[str], uncertain: set[str]) -> list[Artifact]:
    """Pop the ARTIFACTLIST lines that end ``lines``; runs of spaces make them unsure."""
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
    return artifacts


def _doc_record(text: str, uncertain: set[str]) -> tuple[str, list[Artifact], int, bool]:
    """(record, artifacts, newlines that ended the record, whether its end is known)."""
    lines, trailing_blank = _trimmed_lines(text)
    artifacts = _doc_artifacts(lines, uncertain)
    # Trailing blank lines of the record (a SIGNATURE text's own final newline) survive only
    # when ARTIFACTLIST lines follow; at the very end documents often trim them.
    tail = 0
    while lines and not lines[-1].strip():
        lines.pop()
        tail += 1
    if not lines:
        fail("only ARTIFACTLIST lines; expected a get-status record before them")
    if not artifacts:
        tail = trailing_blank - 1 if trailing_blank else 0
    return "\n".join(lines), artifacts, tail, bool(artifacts) or trailing_blank > 0


def _doc_units(record: str) -> Units:
    spans = [(m.start(), m.end()) for m in islice(_WS.finditer(record), MAX_UNITS + 1)]
    if len(spans) > MAX_UNITS:
        fail("too many words for get-status output")
    seps = [""] + [record[spans[i - 1][1]:spans[i][0]] for i in range(1, len(spans))]
    return Units(record, spans, seps)


def _empty_members(chosen: dict[str, tuple[int, int]], record: str) -> set[str]:
    """Absent members between two read ones whose gap is wider than one TAB became.

    A TAB expanded at 8 columns is 1-8 spaces, so 9 or more may hide an empty member; in a
    copy whose TABs were collapsed to one space (no gap wider than 2), 2 spaces may.
    """
    order = [m for m in TEXT_ORDER if m in chosen]
    gaps = [(left, right, record[chosen[left][1]:chosen[right][0]])
            for left, right in pairwise(order)]
    same_line = [len(g) for _, _, g in gaps if "\n" not in g]
    widest_tab = _TAB_STOP if any(n > 2 for n in same_line) else 1
    found: set[str] = set()
    for left, right, gap in gaps:
        if "\n" in gap or len(gap) <= widest_tab:
            continue
        a, b = TEXT_ORDER.index(left), TEXT_ORDER.index(right)
        found.update(TEXT_ORDER[a + 1:b])
    return found


def _read_documentation(text: str) -> StatusReading:
    text, odd_spaces = plain_spaces(text)
    uncertain: set[str] = set()
    notes: list[Diagnostic] = []
    record, artifacts, tail, tail_known = _doc_record(text, uncertain)
    chosen, tied = segment(_doc_units(record), DocCosts(record))
    uncertain |= tied
    values: dict[str, str] = {}
    for member, (a, b) in chosen.items():
        value = record[a:b]
        if member in MULTILINE_MEMBERS:
            value, unsure = _multiline_tail(record, b, value, member, tail, tail_known)
            if unsure:
                uncertain.add(member)
        if member == "CurrentManifest" and re.search(r"[^ \t\r\n] {2,}[^ \r\n]", value):
            # Runs of spaces inside a line may have been TABs before the copy expanded them.
            uncertain.add(member)
            notes.append(warning("MT503", "CurrentManifest holds runs of spaces that may have "
                                 "been TABs; its inner whitespace is as the copy shows it",
                                 pointer="/CurrentManifest"))
        values[member] = value
    for member in sorted(_empty_members(chosen, record)):
        uncertain.add(member)
        notes.append(warning("MT503", f"{member} was not found, but the copy shows a gap "
                             "where it would be: it may have been printed empty",
                             pointer=f"/{member}"))
    notes.insert(0, warning(
        "MT502", "the text had lost its TABs (a documentation or e-mail copy)"
        + (" and held non-breaking spaces" if odd_spaces else "")
        + "; columns were recovered by anchoring on fields of known shape",
        hint="read the --output json form for exact values"))
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
