"""What ``validate --fix`` did and ``--diff`` would do: pure renderers to text."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from ..manifest.fix import Change

SIGNATURE_NOTE = ("the fixed manifest's bytes changed: a SIGNATURE made from it before the "
                  "fix no longer matches; sign it again before shipping")


def render_changes(path: str, changes: Sequence[Change]) -> str:
    """``path: fixed 2 findings`` and one indented line per fix."""
    count = len(changes)
    lines = [f"{path}: fixed {count} finding{'' if count == 1 else 's'}"]
    lines += [f"    {path}:{c.line}: {c.rule} {c.description}" for c in changes]
    return "\n".join(lines) + "\n"


def render_diff(path: str, before: bytes, after: bytes) -> str:
    """A unified diff of the manifest's text; line endings shown as they are (a CR as
    ``\\r`` would be invisible, so it is written out), a missing final newline marked."""
    def lines(data: bytes) -> list[str]:
        text = data.decode("utf-8", errors="replace")
        return [_visible(line) for line in text.splitlines(keepends=True)]

    out = []
    for line in difflib.unified_diff(lines(before), lines(after), f"{path} (original)",
                                     f"{path} (fixed)"):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _visible(line: str) -> str:
    body = line.rstrip("\r\n")
    end = line[len(body):]
    shown = body.replace("\ufeff", "<BOM>")
    return shown + ("\\r\n" if end in ("\r\n", "\r") else end)
