"""CLI v2 ``--output yaml`` and ``yaml-stream``, read without typing any scalar.

The event API with the C parser: no constructor runs, so no scalar is typed (the printed
CreationDate stays a string) and no alias is ever expanded. The tree is built with an
explicit stack, so nesting depth costs no recursion.
"""

from __future__ import annotations

import re
from typing import Any

from ..diagnostics import Diagnostic, error, pointer_join
from .members import status_from_mapping
from .model import IGNORED_MEMBERS, INTEGER, MEMBERS, StatusReading, fail

_MEMBER_ALT = "|".join((*MEMBERS, *IGNORED_MEMBERS))
# First content line of CLI v2 YAML: a member key, optionally as the one item of yaml-stream.
_YAML_START = re.compile(rf"(?:---[ \t]*\n)?(?:-[ \t]+)?[\"']?(?:{_MEMBER_ALT})[\"']?:(?:[ \t]|$)",
                         re.MULTILINE)
# get-status output nests two levels (ArtifactList items); a little slack, then refuse.
MAX_DEPTH = 4


def looks_like_yaml(text: str) -> bool:
    body = text.lstrip("\r\n")
    return _YAML_START.match(body) is not None


class _Plain:
    """A plain (unquoted) YAML scalar: typed by us, never by the YAML library."""

    __slots__ = ("line", "text")

    def __init__(self, text: str, line: int) -> None:
        self.text = text
        self.line = line


class _Builder:
    """The tree of one document, built from parser events."""

    def __init__(self) -> None:
        self.stack: list[Any] = []  # containers under construction
        self.pending_key: list[str | None] = []  # per mapping: a key waiting for its value
        self.root: Any = None
        self.documents = 0
        self.diags: list[Diagnostic] = []

    def attach(self, value: Any, line: int) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top, list):
            top.append(value)
        elif self.pending_key[-1] is None:
            if not isinstance(value, _Plain | str):
                fail("a YAML mapping key is not text", line)
            self.pending_key[-1] = value.text if isinstance(value, _Plain) else value
        else:
            key = self.pending_key[-1]
            if key in top:
                self.diags.append(error("MT504", f"duplicate key {key!r}; the first value is "
                                        "kept", line, 1, pointer_join("", key)))
            else:
                top[key] = value
            self.pending_key[-1] = None

    def document(self, line: int) -> None:
        self.documents += 1
        if self.documents > 1:
            fail("more than one YAML document; expected one get-status output", line)

    def scalar(self, event: Any, line: int) -> None:
        if event.anchor is not None:
            fail("YAML anchor in get-status output", line)
        plain = event.style in (None, "") and event.tag in (None, "!")
        self.attach(_Plain(event.value, line) if plain else str(event.value), line)

    def start(self, event: Any, line: int, mapping: bool) -> None:
        if event.anchor is not None:
            fail("YAML anchor in get-status output", line)
        if len(self.stack) >= MAX_DEPTH:
            fail("YAML nested deeper than get-status output ever is", line)
        container: Any = {} if mapping else []
        self.attach(container, line)
        self.stack.append(container)
        self.pending_key.append(None)

    def end(self) -> None:
        self.stack.pop()
        self.pending_key.pop()


def _feed(builder: _Builder, text: str) -> None:
    from ruamel.yaml import YAML
    from ruamel.yaml.events import (
        AliasEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    for event in YAML(typ="safe", pure=False).parse(text):
        line = (event.start_mark.line + 1) if event.start_mark is not None else 1
        if isinstance(event, DocumentStartEvent):
            builder.document(line)
        elif isinstance(event, AliasEvent):
            fail("YAML alias in get-status output (aliases are never expanded)", line)
        elif isinstance(event, ScalarEvent):
            builder.scalar(event, line)
        elif isinstance(event, MappingStartEvent | SequenceStartEvent):
            builder.start(event, line, isinstance(event, MappingStartEvent))
        elif isinstance(event, MappingEndEvent | SequenceEndEvent):
            builder.end()


def read_yaml(text: str) -> StatusReading:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    builder = _Builder()
    try:
        _feed(builder, text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        lineno = mark.line + 1 if mark is not None else 1
        col = mark.column + 1 if mark is not None else 1
        fail(f"not valid YAML: {exc.problem}", lineno, col)
    except YAMLError as exc:
        fail(f"not valid YAML: {exc}")
    root = builder.root
    # yaml-stream prints a one-item list.
    if isinstance(root, list):
        if len(root) != 1:
            fail(f"YAML list of {len(root)} items; yaml-stream output of get-status is one")
        root = root[0]
    if not isinstance(root, dict):
        fail("YAML top level is not a mapping; expected get-status output")
    status, more = status_from_mapping(_untag(root))
    return StatusReading(status, "yaml", tuple(builder.diags + more), ())


def _untag(tree: Any) -> Any:
    """Plain scalars to str or None (``null``, ``~`` and empty mean absent), iteratively."""
    out_root: list[Any] = [None]
    work: list[tuple[Any, Any, Any]] = [(tree, out_root, 0)]
    while work:
        node, parent, slot = work.pop()
        if isinstance(node, _Plain):
            parent[slot] = _plain_value(node.text, slot)
        elif isinstance(node, dict):
            new: dict[str, Any] = {}
            parent[slot] = new
            work.extend((v, new, k) for k, v in node.items())
        elif isinstance(node, list):
            new_list: list[Any] = [None] * len(node)
            parent[slot] = new_list
            work.extend((v, new_list, i) for i, v in enumerate(node))
        else:
            parent[slot] = node
    return out_root[0]


def _plain_value(text: str, slot: object) -> str | int | None:
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if slot == "ErrorCount" and INTEGER.fullmatch(text):
        # The one YAML number AWS prints; every other plain scalar stays text.
        return int(text)
    return text
