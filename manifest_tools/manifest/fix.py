"""``validate --fix``: the fixes that are mechanical and certain, applied to the bytes.

Only findings whose repair leaves no choice are fixed:

- MT102 a UTF-8 byte order mark at the start: removed;
- MT105 a tab in indentation: the indentation the reader used (its neighbours'), in spaces;
- MT119 NBSP and other invisible spaces in indentation, a key or around a value: ordinary
  spaces (indentation as for MT105); inside a value they are text and stay;
- MT116 ``key = value``: ``key: value``;
- MT120 typographic quotes around a whole value: straight double quotes (not when the value
  holds a ``"`` or a backslash, which would need escaping);
- MT204 a misspelt field with exactly one suggestion: renamed (not when the mapping already
  has a field of that name).

Everything else stays byte for byte: each line's ending, the compact ``key:value`` form AWS
writes itself (MT103 is not a mistake), comments, blank lines and every other line.

Each fix is checked before it is kept: the fixed file is read again and must give the same
fields and values as the reader gave for the original, except the fields a fix names (a
renamed key, an unquoted value), and no new kind of finding. A line whose fix fails the
check is left as it was (it then still has its finding). A file that is not UTF-8, or that
cannot be read as a manifest at all, is not touched: nothing about it is certain.

A fix changes the bytes AWS signs: a SIGNATURE made before it no longer matches.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..diagnostics import Diagnostic, clip
from .decode import BOM
from .lines import (
    INVISIBLE,
    KEY_EQUALS,
    KEY_LINE,
    LINE,
    LinePass,
    Positions,
    invisible_spots,
    split_break,
)
from .parse import Manifest, parse_manifest

FIXABLE = frozenset({"MT102", "MT105", "MT116", "MT119", "MT120", "MT204"})
# Findings about bytes that are not text (or not UTF-8): no fix is certain there.
UNFIXABLE_FILE = frozenset({"MT101", "MT115"})
_RENAME = re.compile(r"rename it to '(?P<name>[^']+)'")
_QUOTES = "\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"


@dataclass(frozen=True, slots=True)
class Change:
    """One fix applied: the finding's rule, its line and what was done."""

    rule: str
    line: int
    description: str


