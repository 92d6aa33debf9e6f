"""AWS Tools for PowerShell: ``Get-IEStatus`` as its list layout and ``ConvertTo-Json``.

``Get-IEStatus -JobId X > status.txt`` (AWS Tools for PowerShell) writes the response object
as PowerShell's list layout: one ``Name : Value`` line per property, names padded to one
column, a value's further lines indented to the value column, empty members printed empty,
then the .NET response's own properties (``ResponseMetadata``, ``ContentLength``,
``HttpStatusCode``). Windows PowerShell 5.1 writes it as UTF-16LE with CR LF (undone
before this module sees it). ``CreationDate`` is a .NET DateTime printed in the machine's
culture and time zone, so it is kept as printed; ``ArtifactList`` shows only type names.
A line as long as the longest line may have been wrapped by PowerShell: its member is
reported uncertain.

``ConvertTo-Json`` writes a DateTime as ``"\\/Date(1432753101000)\\/"`` (milliseconds since
1970, UTC): :func:`json_date` turns it into the timestamp the AWS CLI prints.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ..diagnostics import Diagnostic, warning
from .members import status_from_mapping
from .model import IGNORED_MEMBERS, INTEGER, MEMBERS, StatusReading, fail

# Properties of the .NET response object (AmazonWebServiceResponse) beside AWS's members.
DOTNET_MEMBERS = frozenset({"ContentLength", "HttpStatusCode"})
_NAMES = "|".join((*MEMBERS, *IGNORED_MEMBERS, *DOTNET_MEMBERS))
_LABEL = re.compile(rf"(?P<name>{_NAMES})(?P<pad> *):(?: (?P<value>.*)|$)")
# The narrowest console PowerShell wraps at; a file narrower than this was not wrapped.
_NARROWEST = 79
_JSON_DATE = re.compile(r"/Date\((?P<ms>-?\d{1,15})(?P<tz>[+-]\d{4})?\)/")


def looks_like_list(text: str) -> bool:
    """Two or more ``Name : Value`` lines of get-status members, colons in one column."""
    columns = set()
    count = 0
    for line in text.split("\n"):
        m = _LABEL.match(line)
        if m is not None and m.group("pad"):
            columns.add(m.start("pad") + len(m.group("pad")))
            count += 1
    return count >= 2 and len(columns) == 1


def _entries(text: str) -> tuple[dict[str, list[str]], int, list[str]]:
    """Each property's value lines, the colon's column, and the lines that fit no entry."""
    lines = text.split("\n")
    colon = next(m.start("pad") + len(m.group("pad")) for line in lines
                 if (m := _LABEL.match(line)) is not None and m.group("pad"))
    indent = " " * (colon + 2)
    entries: dict[str, list[str]] = {}
    stray: list[str] = []
    current: list[str] | None = None
    for line in lines:
        m = _LABEL.match(line)
        if m is not None and m.start("pad") + len(m.group("pad")) == colon:
            current = entries.setdefault(m.group("name"), [])
            current.append(m.group("value") or "")
        elif current is not None and line.startswith(indent):
            current.append(line[len(indent):])
        elif not line.strip(" "):
            if current is not None:
                current.append("")  # a blank line inside a value, or the end of the list
        else:
            stray.append(line)
            current = None
    for value in entries.values():
        while len(value) > 1 and value[-1] == "":
            value.pop()
    return entries, colon, stray


def read_list(text: str) -> StatusReading:
    """Read Get-IEStatus's list layout (see the module docstring)."""
    entries, colon, stray = _entries(text)
    width = max((len(line) for line in text.split("\n")), default=0)
    values: dict[str, object] = {}
    uncertain: list[str] = []
    notes: list[Diagnostic] = []
    for name, lines in entries.items():
        if name in DOTNET_MEMBERS or name in IGNORED_MEMBERS:
            continue
        if name == "ArtifactList":
            if lines != ["{}"]:
                notes.append(warning("MT503", "ArtifactList shows only .NET type names in "
                                     "this layout; its URLs are not read", pointer="/ArtifactList",
                                     hint="Get-IEStatus ... | ConvertTo-Json shows them"))
            continue
        value = "\n".join(lines).rstrip(" ")
        if not value:
            continue  # PowerShell prints an absent (null) member empty
        values[name] = int(value) if name == "ErrorCount" and INTEGER.fullmatch(value) \
            else value
        if len(lines) > 1 and width >= _NARROWEST and \
                any(colon + 2 + len(ln) >= width for ln in lines[:-1]):
            uncertain.append(name)
            notes.append(warning("MT503", f"{name} has a line as long as the layout's width "
                                 f"({width} columns): PowerShell may have wrapped it there",
                                 pointer=f"/{name}",
                                 hint="widen the output (Format-List | Out-File -Width 4096 "
                                 "FILE), or use ConvertTo-Json"))
    if stray:
        fail(f"a line of the PowerShell list is neither 'Name : Value' nor a continuation: "
             f"{stray[0][:60]!r}")
    status, diags = status_from_mapping(values)
    notes.insert(0, warning(
        "MT522", "read from AWS Tools for PowerShell's list layout (Get-IEStatus); "
        "CreationDate is kept as PowerShell printed it (local time and culture), and a "
        "final newline of SignatureFileContents or CurrentManifest cannot be seen in this "
        "layout",
        hint="Get-IEStatus -JobId ID | ConvertTo-Json > status.json keeps every value exact"))
    return StatusReading(status, "powershell", (*notes, *diags), tuple(uncertain))


def json_date(value: str) -> str | None:
    """``/Date(1432753101000)/`` (ConvertTo-Json) as the AWS CLI prints a timestamp
    (``2015-05-27T18:58:21Z``; milliseconds kept when not zero), else None."""
    m = _JSON_DATE.fullmatch(value)
    if m is None:
        return None
    try:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(m.group("ms")))
    except OverflowError:
        return None
    # The offset of "/Date(ms+0200)/" only says which zone the writer was in; ms is UTC.
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def from_convert_to_json(obj: dict[str, Any]) -> dict[str, Any]:
    """A get-status mapping as ``ConvertTo-Json`` wrote the .NET response: dates as
    ``/Date(ms)/`` made timestamps, enum objects (``{"Value": "Import"}``) their value, the
    .NET properties dropped. Any other mapping is returned unchanged."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key in DOTNET_MEMBERS:
            continue
        if isinstance(value, dict) and set(value) == {"Value"} and \
                isinstance(value["Value"], str):
            value = value["Value"]  # AWS SDK for .NET ConstantClass (JobType)
        if key == "CreationDate" and isinstance(value, str):
            value = json_date(value) or value
        out[key] = value
    return out
