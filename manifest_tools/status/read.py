"""Read what ``aws importexport get-status`` (or ``create-job``) printed, in any form.

Forms, detected from the text: the CLI's JSON (also a boto3 response dumped as JSON), the
CLI v2 YAML (``yaml`` and ``yaml-stream``), the table form (:mod:`.table`), the CLI text form
(TAB-separated, sorted keys) and that text form as documentation and e-mails re-render it
(TABs turned into spaces or non-breaking spaces, lines indented or broken): :mod:`.text`.

Before the form is told, what the platform added is undone once and reported: a UTF-16 or
UTF-32 encoding with or without a BOM (Windows PowerShell 5.1's ``>``), a UTF-8 BOM, and a
console's LF -> CRLF translation (only when every LF follows a CR).

Values are kept exactly as printed: no YAML typing (``CreationDate`` stays the printed
string), CR LF inside ``CurrentManifest`` kept, ``ErrorCount`` made an ``int`` by us.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace

from ..diagnostics import Diagnostic, warning
from ..inputs import STATUS_LIMIT as MAX_STATUS_BYTES
from ..textcodec import decode_text, strip_paste_spaces, undo_console_crlf
from .members import status_from_mapping
from .model import StatusReading, fail

__all__ = ["read_status", "status_from_mapping"]

_EXPECTED = "expected the output of 'aws importexport get-status' as json, yaml, text or table"


def _decode(data: bytes) -> tuple[str, list[Diagnostic]]:
    try:
        decoded = decode_text(data)
    except UnicodeDecodeError as exc:
        fail(f"input is not UTF-8 or UTF-16 text (byte {exc.start}); {_EXPECTED}")
    notes = []
    if decoded.note is not None and decoded.encoding != "utf-8":
        notes.append(warning("MT506", decoded.note))
    from .mail import unquote

    text, depth = unquote(decoded.text)
    if depth:
        marks = " ".join([">"] * depth)
        notes.append(warning("MT520", f"every line was quoted as in an e-mail reply ('{marks} "
                             "' before each line); the quote marks were removed",
                             hint="save the get-status output from the original message, or "
                             "run get-status again"))
    text, padded = strip_paste_spaces(text)
    if padded:
        notes.append(warning("MT511", "every line ended in spaces, as terminals and e-mail "
                             "add them to a copy; they were removed"))
    text, translated = undo_console_crlf(text)
    if translated:
        notes.append(warning("MT507", "every line ended in CR LF, as a Windows console "
                             "writes it; that translation was undone once (a CR LF that "
                             "AWS sent inside a value is kept)"))
    return text, notes


def read_status(data: bytes) -> StatusReading:
    """Read get-status/create-job output in any form the CLI (or a document) prints.

    Raises :class:`StatusFormatError` (rule MT501) when the bytes are in no known form.
    """
    if len(data) > MAX_STATUS_BYTES:
        fail(f"input is {len(data)} bytes; get-status output is at most a few kilobytes "
             f"(limit {MAX_STATUS_BYTES})")
    text, notes = _decode(data)
    if not text.strip():
        fail(f"input is empty; {_EXPECTED}")
    from .consistency import settle

    reading = settle(_read_form(text))
    if notes:
        reading = replace(reading, diagnostics=(*notes, *reading.diagnostics))
    return reading


def _read_form(text: str) -> StatusReading:
    from .powershell import looks_like_list
    from .pyrepr import looks_like_repr
    from .table import looks_like_table
    from .xmlform import looks_like_xml
    from .yamlform import looks_like_yaml

    if looks_like_repr(text):
        from .pyrepr import read_repr

        return read_repr(text)
    if text.lstrip().startswith("{"):
        return _read_json(text)
    if looks_like_xml(text):
        from .xmlform import read_xml

        return read_xml(text)
    if looks_like_list(text):
        from .powershell import read_list

        return read_list(text)
    if looks_like_yaml(text):
        from .yamlform import read_yaml

        return read_yaml(text)
    if looks_like_table(text):
        return _read_table(text)
    from .text import read_text_status

    return read_text_status(text)


def _loads(text: str) -> object:
    import json

    try:
        return json.loads(text)
    except RecursionError:
        # The json scanner recurses per nesting level; get-status output nests two levels.
        fail("JSON nested far deeper than get-status output ever is")
    except json.JSONDecodeError:
        raise  # the caller may join lines a mail client broke, then try again
    except ValueError:
        # Python refuses to turn more than 4,300 digits into an int (CVE-2020-10735).
        line, column = _located(text, _LONG_NUMBER)
        fail(f"a number with more than {sys.get_int_max_str_digits():,} digits; get-status "
             "output holds no such number", line, column)


def _read_json(text: str) -> StatusReading:
    import json

    from .mail import unwrap_json
    from .powershell import from_convert_to_json

    notes: list[Diagnostic] = []
    uncertain: list[str] = []
    try:
        obj = _loads(text)
    except json.JSONDecodeError as exc:
        joined, lines, guessed = unwrap_json(text)
        try:
            obj = _loads(joined) if lines else None
        except json.JSONDecodeError:
            obj = None
        if obj is None:
            fail(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                 exc.lineno, exc.colno)
        members = _members_at(text, lines)
        notes.append(warning(
            "MT521", f"a mail client had broken {len(lines)} line(s) inside JSON strings "
            f"({', '.join(members)}); the lines were joined again",
            hint="save the get-status output as an attachment, not in the message body"))
        if guessed:
            uncertain.extend(members)
            notes.extend(warning("MT503", f"{m} was joined where the mail client broke a line; "
                                 "whether a space stood at the break is a guess",
                                 pointer=f"/{m}") for m in members)
    if _LONE_SURROGATE.search(text) and _has_surrogate(obj):
        # '\ud800' alone is valid JSON but no character: it can be neither printed nor
        # encoded (get-status output is UTF-8 text).
        line, column = _located(text, _LONE_SURROGATE)
        fail("a \\u escape of half a UTF-16 surrogate pair, which is no character; "
             "get-status output is UTF-8 text", line, column)
    if not isinstance(obj, dict):
        fail("JSON top level is not an object; expected get-status output")
    status, diags = status_from_mapping(from_convert_to_json(obj))
    return StatusReading(status, "json", (*notes, *diags), tuple(uncertain))


def _members_at(text: str, lines: list[int]) -> list[str]:
    """The JSON member each of ``lines`` (1-based) belongs to: the nearest key above (or
    on) the line. One pass over the rows: a search upward from every broken line was
    quadratic in a value of many short lines."""
    import re

    key = re.compile(r'^\s*"(\w+)"\s*:')
    wanted = set(lines)
    found: list[str] = []
    current: str | None = None
    for number, row in enumerate(text.split("\n"), 1):
        m = key.match(row)
        if m is not None:
            current = m.group(1)
        if number in wanted and current is not None and current not in found:
            found.append(current)
    return found


# A JSON number's digits; a UTF-16 high surrogate escape not followed by a low one, or a
# low one alone.
_LONG_NUMBER = re.compile(r"[0-9]{4000,}")
_LONE_SURROGATE = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                             r"|(?<![0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def _located(text: str, pattern: re.Pattern[str]) -> tuple[int, int]:
    found = pattern.search(text)
    if found is None:
        return 1, 1
    start = found.start()
    line_start = text.rfind("\n", 0, start) + 1
    return text.count("\n", 0, start) + 1, start - line_start + 1


def _has_surrogate(obj: object) -> bool:
    """Whether any key or string in the decoded JSON holds a lone surrogate."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if any("\ud800" <= ch <= "\udfff" for ch in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _read_table(text: str) -> StatusReading:
    from .table import read_table, table_mapping

    status, diags = status_from_mapping(table_mapping(read_table(text)))
    return StatusReading(status, "table", tuple(diags), ())