@dataclass(frozen=True, slots=True)
class FixResult:
    data: bytes
    changes: tuple[Change, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


@dataclass(slots=True)
class _LineFix:
    """The fixes of one line: its new text and what each finding's fix named."""

    line: int
    text: str
    changes: list[Change]
    renames: list[tuple[str, str]]  # (pointer of the old key, new name)
    unquoted: list[tuple[str, str]]  # (pointer of the value, value after the fix)


# A fix can make a neighbour's fix possible (a tab-indented line between two others); the
# fixer goes round until nothing more changes, at most this often.
MAX_ROUNDS = 4


def fix_manifest(data: bytes, diagnostics: Sequence[Diagnostic],
                 recheck: Callable[[bytes], Sequence[Diagnostic]] | None = None) -> FixResult:
    """Apply the certain fixes for ``diagnostics`` (findings of ``data``) to ``data``.

    ``recheck`` gives the findings of fixed bytes for the next round (the caller's rule
    choice and suppression comments apply); by default all of ``validate_bytes``'s."""
    changes: list[Change] = []
    for _ in range(MAX_ROUNDS):
        step = _fix_once(data, diagnostics)
        if not step.changes:
            break
        changes.extend(step.changes)
        data = step.data
        diagnostics = recheck(data) if recheck is not None else _findings(data)
    return FixResult(data, tuple(sorted(changes, key=lambda c: c.line)))


def _findings(data: bytes) -> Sequence[Diagnostic]:
    from .validate import validate_bytes

    return validate_bytes(data).diagnostics


def _fix_once(data: bytes, diagnostics: Sequence[Diagnostic]) -> FixResult:
    rules = {d.rule for d in diagnostics}
    if rules & UNFIXABLE_FILE or not rules & FIXABLE:
        return FixResult(data, ())
    bom = data.startswith(BOM)
    try:
        text = data[len(BOM):].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError:
        return FixResult(data, ())
    before = parse_manifest(data)
    if not before.readable:
        return FixResult(data, ())
    lines = _raw_lines(text)
    planner = _Planner(lines, before)
    by_line = _by_line(diagnostics)
    drop_bom = bom and "MT102" in rules
    head = BOM if bom and not drop_bom else b""
    check = _Check(before, {d.rule for d in before.diagnostics} | rules, head, lines)
    fixes = [f for f in (planner.plan(line, found) for line, found in by_line.items())
             if f is not None]
    if not check.passes(fixes):
        # Keep each line's fix only if it passes with those kept before it; for invisible
        # spaces in indentation try the neighbours' indentation after the reader's reading.
        fixes = []
        for line, found in by_line.items():
            for neighbour in (False, True):
                fix = planner.plan(line, found, neighbour=neighbour)
                if fix is not None and check.passes([*fixes, fix]):
                    fixes.append(fix)
                    break
    changes = [Change("MT102", 1, "removed the byte order mark")] if drop_bom else []
    changes += [c for f in fixes for c in f.changes]
    if not changes:
        return FixResult(data, ())
    return FixResult(check.build(fixes), tuple(changes))


def _raw_lines(text: str) -> list[str]:
    raw = [m.group() for m in LINE.finditer(text)]
    if raw and not raw[-1]:
        raw.pop()
    return raw


def _by_line(diagnostics: Sequence[Diagnostic]) -> dict[int, list[Diagnostic]]:
    found: dict[int, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.rule in FIXABLE and d.rule != "MT102":
            found.setdefault(d.line, []).append(d)
    return found


class _Check:
    """Builds the fixed bytes and reads them again (see the module's promise)."""

    def __init__(self, before: Manifest, kinds: set[str], head: bytes, lines: list[str]
                 ) -> None:
        self.before = before
        self.kinds = kinds
        self.head = head
        self.lines = lines

    def build(self, fixes: Sequence[_LineFix]) -> bytes:
        lines = list(self.lines)
        for fix in fixes:
            lines[fix.line - 1] = fix.text
        return self.head + "".join(lines).encode("utf-8")

    def passes(self, fixes: Sequence[_LineFix]) -> bool:
        after = parse_manifest(self.build(fixes))
        if not after.readable:
            return False
        expected = copy.deepcopy(self.before.data)
        for fix in fixes:
            for pointer, name in fix.renames:
                if not _rename(expected, pointer, name):
                    return False
            for pointer, value in fix.unquoted:
                if not _set(expected, pointer, value):
                    return False
        new_kinds = {d.rule for d in after.diagnostics} - self.kinds
        return bool(after.data == expected and not new_kinds)


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _parent(tree: Any, tokens: list[str]) -> Any:
    node = tree
    for token in tokens[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def _rename(tree: Any, pointer: str, name: str) -> bool:
    tokens = _tokens(pointer)
    parent = _parent(tree, tokens)
    if not isinstance(parent, dict) or tokens[-1] not in parent or name in parent:
        return False
    parent[name] = parent.pop(tokens[-1])
    return True


def _set(tree: Any, pointer: str, value: str) -> bool:
    tokens = _tokens(pointer)
    parent = _parent(tree, tokens) if tokens else None
    if not isinstance(parent, dict) or tokens[-1] not in parent:
        return False
    parent[tokens[-1]] = value
    return True


class _Planner:
    """Computes one line's fix from its findings (original columns) and its text."""

    def __init__(self, lines: list[str], manifest: Manifest) -> None:
        self.lines = lines
        self.manifest = manifest
        # The reader's own rule for the indentation a tab-indented line meant.
        self.reader = LinePass("".join(lines), [], Positions())
        self.value_at = {line: pointer for pointer, (line, _) in manifest.spans.items()
                         if pointer}

    def plan(self, line: int, found: list[Diagnostic], *, neighbour: bool = False
             ) -> _LineFix | None:
        """The line's fix; ``neighbour``: indentation with invisible spaces becomes the
        neighbours' indentation instead of one space for each (the reader's reading)."""
        body, end = split_break(self.lines[line - 1])
        fix = _LineFix(line, "", [], [], [])
        rules = {d.rule for d in found}
        for d in sorted((d for d in found if d.rule == "MT204"), key=lambda d: -d.column):
            body = self.rename(body, d, fix)
        if "MT105" in rules or "MT119" in rules:
            body = self.indentation(line, body, fix, neighbour)
        if "MT119" in rules:
            body = self.invisible(line, body, fix)
        if "MT116" in rules:
            body = self.key_equals(line, body, fix)
        if "MT120" in rules:
            body = self.quotes(line, body, fix)
        if not fix.changes:
            return None
        fix.text = body + end
        return fix

    def rename(self, body: str, d: Diagnostic, fix: _LineFix) -> str:
        wanted = _RENAME.search(d.hint or "")
        tokens = _tokens(d.pointer)
        if wanted is None or not tokens:
            return body
        old, new = tokens[-1], wanted.group("name")
        start = d.column - 1
        after = body[start + len(old): start + len(old) + 1]
        if body[start:start + len(old)] != old or (after and after not in ": \t=" and
                                                    after not in INVISIBLE):
            return body
        fix.renames.append((d.pointer, new))
        fix.changes.append(Change("MT204", d.line, f"renamed '{clip(old)}' to '{new}'"))
        return body[:start] + new + body[start + len(old):]

    def indentation(self, line: int, body: str, fix: _LineFix, neighbour: bool) -> str:
        blank = " \t" + "".join(INVISIBLE)
        stripped = body.lstrip(blank)
        indent = body[: len(body) - len(stripped)]
        if not stripped or indent.strip(" ") == "":
            return body
        tab = "\t" in indent
        # A tab: the reader's own rule (the neighbours' indentation). Invisible spaces: the
        # reader read each as a space; the neighbours' indentation is the second choice.
        wanted = (self.reader.neighbour_indent(line - 1) if tab or neighbour
                  else len(indent))
        fix.changes.append(Change("MT105" if tab else "MT119", line,
                                  f"indented with {wanted} spaces"))
        return " " * wanted + stripped

    def invisible(self, line: int, body: str, fix: _LineFix) -> str:
        spots = invisible_spots(body)
        if not spots:
            return body
        chars = list(body)
        for spot in spots:
            chars[spot] = " "
        fix.changes.append(Change("MT119", line, f"{len(spots)} invisible space(s) made "
                                  "ordinary spaces"))
        return "".join(chars)

    def key_equals(self, line: int, body: str, fix: _LineFix) -> str:
        match = KEY_EQUALS.fullmatch(body)
        if match is None:
            return body
        start, end = match.span("sep")
        fix.changes.append(Change("MT116", line, f"'{clip(match.group('key'))} =' made "
                                  f"'{clip(match.group('key'))}:'"))
        return body[:start] + ": " + body[end:]

    def quotes(self, line: int, body: str, fix: _LineFix) -> str:
        match = KEY_LINE.match(body)
        value = match.group("value") if match else None
        pointer = self.value_at.get(line)
        if match is None or not value or len(value) < 3 or pointer is None:
            return body
        inner = value[1:-1]
        if (value[0] not in _QUOTES or value[-1] not in _QUOTES or '"' in inner
                or "\\" in inner or any(q in inner for q in _QUOTES)):
            return body
        fix.unquoted.append((pointer, inner))
        fix.changes.append(Change("MT120", line, f"{clip(match.group('key'))}: typographic "
                                  "quotes made straight"))
        start = match.start("value")
        return body[:start] + '"' + inner + '"' + body[start + len(value):]
