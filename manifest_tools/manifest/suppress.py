"""Suppression comments: ``# manifest-tools: disable-line=MT311`` and ``disable-file=...``.

Modelled on yamllint's ``# yamllint disable-line rule:X`` and ruff's ``# noqa: X``. A
manifest may carry YAML comments and AWS signs the bytes as they are, so a comment costs the
user nothing. Directives:

- ``# manifest-tools: disable-line=MT311,MT307`` at the end of a line silences those rules'
  findings on that line; alone on a line it silences them on the next line that holds
  something other than a comment (a blank line or another comment in between is skipped).
- ``# manifest-tools: disable-file=MT311`` anywhere silences those rules in the whole file.

A directive that silenced nothing is itself reported (MT130, as ruff's RUF100) unless its
rule is switched off by configuration or ``--disable`` (then it may be needed elsewhere); an
unknown rule id or directive is MT131, naming it. Silenced findings are kept, with where
they were silenced, so every report can count them.

The comment is recognised as YAML recognises a comment: a ``#`` at the start of a line or
after a space or tab. A ``#`` inside a quoted value followed by ``manifest-tools:`` is taken
for a directive too (the line reader does not parse quotes); that costs nothing but a
finding that names it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, clip, warning
from ..rules import RULES
from .lines import LINE, split_break

_DIRECTIVE = re.compile(r"(?:^|(?<=[ \t]))#[ \t]*manifest-tools:[ \t]*(?P<body>.*)$")
_BODY = re.compile(r"(?P<kind>[A-Za-z-]+)[ \t]*=[ \t]*(?P<ids>[^#]*?)[ \t]*(?:#.*)?$")
KINDS = ("disable-line", "disable-file")


@dataclass(slots=True)
class Directive:
    """One ``disable-line``/``disable-file`` comment and the rules it names."""

    kind: str
    line: int  # 1-based line of the comment
    column: int  # 1-based column of its '#'
    rules: tuple[str, ...]
    target: int | None  # disable-line: the line it silences
    used: set[str] = field(default_factory=set)

    @property
    def text(self) -> str:
        return f"# manifest-tools: {self.kind}={','.join(self.rules)}"


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A finding a suppression comment silenced, and the comment that did."""

    diagnostic: Diagnostic
    kind: str  # "disable-line" or "disable-file"
    line: int  # the directive's line
    justification: str  # the directive as written back, e.g. '# manifest-tools: ...'


@dataclass(frozen=True, slots=True)
class Outcome:
    kept: list[Diagnostic]
    suppressed: list[Suppressed]


def _lines(text: str) -> list[str]:
    """The file's lines as the reader numbers them (every YAML line break counts)."""
    found = [split_break(m.group())[0] for m in LINE.finditer(text)]
    if found and not found[-1]:
        found.pop()
    return found


def find_directives(text: str) -> tuple[list[Directive], list[Diagnostic]]:
    """Every directive of ``text``, and an MT131 finding for each unreadable one."""
    lines = _lines(text)
    directives: list[Directive] = []
    problems: list[Diagnostic] = []
    for index, line in enumerate(lines):
        if "manifest-tools:" not in line:
            continue
        match = _DIRECTIVE.search(line)
        if match is None:
            continue
        number, column = index + 1, match.start() + 1
        body = _BODY.match(match.group("body"))
        if body is None or body.group("kind") not in KINDS:
            problems.append(warning(
                "MT131", f"unknown suppression directive {clip(match.group('body'), 40)!r}",
                number, column, hint="write '# manifest-tools: disable-line=MT311' or "
                "'# manifest-tools: disable-file=MT311'"))
            continue
        ids = [token.strip().upper() for token in body.group("ids").split(",")]
        known = tuple(dict.fromkeys(i for i in ids if i in RULES))
        for unknown in (i for i in ids if i not in RULES):
            problems.append(warning(
                "MT131", f"suppression comment names an unknown rule {clip(unknown, 20)!r}"
                if unknown else "suppression comment names no rule", number, column,
                hint="'manifest-tools rules' lists the rule ids"))
        if not known:
            continue
        kind = body.group("kind")
        standalone = not line[: match.start()].strip()
        target: int | None = number
        if kind == "disable-line" and standalone:
            target = _next_content_line(lines, index)
        directives.append(Directive(kind, number, column, known, target))
    return directives, problems


def _next_content_line(lines: Sequence[str], index: int) -> int | None:
    for n in range(index + 1, len(lines)):
        stripped = lines[n].strip()
        if stripped and not stripped.startswith("#"):
            return n + 1
    return None


def apply_suppressions(text: str, diagnostics: Iterable[Diagnostic],
                       disabled: frozenset[str] = frozenset()) -> Outcome:
    """Split ``diagnostics`` into kept and silenced, and add MT130/MT131 findings about the
    directives themselves (dropped when ``disabled`` holds their rule)."""
    directives, problems = find_directives(text)
    if not directives and not problems:
        return Outcome(list(diagnostics), [])
    file_wide = [d for d in directives if d.kind == "disable-file"]
    by_line: dict[int, list[Directive]] = {}
    for d in directives:
        if d.kind == "disable-line" and d.target is not None:
            by_line.setdefault(d.target, []).append(d)
    kept: list[Diagnostic] = []
    suppressed: list[Suppressed] = []
    for diag in diagnostics:
        silencer = _silencer(diag, file_wide, by_line)
        if silencer is None:
            kept.append(diag)
        else:
            silencer.used.add(diag.rule)
            suppressed.append(Suppressed(diag, silencer.kind, silencer.line, silencer.text))
    problems.extend(_unused(directives, disabled))
    for problem in problems:
        if problem.rule in disabled:
            continue
        silencer = _silencer(problem, file_wide, {})
        if silencer is None:
            kept.append(problem)
        else:
            silencer.used.add(problem.rule)
            suppressed.append(Suppressed(problem, silencer.kind, silencer.line, silencer.text))
    return Outcome(kept, suppressed)


def _silencer(diag: Diagnostic, file_wide: list[Directive],
              by_line: dict[int, list[Directive]]) -> Directive | None:
    for directive in file_wide:
        if diag.rule in directive.rules:
            return directive
    for directive in by_line.get(diag.line, ()):
        if diag.rule in directive.rules:
            return directive
    return None


def _unused(directives: list[Directive], disabled: frozenset[str]) -> list[Diagnostic]:
    found = []
    for d in directives:
        # MT130 itself is judged after the MT130 findings exist (a file-wide disable of it).
        idle = [r for r in d.rules if r not in d.used and r not in disabled and r != "MT130"]
        if not idle:
            continue
        where = "in this file" if d.kind == "disable-file" else (
            f"on line {d.target}" if d.target is not None else "(no line follows it)")
        found.append(warning(
            "MT130", f"unused suppression: no {', '.join(idle)} finding {where}", d.line,
            d.column, hint="remove the rule id from the comment (or the whole comment)"))
    return found
