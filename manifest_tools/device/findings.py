"""Findings of a device check: at most FINDINGS_PER_RULE per rule, names shown escaped.

Shared by the preflight and its export checks. Every finding is a :class:`Diagnostic` with
``path`` set (the device-relative name, as :func:`display_path` shows it).
"""

from __future__ import annotations

import re

from ..diagnostics import FINDINGS_PER_RULE, Capped, Diagnostic, Severity

__all__ = ["FINDINGS_PER_RULE", "Findings", "display_path", "finding"]

_UNCLEAN = re.compile(r"[\x00-\x1f\x7f-\x9f\\\udc80-\udcff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def display_path(text: str) -> str:
    """``text`` as shown in findings and the CSV: unchanged when clean, else with control
    characters, backslashes and bytes that are not UTF-8 (surrogate escapes) written as
    ``\\n``, ``\\\\``, ``\\xff``, so a name can never break a line or a terminal."""
    if _UNCLEAN.search(text) is None:
        return text
    return "".join(_escape_char(c) for c in text)


def _escape_char(c: str) -> str:
    if c in _ESCAPES:
        return _ESCAPES[c]
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    return c


def finding(rule: str, severity: Severity, message: str, path: str | None,
             hint: str | None = None) -> Diagnostic:
    return Diagnostic(rule, severity, message, pointer="", hint=hint, path=path)


class Findings(Capped):
    """The capped collector (``diagnostics.Capped``), with device findings' shortcuts; the
    overflow is reported as MT623."""

    __slots__ = ()

    def error(self, rule: str, message: str, path: str | None = None,
              hint: str | None = None) -> None:
        self.add(finding(rule, Severity.ERROR, message, path, hint))

    def warning(self, rule: str, message: str, path: str | None = None,
                hint: str | None = None) -> None:
        self.add(finding(rule, Severity.WARNING, message, path, hint))

    def finish(self) -> tuple[Diagnostic, ...]:
        return tuple(self.kept + self.overflow("MT623"))
