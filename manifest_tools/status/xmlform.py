"""The raw API response: ``<GetStatusResponse><GetStatusResult>...`` (or CreateJob's).

As saved from a debugging proxy, or cut from ``aws ... --debug`` output, where botocore logs
the body as a Python bytes literal (``b'<?xml ...>\\n<GetStatusResponse ...'``). One element
per member, ``ArtifactList`` holding ``<member>`` items (botocore's
``query`` protocol, ``importexport/2010-06-01/service-2.json``).

Read with the standard library's expat parser, defused by refusing what it would expand: a
document with a DTD (``<!DOCTYPE``, ``<!ENTITY``) is refused before parsing, so no entity
is ever defined, expanded or fetched; the input is already bounded (4 MiB).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from .members import status_from_mapping
from .model import INTEGER, StatusReading, fail

_OPERATIONS = ("GetStatus", "CreateJob")
_START = re.compile(r"<(?:\w+:)?(?:GetStatusResponse|CreateJobResponse|ErrorResponse)\b")
_BYTES_START = re.compile(r"""b(['"])<""")
_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def looks_like_xml(text: str) -> bool:
    return _START.search(text[:64 * 1024]) is not None


def _bytes_literal(text: str) -> str | None:
    """The first ``b'<...'`` literal holding a response (botocore's --debug log), or None."""
    for m in _BYTES_START.finditer(text):
        quote, pos = m.group(1), m.end()
        while pos < len(text) and text[pos] not in (quote, "\n"):
            pos += 2 if text[pos] == "\\" else 1
        literal = text[m.start():pos + 1]
        if pos < len(text) and text[pos] == quote and _START.search(literal):
            return literal
    return None


def _document(text: str) -> str:
    """The XML document inside ``text``: a --debug bytes literal unpacked, surrounding log
    lines dropped."""
    literal = _bytes_literal(text)
    if literal is not None:
        try:
            value = ast.literal_eval(literal)  # one bytes literal, never code
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            value = None
        if isinstance(value, bytes):
            text = value.decode("utf-8", "replace")
    start = _START.search(text)
    if start is None:
        fail("no <GetStatusResponse> element")
    head = text.rfind("<?xml", 0, start.start())
    begin = head if head >= 0 and not text[head:start.start()].strip(" \t\r\n").count("\n") \
        else start.start()
    name = re.match(r"<((?:\w+:)?\w+)", text[start.start():])
    assert name is not None
    end = text.rfind(f"</{name.group(1)}>")
    if end < 0:
        fail(f"the <{name.group(1)}> element is never closed: the response was cut")
    return text[begin:end + len(name.group(1)) + 3]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_xml(text: str) -> StatusReading:
    """Read the API's XML response (see the module docstring)."""
    import xml.etree.ElementTree as ET

    document = _document(text)
    if _DTD.search(document):
        fail("the XML holds a DTD (<!DOCTYPE or <!ENTITY); AWS's responses have none, and "
             "it is not read (entities are never expanded)")
    try:
        root = ET.fromstring(document)
    except ET.ParseError as exc:
        line, column = exc.position
        fail(f"not well-formed XML: {exc}", line, column + 1)
    if _local(root.tag) == "ErrorResponse":
        code = next((e.text for e in root.iter() if _local(e.tag) == "Code"), None) or "?"
        message = next((e.text for e in root.iter() if _local(e.tag) == "Message"), None)
        fail(f"this is AWS's error response ({code}: {(message or '')[:200]}), not get-status "
             "output: the request failed; run get-status again once the error is fixed")
    result = next((child for child in root if _local(child.tag) in
                   {f"{op}Result" for op in _OPERATIONS}), None)
    if result is None:
        fail(f"<{_local(root.tag)}> holds no GetStatusResult element")
    values: dict[str, Any] = {}
    for child in result:
        name = _local(child.tag)
        if name == "ArtifactList":
            values[name] = [{_local(field.tag): field.text or "" for field in member}
                            for member in child]
        elif name == "ErrorCount" and INTEGER.fullmatch(child.text or ""):
            values[name] = int(child.text or "")
        else:
            values[name] = child.text or ""
    status, diags = status_from_mapping(values)
    return StatusReading(status, "xml", tuple(diags), ())
