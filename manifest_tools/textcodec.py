"""Text as users' platforms hand it to us: UTF-8/16/32 with or without a BOM, CRLF consoles.

Windows PowerShell 5.1's ``>`` writes UTF-16LE with a BOM (and CRLF line ends); PowerShell
7 and ``Out-File -Encoding utf8`` write UTF-8, 5.1 with a BOM. A Windows console turns every
``\\n`` a program prints into ``\\r\\n``. These helpers undo exactly that, once, and say what
they undid, so readers can hand the user the bytes AWS sent.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

# Longest BOM first: the UTF-32LE BOM starts with the UTF-16LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Characters a web page or word processor puts where the CLI printed a TAB or a space.
ODD_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009" \
    "\u200a\u202f\u205f\u3000"
_TO_SPACE = str.maketrans(dict.fromkeys(ODD_SPACES, " "))


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str  # "utf-8", "utf-16-le", ...
    bom: bool

    @property
    def note(self) -> str | None:
        """A sentence for the user when the encoding was not plain UTF-8, else None."""
        if self.encoding == "utf-8":
            return "the file starts with a UTF-8 byte order mark" if self.bom else None
        how = "with" if self.bom else "without"
        return f"the file is {self.encoding.upper()} {how} a byte order mark (as Windows " \
            "PowerShell 5.1 writes it); read as that encoding"


def _guess_wide(data: bytes) -> str | None:
    """UTF-16/32 without a BOM, told by where the NUL bytes of ASCII text sit."""
    head = data[:64]
    if len(head) < 4 or b"\x00" not in head:
        return None
    if len(data) % 4 == 0 and head[1:4] == b"\x00\x00\x00" and head[0]:
        return "utf-32-le"
    if len(data) % 4 == 0 and head[:3] == b"\x00\x00\x00" and head[3]:
        return "utf-32-be"
    if len(data) % 2:
        return None
    odd, even = head[1::2], head[0::2]
    if odd.count(0) * 4 >= len(odd) * 3 and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) * 4 >= len(even) * 3 and odd.count(0) == 0:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> DecodedText:
    """Decode by BOM, else UTF-16/32 by NUL pattern, else UTF-8; the BOM is dropped.

    Raises UnicodeDecodeError (``start`` = offset in ``data``) when the bytes are none.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                return DecodedText(body.decode(encoding), encoding, True)
            except UnicodeDecodeError as exc:
                raise UnicodeDecodeError(exc.encoding, data, exc.start + len(bom),
                                         exc.end + len(bom), exc.reason) from None
    wide = _guess_wide(data)
    if wide is not None:
        try:
            return DecodedText(data.decode(wide), wide, False)
        except UnicodeDecodeError:
            pass  # not that after all: report it as UTF-8 below
    return DecodedText(data.decode("utf-8"), "utf-8", False)


def undo_console_crlf(text: str) -> tuple[str, bool]:
    """Undo a console's LF -> CRLF translation: only when every LF follows a CR, once.

    A CRLF inside a value became CR CR LF and comes back as CR LF; text holding one bare LF
    was not translated and is returned unchanged.
    """
    lf = text.count("\n")
    if not lf or text.count("\r\n") != lf:
        return text, False
    return text.replace("\r\n", "\n"), True


def plain_spaces(text: str) -> tuple[str, bool]:
    """Non-breaking and other typographic spaces as plain spaces; True when any was found."""
    changed = text.translate(_TO_SPACE)
    return changed, changed != text


def strip_paste_spaces(text: str) -> tuple[str, bool]:
    """Spaces a terminal or mail program appended to *every* line, removed; else unchanged.

    Only when each non-empty line ends in a space (a CR before the spaces is kept): text in
    which some line does not was not padded, and its spaces are its own.
    """
    lines = text.split("\n")
    body = [ln for ln in lines if ln]
    if not body or not all(ln.endswith((" ", "\u00a0")) for ln in body):
        return text, False
    return "\n".join(ln.rstrip(" \u00a0") for ln in lines), True
