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


# Findings of one rule listed at most (device checks, logs); the rest are counted.
FINDINGS_PER_RULE = 200


def overflow_message(rule: str, count: int, limit: int) -> str:
    """The one wording of "too many findings of one rule"."""
    return f"{count - limit} more {rule} findings not listed ({count} in all)"


class Capped:
    """The one capped collector: at most ``limit`` findings of a rule kept (in ``kept``),
    the rest counted; :meth:`overflow` says how many more, in one wording. (The manifest
    reader stops *checking* a rule at its cap, so it says so in the last finding instead:
    ``manifest/lines.py``.)"""

    __slots__ = ("counts", "kept", "limit")

    def __init__(self, limit: int = FINDINGS_PER_RULE) -> None:
        self.limit = limit
        self.kept: list[Diagnostic] = []
        self.counts: dict[str, int] = {}

    def add(self, d: Diagnostic) -> None:
        n = self.counts[d.rule] = self.counts.get(d.rule, 0) + 1
        if n <= self.limit:
            self.kept.append(d)

    def overflow(self, rule: str | None = None, line: int = 1) -> list[Diagnostic]:
        """A warning per rule over the cap, sorted by rule: under ``rule`` (e.g. MT623) when
        given, else under the rule itself, at ``line`` of its input."""
        return [Diagnostic(rule or r, Severity.WARNING, overflow_message(r, n, self.limit),
                           line, 1)
                for r, n in sorted(self.counts.items()) if n > self.limit]


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
