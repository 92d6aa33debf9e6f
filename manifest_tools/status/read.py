"""Read what ``aws importexport get-status`` (or ``create-job``) printed, in any form.

Forms, detected from the bytes: the CLI's JSON (also a boto3 response dumped as JSON), the
CLI v2 YAML (``yaml`` and ``yaml-stream``), the CLI text form (TAB-separated, sorted keys)
and that text form as documentation and e-mails re-render it (TABs turned into spaces,
lines indented or broken). The text forms are read in :mod:`manifest_tools.status.text`.

Values are kept exactly as printed: no YAML typing (``CreationDate`` stays the printed
string), CR LF inside ``CurrentManifest`` kept, ``ErrorCount`` made an ``int`` by us.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..diagnostics import Diagnostic, error, pointer_join, warning
from ..inputs import STATUS_LIMIT as MAX_STATUS_BYTES
from .model import (
    IGNORED_MEMBERS,
    INTEGER,
    MEMBERS,
    Artifact,
    JobStatus,
    StatusReading,
    fail,
)


def read_status(data: bytes) -> StatusReading:
    """Read get-status/create-job output in any form the CLI (or a document) prints.

    Raises :class:`StatusFormatError` (rule MT501) when the bytes are in no known form.
    """
    if len(data) > MAX_STATUS_BYTES:
        fail(f"input is {len(data)} bytes; get-status output is at most a few kilobytes "
              f"(limit {MAX_STATUS_BYTES})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(f"input is not UTF-8 text (byte {exc.start}); expected the output of "
              "'aws importexport get-status' as json, yaml or text")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        fail("input is empty; expected the output of 'aws importexport get-status' "
              "as json, yaml or text")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _read_json(text)
    if _looks_like_yaml(text):
        return _read_yaml(text)
    from .text import read_text_status

    return read_text_status(text)


# --- JSON ---------------------------------------------------------------------------------

def _read_json(text: str) -> StatusReading:
    import json

    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
              exc.lineno, exc.colno)
    except RecursionError:
        # The json scanner recurses per nesting level; get-status output nests two levels.
        fail("JSON nested far deeper than get-status output ever is")
    if not isinstance(obj, dict):
        fail("JSON top level is not an object; expected get-status output")
    status, diags = status_from_mapping(obj)
    return StatusReading(status, "json", tuple(diags), ())


# --- YAML ---------------------------------------------------------------------------------

_MEMBER_ALT = "|".join((*MEMBERS, *IGNORED_MEMBERS))
# First content line of CLI v2 YAML: a member key, optionally as the one item of yaml-stream.
_YAML_START = re.compile(rf"(?:---[ \t]*\n)?(?:-[ \t]+)?[\"']?(?:{_MEMBER_ALT})[\"']?:(?:[ \t]|$)",
                         re.MULTILINE)


def _looks_like_yaml(text: str) -> bool:
    body = text.lstrip("\r\n")
    return _YAML_START.match(body) is not None


class _Plain:
    """A plain (unquoted) YAML scalar: typed by us, never by the YAML library."""

    __slots__ = ("line", "text")

    def __init__(self, text: str, line: int) -> None:
        self.text = text
        self.line = line


def _read_yaml(text: str) -> StatusReading:
    # The event API with the C parser: no constructor runs, so no scalar is typed (the
    # printed CreationDate stays a string) and no alias is ever expanded. The tree is
    # built with an explicit stack, so nesting depth costs no recursion.
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.events import (
        AliasEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    yaml = YAML(typ="safe", pure=False)
    stack: list[Any] = []  # containers under construction; dict entries wait for a value
    pending_key: list[str | None] = []
    root: Any = None
    documents = 0
    diags: list[Diagnostic] = []

    def attach(value: Any, line: int) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        top = stack[-1]
        if isinstance(top, list):
            top.append(value)
        elif pending_key[-1] is None:
            if not isinstance(value, _Plain | str):
                fail("a YAML mapping key is not text", line)
            key = value.text if isinstance(value, _Plain) else value
            pending_key[-1] = key
        else:
            key = pending_key[-1]
            if key in top:
                diags.append(error("MT504", f"duplicate key {key!r}; the first value is kept",
                                   line, 1, pointer_join("", key)))
            else:
                top[key] = value
            pending_key[-1] = None

    try:
        for event in yaml.parse(text):
            line = (event.start_mark.line + 1) if event.start_mark is not None else 1
            if isinstance(event, DocumentStartEvent):
                documents += 1
                if documents > 1:
                    fail("more than one YAML document; expected one get-status output", line)
            elif isinstance(event, AliasEvent):
                fail("YAML alias in get-status output (aliases are never expanded)", line)
            elif isinstance(event, ScalarEvent):
                if event.anchor is not None:
                    fail("YAML anchor in get-status output", line)
                plain = event.style in (None, "") and event.tag in (None, "!")
                attach(_Plain(event.value, line) if plain else str(event.value), line)
            elif isinstance(event, MappingStartEvent | SequenceStartEvent):
                if event.anchor is not None:
                    fail("YAML anchor in get-status output", line)
                if len(stack) >= 4:
                    fail("YAML nested deeper than get-status output ever is", line)
                container: Any = {} if isinstance(event, MappingStartEvent) else []
                attach(container, line)
                stack.append(container)
                pending_key.append(None)
            elif isinstance(event, MappingEndEvent | SequenceEndEvent):
                stack.pop()
                pending_key.pop()
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        lineno = mark.line + 1 if mark is not None else 1
        col = mark.column + 1 if mark is not None else 1
        fail(f"not valid YAML: {exc.problem}", lineno, col)
    except YAMLError as exc:
        fail(f"not valid YAML: {exc}")

    # yaml-stream prints a one-item list.
    if isinstance(root, list):
        if len(root) != 1:
            fail(f"YAML list of {len(root)} items; yaml-stream output of get-status is one")
        root = root[0]
    if not isinstance(root, dict):
        fail("YAML top level is not a mapping; expected get-status output")
    status, more = status_from_mapping(_untag(root))
    return StatusReading(status, "yaml", tuple(diags + more), ())


def _untag(tree: Any) -> Any:
    """Plain scalars to str or None (``null``, ``~`` and empty mean absent), iteratively."""
    out_root: list[Any] = [None]
    work: list[tuple[Any, Any, Any]] = [(tree, out_root, 0)]
    while work:
        node, parent, slot = work.pop()
        if isinstance(node, _Plain):
            if node.text in ("", "~", "null", "Null", "NULL"):
                parent[slot] = None
            elif slot == "ErrorCount" and INTEGER.fullmatch(node.text):
                # The one YAML number AWS prints; every other plain scalar stays text.
                parent[slot] = int(node.text)
            else:
                parent[slot] = node.text
        elif isinstance(node, dict):
            new: dict[str, Any] = {}
            parent[slot] = new
            for k, v in node.items():
                work.append((v, new, k))
        elif isinstance(node, list):
            new_list: list[Any] = [None] * len(node)
            parent[slot] = new_list
            for i, v in enumerate(node):
                work.append((v, new_list, i))
        else:
            parent[slot] = node
    return out_root[0]


# --- shared: a parsed mapping to JobStatus ---------------------------------------------------



def status_from_mapping(obj: Mapping[str, Any]) -> tuple[JobStatus, list[Diagnostic]]:
    """Check member types and build a JobStatus; problems become MT504/MT505 diagnostics."""
    diags: list[Diagnostic] = []
    values: dict[str, Any] = {}
    known = 0
    for key, value in obj.items():
        ptr = pointer_join("", key)
        if key in IGNORED_MEMBERS:
            continue
        if key not in MEMBERS:
            diags.append(warning("MT505", f"unknown member {key!r} ignored", pointer=ptr))
            continue
        known += 1
        if value is None:
            continue
        if key == "ErrorCount":
            count = _to_int(value)
            if count is None:
                diags.append(error("MT504", f"ErrorCount is not an integer: {value!r}",
                                   pointer=ptr))
            else:
                if not isinstance(value, int):
                    diags.append(warning("MT504", "ErrorCount printed as text, not a number",
                                         pointer=ptr))
                values[key] = count
        elif key == "ArtifactList":
            values[key] = _artifacts(value, ptr, diags)
        elif isinstance(value, str):
            values[key] = value
        else:
            diags.append(error("MT504", f"{key} is not a string: {type(value).__name__}",
                               pointer=ptr))
    if not known:
        fail("no get-status member (JobId, JobType, ProgressCode, ...) found; expected the "
              "output of 'aws importexport get-status' or 'create-job'")
    return JobStatus(**values), diags


def _to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and INTEGER.fullmatch(value):
        return int(value)
    return None


def _artifacts(value: Any, ptr: str, diags: list[Diagnostic]) -> tuple[Artifact, ...]:
    if not isinstance(value, list):
        diags.append(error("MT504", "ArtifactList is not a list", pointer=ptr))
        return ()
    out: list[Artifact] = []
    for i, item in enumerate(value):
        item_ptr = pointer_join(ptr, i)
        if not isinstance(item, dict):
            diags.append(error("MT504", "ArtifactList item is not an object", pointer=item_ptr))
            continue
        desc, url = item.get("Description", ""), item.get("URL", "")
        if not isinstance(desc, str) or not isinstance(url, str):
            diags.append(error("MT504", "Artifact Description and URL must be strings",
                               pointer=item_ptr))
            continue
        out.append(Artifact(desc, url))
    return tuple(out)

