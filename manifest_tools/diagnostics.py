"""The one finding type: every problem the toolkit reports is a ``Diagnostic``.

Modelled on yamllint's problems and cfn-lint's matches: a small frozen object with a stable
rule id, a severity and a 1-based position in the *original* bytes of the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is: an ``error`` fails validation, a ``warning`` only with --strict."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding.

    ``line`` and ``column`` are 1-based and count characters (Unicode code points) of the
    original input, before any normalisation the reader did. ``pointer`` is a JSON Pointer
    (RFC 6901) into the parsed document, ``""`` for the whole document.
    """

    rule: str
    severity: Severity
    message: str
    line: int = 1
    column: int = 1
    pointer: str = ""
    hint: str | None = None
    # A finding about a file on a device (preflight, logs) names it here.
    path: str | None = None
    # The input ``line`` and ``column`` point into (a manifest's label, the log, the
    # get-status file), when the finding is located in one other than the command's own
    # input; None: the finding has no place in an input, or the renderer knows it.
    source: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.line, self.column, self.rule, self.message)


def error(rule: str, message: str, line: int = 1, column: int = 1, pointer: str = "",
          hint: str | None = None) -> Diagnostic:
    return Diagnostic(rule, Severity.ERROR, message, line, column, pointer, hint=hint)


def warning(rule: str, message: str, line: int = 1, column: int = 1, pointer: str = "",
            hint: str | None = None) -> Diagnostic:
    return Diagnostic(rule, Severity.WARNING, message, line, column, pointer, hint=hint)


def location(d: Diagnostic) -> str | None:
    """``source:line:col`` of a finding located in an input, else None: the one way every
    renderer prints where a finding points (never pasted into the message)."""
    return None if d.source is None else f"{d.source}:{d.line}:{d.column}"


def clip(text: str, limit: int = 60) -> str:
    """Input quoted in a message is cut to ``limit`` characters: a 500 KB key or value must
    not make a 500 KB message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def pointer_join(base: str, token: str | int) -> str:
    """Append one reference token to a JSON Pointer, escaping ``~`` and ``/`` (RFC 6901)."""
    text = str(token).replace("~", "~0").replace("/", "~1")
    return f"{base}/{text}"
