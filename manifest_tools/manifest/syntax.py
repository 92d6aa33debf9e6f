"""Syntax errors of a manifest in words that say what to do, at the line of the mistake.

The YAML engine reports a problem where it noticed it, often a token after the mistake, in
its own terms ("mapping values are not allowed in this context"). This module turns that
into one MT100 per mistake, placed where the user must edit.
"""

from __future__ import annotations

from typing import Any

from ..diagnostics import Diagnostic, clip, error
from .decode import LineIndex
from .lines import LineResult, Positions

# The engine's words for the common mistakes, in words that say what to do. Matched on the
# engine's problem (and context) text; the first match wins.
_SYNTAX_WORDS = (
    ("could not find expected ':'", "a line that is not 'key: value' (no ':' after the key)",
     "write each field as 'key: value'"),
    ("mapping values are not allowed", "a ':' where no field can start (a ': ' inside a "
     "value, or a line indented under a value)", "quote the value, or fix the indentation"),
    ("expected <block end>", "this line is indented differently from the lines of its block",
     "indent fields of one block by the same number of spaces"),
    ("did not find expected ',' or ']'", "a '[' that is never closed",
     "close it with ']', or quote the value if the '[' is text"),
    ("did not find expected ',' or '}'", "a '{' that is never closed",
     "close it with '}', or quote the value if the '{' is text"),
    ("found unexpected end of stream", "a quote that is never closed",
     "close the quote on the same line"),
    ("cannot start any token", "a value cannot start with this character",
     "quote the value: key: \"...\""),
    ("did not find expected key", "a line that does not continue the block above it",
     "check the indentation and that each line is 'key: value'"),
    ("did not find expected '-' indicator", "a list item indented differently from the "
     "others", "indent every '- ' item of one list the same"),
    ("found undefined", "an anchor or alias name that is not valid", "quote the value"),
)
# The engine noticed these only on the next token; the mistake is where its context started.
_CONTEXT_FIRST = ("while scanning a simple key", "while parsing a flow",
                  "while scanning a quoted scalar")


def _mark(exc: Exception) -> Any:
    context = str(getattr(exc, "context", "") or "")
    context_mark = getattr(exc, "context_mark", None)
    if context_mark is not None and context.startswith(_CONTEXT_FIRST):
        return context_mark
    return getattr(exc, "problem_mark", None) or context_mark


def _error_position(exc: Exception, index: LineIndex, positions: Positions,
                    text: str) -> tuple[int, int]:
    mark = _mark(exc)
    if mark is not None and getattr(mark, "line", None) is not None:
        line0, col0 = mark.line, mark.column
        if col0 == 0 and line0 > 0 and not _line_text(text, line0).strip():
            line0, col0 = _last_content_line(text, line0)  # noticed at the end of the file
        return positions.original(line0, col0)
    offset = getattr(exc, "position", None)
    if isinstance(offset, int):
        return index.position(offset)
    return (1, 1)


def _line_text(text: str, line0: int) -> str:
    lines = text.splitlines()
    return lines[line0] if line0 < len(lines) else ""


def _last_content_line(text: str, before: int) -> tuple[int, int]:
    lines = text.splitlines()
    for n in range(min(before, len(lines)) - 1, -1, -1):
        if lines[n].strip() and not lines[n].lstrip().startswith("#"):
            return n, len(lines[n]) - len(lines[n].lstrip())
    return 0, 0


def syntax_finding(exc: Exception, position: tuple[int, int], secret: bool) -> Diagnostic:
    """MT100 in words; the engine's own words follow for reference (never on a line that may
    hold a secret: they can quote a character of it)."""
    problem = str(getattr(exc, "problem", None) or str(exc).splitlines()[0] if str(exc)
                  else "")
    context = str(getattr(exc, "context", None) or "")
    raw = f"{problem} ({context})" if problem and context else problem
    words, hint = next(((w, h) for needle, w, h in _SYNTAX_WORDS
                        if needle in problem or needle in context),
                       ("", "check the line against 'key: value'"))
    message = f"not well-formed: {words}" if words else "not well-formed"
    if raw and not secret:
        message += f" [YAML: {clip(raw, 100)}]"
    return error("MT100", message, *position, hint=hint)


def syntax_error(exc: Exception, lines: LineResult, positions: Positions,
                  diags: list[Diagnostic]) -> None:
    """Add the one MT100 for the engine's ``exc``, unless the line pass explained it."""
    position = _error_position(exc, LineIndex(lines.text), positions, lines.text)
    # One error per mistake: a line that already has a reading error needs no second one,
    # nor does the line after it (where the engine noticed).
    if {position[0], position[0] - 1} & lines.explained_lines:
        return
    secret = bool({position[0], position[0] - 1} & lines.secret_lines)
    diags.append(syntax_finding(exc, position, secret))
