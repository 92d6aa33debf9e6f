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
# The line breaks the parser counts (redact.py uses this one pattern too).
LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
_BREAK = LINE_BREAK
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
class ManifestText:
    text: str
    had_bom: bool
    diagnostics: tuple[Diagnostic, ...]
    # False when the bytes are not UTF-8 at all (UTF-16, UTF-32): nothing more to read.
    readable: bool = True


# Byte order marks, longest first (UTF-32 LE starts like UTF-16 LE).
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "UTF-32 BE"),
    (b"\xff\xfe", "UTF-16 LE"),
    (b"\xfe\xff", "UTF-16 BE"),
)
# How to save as UTF-8 where UTF-16 comes from (PowerShell 5.1's '>' and Out-File, Notepad's
# "Unicode").
WIDE_FIX = ("save it as UTF-8: in Notepad 'Save as' > Encoding 'UTF-8'; in PowerShell "
            "'Get-Content in.yaml | Set-Content -Encoding utf8 manifest.yaml'; or "
            "'iconv -f UTF-16 -t UTF-8'")


def wide_encoding(data: bytes) -> str | None:
    """The name of a UTF-16/UTF-32 encoding the bytes are in, with or without a BOM."""
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            return name
    head = data[:400]
    if len(head) < 4:
        return None
    # ASCII text in a wide encoding has NUL bytes in fixed places: every other byte (UTF-16)
    # or three bytes in four (UTF-32). UTF-8 text never holds NUL.
    quads = len(head) // 4
    for offset, name in ((0, "UTF-32 LE"), (3, "UTF-32 BE")):
        if all(head[4 * i + offset] != 0 and head[4 * i:4 * i + 4].count(0) == 3
               for i in range(quads)):
            return name
    even, odd = head[0::2], head[1::2]
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "UTF-16 BE"
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "UTF-16 LE"
    return None


def _legacy_hint(data: bytes, start: int, end: int) -> str | None:
    """A hint for a byte that reads as a Windows-1252 (Latin-1) character, the usual cause of
    invalid UTF-8 in a hand-edited file."""
    bad = data[start:end]
    if len(bad) != 1:
        return None
    try:
        char = bad.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if not char.isprintable():
        return None
    return (f"byte 0x{bad[0]:02X} is probably '{char}' in Windows-1252/Latin-1: save the file "
            "as UTF-8")


def decode(data: bytes) -> ManifestText:
    """Decode UTF-8 (a leading BOM tolerated); every undecodable byte run becomes MT101.

    Undecodable runs are replaced by U+FFFD so that the rest of the file can still be read
    and every other problem reported in the same run.
    """
    diagnostics: list[Diagnostic] = []
    wide = wide_encoding(data)
    if wide is not None:
        return ManifestText("", False, (error(
            "MT115", f"the file is {wide}, not UTF-8: AWS reads manifests as UTF-8 text",
            1, 1, hint=WIDE_FIX),), readable=False)
    had_bom = data.startswith(BOM)
    if had_bom:
        data = data[len(BOM):]
        diagnostics.append(warning(
            "MT102", "file starts with a UTF-8 byte order mark; AWS signs the bytes as they "
            "are, BOM included", 1, 1,
            hint="save it as UTF-8 without a BOM: in Notepad 'Save as' > Encoding 'UTF-8' (not "
            "'UTF-8 with BOM'); in PowerShell 7 'Set-Content -Encoding utf8NoBOM'; or 'sed -i "
            "1s/^\\xEF\\xBB\\xBF//' FILE"))
    parts: list[str] = []
    length = 0
    bad_offsets: list[int] = []
    hints: list[str | None] = []
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
            hints.append(_legacy_hint(data, pos + exc.start, pos + exc.end))
            parts.append("\ufffd")
            length += 1
            pos += exc.end
    text = "".join(parts)
    if bad_offsets:
        index = LineIndex(text)
        for n, (offset, hint) in enumerate(zip(bad_offsets, hints, strict=True), 1):
            line, column = index.position(offset)
            tail = (" (and more after it; stopped counting)"
                    if more and n == MAX_DECODE_FINDINGS else "")
            diagnostics.append(error("MT101", "byte sequence that is not valid UTF-8 "
                                     f"(manifests are UTF-8 text){tail}", line, column,
                                     hint=hint or "save the file as UTF-8"))
    return ManifestText(text, had_bom, tuple(diagnostics))
