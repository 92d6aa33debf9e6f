"""Bytes to text, and character offsets to 1-based (line, column) in the original input.

Line breaks are the ones the YAML engine counts (``\\r\\n``, ``\\r``, ``\\n``, NEL, LS, PS), so a
position reported by the engine and a position computed here always agree. Columns count
Unicode code points, as editors do.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ..diagnostics import Diagnostic, error, warning

BOM = b"\xef\xbb\xbf"
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
MAX_DECODE_FINDINGS = 20


class LineIndex:
    """Maps a character offset in a text to its 1-based line and column."""

    __slots__ = ("_starts",)

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset) - 1
        return line + 1, offset - self._starts[line] + 1


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    had_bom: bool
    diagnostics: tuple[Diagnostic, ...]


def decode(data: bytes) -> DecodedText:
    """Decode UTF-8 (a leading BOM tolerated); every undecodable byte run becomes MT101.

    Undecodable runs are replaced by U+FFFD so that the rest of the file can still be read
    and every other problem reported in the same run.
    """
    diagnostics: list[Diagnostic] = []
    had_bom = data.startswith(BOM)
    if had_bom:
        data = data[len(BOM):]
        diagnostics.append(warning("MT102", "file starts with a UTF-8 byte order mark; AWS "
                                   "signs the bytes as they are, BOM included", 1, 1))
    parts: list[str] = []
    length = 0
    bad_offsets: list[int] = []
    pos = 0
    more = False
    while True:
        if len(bad_offsets) >= MAX_DECODE_FINDINGS:
            rest = data[pos:]
            try:
                parts.append(rest.decode("utf-8"))
            except UnicodeDecodeError:
                parts.append(rest.decode("utf-8", errors="replace"))
                more = True
            break
        try:
            parts.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            good = data[pos:pos + exc.start].decode("utf-8")
            parts.append(good)
            length += len(good)
            bad_offsets.append(length)
            parts.append("\ufffd")
            length += 1
            pos += exc.end
    text = "".join(parts)
    if bad_offsets:
        index = LineIndex(text)
        for n, offset in enumerate(bad_offsets, 1):
            line, column = index.position(offset)
            tail = (" (and more after it; stopped counting)"
                    if more and n == MAX_DECODE_FINDINGS else "")
            diagnostics.append(error("MT101", "byte sequence that is not valid UTF-8 "
                                     f"(manifests are UTF-8 text){tail}", line, column))
    return DecodedText(text, had_bom, tuple(diagnostics))
