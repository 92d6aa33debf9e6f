"""Text output is safe for a terminal: the one escaping every text renderer ends with.

Values in get-status output, log file names, manifest text and device paths come from
outside; an ESC or a C1 control among them would reach the terminal as a command (OSC 0 sets
the window title, OSC 52 writes the clipboard, OSC 8 makes links, CSI moves the cursor or
rewrites lines) and a lone CR overwrites what was printed. Every C0 control but LF and TAB,
DEL and every C1 control is written as ``\\xNN``; a lone surrogate (a byte that was not
UTF-8, or a ``\\udXXX`` escape) as ``\\udXXX``, which also keeps the output encodable.
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["escape_controls"]


@cache
def _unsafe() -> re.Pattern[str]:
    # Compiled on first use: most runs print nothing that needs it (~1 ms to compile).
    return re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


def escape_controls(text: str) -> str:
    """``text`` with every control character but LF and TAB escaped (see the module)."""
    if text.isprintable():  # every character the pattern finds is unprintable
        return text
    return _unsafe().sub(_escaped, text)
