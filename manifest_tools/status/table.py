"""The AWS CLI's ``--output table`` form, read back by the layout rules of its TableFormatter.

awscli ``formatter.py``/``table.py`` (v1 and v2 alike): line 1 is ``-`` x W; each section is a
centred title row, then a ``+---+---+`` rule giving the column widths, then either one header
row and the value rows (the natural layout) or ``| Key | Value |`` rows (the layout used when
the natural one is wider than the terminal; 80 columns when not a TTY), then a closing rule.
Sub-tables (``ArtifactList``, ``Jobs``) are indented by wrapping every line in ``|``.

A cell is exactly its column's width, counted as the formatter counts (East Asian wide and
ambiguous characters 2, every other character, ``\\n`` included, 1), so a value's raw
newlines and literal ``|`` are read exactly: continuation lines carry no border and the
padding comes after the value's last line. What the layout cannot keep: spaces at the end of
a value (they are padding), and the type of a scalar (``0`` and ``False`` print as text).
Colour (``--color on``) is removed first; widths never count it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise

from ..errors import StatusFormatError
from .model import INTEGER, fail

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TOP_RULE = re.compile(r"-{3,}")


@dataclass
class Section:
    """One titled block: its indent level, header names (natural layout) and rows."""

    title: str
    indent: int
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    def records(self) -> list[dict[str, str]]:
        """Rows as key -> value: the natural layout's rows, or the one record of key rows."""
        if self.headers:
            return [dict(zip(self.headers, row, strict=True)) for row in self.rows]
        if self.rows and all(len(row) == 2 for row in self.rows):
            return [{key: value for key, value in self.rows}]
        return []


def looks_like_table(text: str) -> bool:
    body = text.lstrip("\n")
    first, _, rest = body.partition("\n")
    return _TOP_RULE.fullmatch(first) is not None and rest.startswith("|")


def _width(ch: str) -> int:
    # awscli table.get_text_length: W, F and A count 2.
    return 2 if ch >= "\x80" and unicodedata.east_asian_width(ch) in "WFA" else 1


class _Cursor:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    def at_end(self) -> bool:
        return not self.text[self.pos:].strip("\n")

    def peek_line(self) -> str:
        end = self.text.find("\n", self.pos)
        return self.text[self.pos:end if end >= 0 else len(self.text)]

    def take_line(self) -> str:
        line = self.peek_line()
        self.pos = min(len(self.text), self.pos + len(line) + 1)
        return line

    def bad(self, why: str) -> None:
        fail(f"--output table layout broken: {why}", self.line())

    def expect(self, literal: str, why: str) -> None:
        if not self.text.startswith(literal, self.pos):
            self.bad(why)
        self.pos += len(literal)

    def cell(self, width: int) -> str:
        """Exactly ``width`` display columns of the stream (newlines included)."""
        start, units, text = self.pos, 0, self.text
        while units < width and self.pos < len(text):
            units += _width(text[self.pos])
            self.pos += 1
        if units != width or not text[start:self.pos].endswith("|"):
            self.bad(f"a cell of width {width} does not end with '|'")
        return text[start:self.pos]


def _widths(rule: str) -> list[int]:
    """Column widths of a ``+----+---+`` rule (the first column counts its left '+')."""
    cuts = [i for i, ch in enumerate(rule) if ch == "+"]
    return [cuts[1] + 1] + [b - a for a, b in pairwise(cuts[1:])]


def _cell_text(cell: str, first: bool) -> str:
    inner = cell[1:-1] if first else cell[:-1]
    # align_left pads with two spaces unless the text did not fit; the rest is padding.
    return inner.removeprefix("  ").rstrip(" ")


def _row(cur: _Cursor, indent: int, widths: list[int]) -> list[str]:
    cur.expect("|" * indent, "a row of a sub-table lost its '|' border")
    cells = [cur.cell(w) for w in widths]
    cur.expect("|" * indent, "a row of a sub-table lost its right '|' border")
    if cur.pos < len(cur.text):
        cur.expect("\n", "a row does not end where its columns do")
    return [_cell_text(c, i == 0) for i, c in enumerate(cells)]


def _is_rule(line: str, indent: int) -> bool:
    body = line[indent:len(line) - indent] if indent else line
    return (line.startswith("|" * indent) and len(body) >= 2 and body[0] == "+"
            and body[-1] == "+" and set(body) <= {"+", "-"})


def _rows_until_rule(cur: _Cursor, indent: int, widths: list[int]) -> list[list[str]]:
    rows: list[list[str]] = []
    while not cur.at_end() and not _is_rule(cur.peek_line(), indent):
        rows.append(_row(cur, indent, widths))
    if cur.at_end():
        cur.bad("a table section has no closing rule")
    cur.take_line()
    return rows


def _try_row(cur: _Cursor, indent: int, widths: list[int]) -> bool:
    """Does a row of these widths start here? (A title or a deeper section does not.)"""
    line = cur.peek_line()
    if not line.startswith("|" * indent) or line[indent:indent + 1] != "|":
        return False
    if line[indent + 1:indent + 2] == "|":
        return False  # a deeper section's title
    saved = cur.pos
    try:
        _row(cur, indent, widths)
    except StatusFormatError:
        return False
    finally:
        cur.pos = saved
    return True


def _section(cur: _Cursor) -> Section:
    line = cur.take_line()
    indent = len(line) - len(line.lstrip("|")) - 1
    body = line[indent:len(line) - indent] if indent > 0 else line
    if indent < 0 or not line.endswith("|" * (indent + 1)) or len(body) < 2:
        cur.pos -= len(line) + 1
        cur.bad("expected a section title row '|  Title  |'")
    section = Section(body[1:-1].strip(), indent)
    if cur.at_end():
        return section
    rule = cur.peek_line()
    if not _is_rule(rule, indent):
        cur.bad("expected a '+---+' rule under the section title")
    cur.take_line()
    widths = _widths(rule[indent:len(rule) - indent] if indent else rule)
    if len(widths) == 1 and (cur.at_end() or not _try_row(cur, indent, widths)):
        return section  # a title-only section
    first = _rows_until_rule(cur, indent, widths)
    if _try_row(cur, indent, widths):
        section.headers = [h.strip() for h in first[0]] if len(first) == 1 else []
        if not section.headers:
            cur.bad("a header block of more than one row")
        section.rows = _rows_until_rule(cur, indent, widths)
    else:
        section.rows = first
    return section


def read_table(text: str) -> list[Section]:
    """Every section of a ``--output table`` rendering, in order; MT501 when broken."""
    text = _ANSI.sub("", text).lstrip("\n")
    cur = _Cursor(text)
    top = cur.take_line()
    if _TOP_RULE.fullmatch(top) is None:
        cur.bad("the first line is not the table's '-----' rule")
    sections: list[Section] = []
    while not cur.at_end():
        sections.append(_section(cur))
    if not sections:
        cur.bad("no section under the top rule")
    return sections


def table_mapping(sections: list[Section]) -> dict[str, object]:
    """The response the table was drawn from: top-level scalars, sub-tables as lists.

    ``ErrorCount`` is made a number again (the one number get-status prints)."""
    records = sections[0].records()
    if len(records) != 1:
        fail("the table's first section is not one record of members")
    out: dict[str, object] = dict(records[0])
    for section in sections[1:]:
        items = out.setdefault(section.title, [])
        if isinstance(items, list):
            items.extend(section.records())
    count = out.get("ErrorCount")
    if isinstance(count, str) and INTEGER.fullmatch(count):
        out["ErrorCount"] = int(count)
    return out
