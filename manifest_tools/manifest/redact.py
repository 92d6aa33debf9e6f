"""The one place secrets are hidden: ``trueCryptPassword`` and ``pinCode`` values.

Redaction follows the parser, never a search for the secret's value: the manifest is parsed
(``parse.parse_manifest``) and every piece of text that lies inside a secret field's value,
in whatever form YAML allows (a block scalar ``|``/``>``, a plain or quoted value continued
on the next lines, an explicit ``? pinCode`` key, a one-line JSON or flow mapping, a key
after a BOM or a compact ``key:value``), is replaced by ``****`` at the place the parser
found it (``Manifest.secret_spans``). So a password that also appears in another value (a
street, a bucket) does not blank that value, and a form the parser reads cannot leak.

When the text cannot be parsed (or the parser stopped early: a second document, too many
values), nothing says where a value ends, so every line that may hold a secret is masked
(:func:`_mask_lines`): a secret field's line after its key, the lines that may continue it,
any line naming a secret field in another way or holding an escape.

Line structure is kept: each masked line keeps its indentation and its line end, so a masked
text has as many lines as the real one (the manifest diff relies on it). Linear in the
text's length: no pattern here can backtrack over a run of blanks.
"""

from __future__ import annotations

import re

from ..aws import SECRET_FIELDS
from .decode import LINE_BREAK
from .lines import INVISIBLE
from .parse import SPAN_LINE_END, Manifest, parse_manifest

__all__ = ["MASK", "redact_manifest_text"]

MASK = "****"

# The line breaks the parser counts: a position's line is one of these.
_BREAK = LINE_BREAK
_BOM = "\ufeff"


def redact_manifest_text(text: str, parsed: Manifest | None = None) -> str:
    """``text`` with every secret value replaced by ``****`` (see the module docstring).
    ``parsed``: ``parse_manifest(text.encode())`` when the caller holds it already."""
    spans = _secret_offsets(text, parsed)
    if spans is None:
        return _mask_lines(text)
    return _mask_spans(text, spans)


# --- from the parser's spans --------------------------------------------------------------


def _secret_offsets(text: str, parsed: Manifest | None) -> list[tuple[int, int]] | None:
    """Character ranges of ``text`` that hold secrets; None when the parser did not read
    the whole text."""
    if parsed is None:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: not text the parser can read
            return None
        parsed = parse_manifest(data)
    manifest = parsed
    if not manifest.readable or not manifest.complete:
        return None
    if not manifest.secret_spans:
        return []
    # The parser drops a leading BOM: its line 1, column 1 is the character after it.
    base = 1 if text.startswith(_BOM) else 0
    starts = [base]
    ends = []
    for found in _BREAK.finditer(text, base):
        ends.append(found.start())
        starts.append(found.end())
    ends.append(len(text))

    def offset(line: int, column: int) -> int:
        if line > len(starts):
            return len(text)
        index = line - 1
        return min(starts[index] + column - 1, ends[index]) if column < SPAN_LINE_END \
            else ends[index]

    return [(offset(*start), offset(*end)) for start, end in manifest.secret_spans]


def _mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    done = 0
    for start, end in sorted(spans):
        start = max(start, done)
        if end <= start:
            continue
        out.append(text[done:start])
        out.append(_mask_piece(text[start:end]))
        done = end
    out.append(text[done:])
    return "".join(out)


def _mask_piece(piece: str) -> str:
    """Each line of ``piece`` that has text becomes its indentation and ``****``; line ends
    stay where they are."""
    parts = _BREAK.split(piece)
    breaks = _BREAK.findall(piece)
    masked = [part[: len(part) - len(part.lstrip(" \t"))] + MASK if part.strip() else part
              for part in parts]
    return "".join(m + b for m, b in zip(masked, [*breaks, ""], strict=True))


# --- without a parse: by lines -------------------------------------------------------------

# A line that sets a secret: `key: value`, `key:value`, `- key: value`, the key quoted or
# not. Anchored at the line's start and with a dash between the two runs of blanks, so it
# never backtracks over a run of blanks.
_SECRET_HEAD = re.compile(r"[ \t]*(?:-[ \t]+)?[\"']?(?:" + "|".join(sorted(SECRET_FIELDS))
                          + r")[\"']?[ \t]*:")
# A line that sets a field (not a secret one): `name: value` or `name:` at any indentation.
_FIELD_LINE = re.compile(r"[ \t]*(?:-[ \t]+)?[\"']?([A-Za-z][A-Za-z0-9_]*)[\"']?[ \t]*:(?:[ \t]|$)")
# What the parser reads as a blank (invisible spaces, controls): looked at as spaces here.
_AS_BLANK = {ord(c): " " for c in INVISIBLE} | {c: " " for c in range(0x20) if c not in (9, 10)}
# Breaks other than LF inside a line: a YAML reader may start a new line there.
_ODD_BREAK = re.compile(r"[\r\x85\u2028\u2029]")
_LF_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def _mask_lines(text: str) -> str:
    """Mask, line by line (LF-ended), every line that may hold a secret:

    - a line setting a secret keeps its key, its value becomes ``****``; the lines after it
      that are indented more (a block or multi-line value) are masked, and after an empty
      value the next line that is not a known field (a value wrapped onto its own line);
    - a line that names a secret field in any other way (``? pinCode``, JSON, after a BOM),
      holds a backslash (an escape may spell a field name) or another line break is masked
      whole;
    - blank lines, comments outside a secret value and ``key: value`` lines are kept.
    """
    from ..aws import MANIFEST_FIELDS

    out: list[str] = []
    block: int | None = None  # indentation of the secret line whose value may go on
    after_empty = False
    for line in _LF_LINE.findall(text):
        body = line.rstrip("\r\n")
        end = line[len(body):]
        seen = body.translate(_AS_BLANK)
        stripped = seen.strip()
        indent = len(seen) - len(seen.lstrip(" \t"))
        if not stripped:
            out.append(line)
            continue
        head = _SECRET_HEAD.match(seen)
        if head is not None:
            value = body[head.end():]
            out.append(body[: head.end()] + (" " if value[:1] in (" ", "\t") else "")
                       + (MASK if value.strip() else "") + end)
            block, after_empty = indent, not value.strip()
            continue
        field = _FIELD_LINE.match(seen)
        odd = ("\\" in body or _ODD_BREAK.search(body) is not None
               or any(name in seen for name in SECRET_FIELDS))
        if block is not None:
            if indent <= block and stripped.startswith("#"):
                out.append(line)  # a comment beside the value, not in it
                continue
            known = field is not None and not odd and (
                field.group(1) in MANIFEST_FIELDS or not after_empty)
            after_empty = False
            if indent <= block and known:
                block = None
                out.append(line)
                continue
            out.append(body[:indent] + MASK + end)
            continue
        if odd:
            out.append(body[:indent] + MASK + end)
            # '? pinCode', a key after a BOM, an escaped name: its value may follow.
            block, after_empty = indent, True
        else:
            out.append(line)
    return "".join(out)
