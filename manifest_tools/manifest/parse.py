"""Read manifest bytes into a tree of text values, every node tied to its original position.

AWS calls the manifest YAML, but its own examples (and the ``CurrentManifest`` that
get-status echoes) write ``key:value`` with no space after the colon, and its documentation
shows the ``returnAddress`` sub-fields unindented under an empty ``returnAddress:``
(Developer Guide, "Creating Import Manifests" and the get-status example of the AWS CLI
reference). The service parsed leniently, so we do too, with a warning for each dialect:

1. ``decode.decode``: UTF-8 (BOM tolerated), undecodable bytes become findings.
2. A line pass that only ever *replaces characters one for one* (tabs in indentation,
   control characters) or *inserts one space* after a compact ``key:``. The insert is the
   only change that moves columns, and it is recorded per line so that every position the
   YAML engine reports maps back to the original bytes.
3. ruamel.yaml's event parser (its C-backed ``CParser`` when ruamel.yaml.clib is installed,
   the pure-Python parser otherwise). Events, not a loader: no scalar is ever typed
   (``2.0``, ``02134`` and ``yes`` stay text), and aliases are never expanded.
4. A small tree builder over the events that reports duplicate keys, anchors, aliases, tags,
   complex keys and too-deep nesting, then moves a flattened address into ``returnAddress``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..aws import SECRET_FIELDS
from ..diagnostics import Diagnostic, clip, error, pointer_join, warning
from .decode import LineIndex, decode

# Manifests nest three levels (operations -> item -> field); anything much deeper is hostile.
MAX_DEPTH = 32
# A manifest holds a few dozen values (a long export a few hundred operations). The bound
# keeps the schema and rule passes, which cost ~0.1 ms a value, far below a second.
MAX_NODES = 10_000
# A finding that can repeat per line or per character (a megabyte of NUL bytes, a tab on
# every line) is reported this many times per rule, then no more: 1 MiB of NULs
# took 12 s and 600 MB as a million MT113 findings.
MAX_FINDINGS_PER_RULE = 200

# returnAddress sub-fields (Developer Guide, "Common Manifest File Options": returnAddress).
ADDRESS_FIELDS = frozenset({
    "name", "company", "street1", "street2", "street3", "city", "stateOrProvince",
    "postalCode", "phoneNumber", "country",
})

# `key:value` with no space after the colon. The key must look like a manifest field name,
# and the value must not start with `//` (a URL such as `http://x` written on its own is not
# a key); `logPrefix:/logs` is compact.
_COMPACT = re.compile(r"(?P<lead>[ ]*)(?P<key>[A-Za-z][A-Za-z0-9_]*):(?=[^ \t\r\n])(?!//)")
_LIST_COMPACT = re.compile(
    r"(?P<lead>[ ]*-[ ]+)(?P<key>[A-Za-z][A-Za-z0-9_]*):(?=[^ \t\r\n])(?!//)")
# YAML allows TAB, LF, CR, NEL and printable characters only (YAML 1.2 §5.1).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_LINE = re.compile(r"[^\r\n\x85\u2028\u2029]*(?:\r\n|[\r\n\x85\u2028\u2029]|$)")

Tree = dict[str, Any]
# Key of a value whose key was not text: the value is read and dropped. Control characters
# never survive the line pass, so no real key can be equal to it.
_DROPPED = "\x00"


@dataclass(slots=True)
class Manifest:
    """A parsed manifest.

    ``data`` is plain JSON-like data: dicts, lists and ``str`` only. ``spans`` maps a JSON
    Pointer to the 1-based (line, column) of that value, ``key_spans`` to that of its key.
    ``readable`` is False when the text could not be read as a mapping at all, in which case
    ``data`` is empty and schema rules should not run.
    """

    data: Tree
    spans: dict[str, tuple[int, int]]
    key_spans: dict[str, tuple[int, int]]
    diagnostics: list[Diagnostic]
    readable: bool
    compact: bool = False
    flattened_address: bool = False

    def position(self, pointer: str, *, key: bool = False) -> tuple[int, int]:
        """Best position for a pointer: the key (or value), else the nearest ancestor."""
        table = self.key_spans if key else self.spans
        while True:
            if pointer in table:
                return table[pointer]
            if pointer in self.spans:
                return self.spans[pointer]
            if not pointer:
                return (1, 1)
            pointer = pointer.rsplit("/", 1)[0]


# --- intermediate nodes, each with its original position -------------------------------


@dataclass(slots=True)
class _Scalar:
    value: str
    pos: tuple[int, int]


@dataclass(slots=True)
class _Map:
    pos: tuple[int, int]
    items: list[tuple[str, tuple[int, int], _Node]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Seq:
    pos: tuple[int, int]
    items: list[_Node] = field(default_factory=list)


_Node = _Scalar | _Map | _Seq


class _Findings:
    """The parser's diagnostics, at most MAX_FINDINGS_PER_RULE of each rule."""

    __slots__ = ("counts", "diags")

    def __init__(self, diags: list[Diagnostic]) -> None:
        self.diags = diags
        self.counts: dict[str, int] = {}

    def wants(self, rule: str) -> bool:
        return self.counts.get(rule, 0) < MAX_FINDINGS_PER_RULE

    def add(self, diag: Diagnostic) -> None:
        count = self.counts.get(diag.rule, 0) + 1
        self.counts[diag.rule] = count
        if count < MAX_FINDINGS_PER_RULE:
            self.diags.append(diag)
        elif count == MAX_FINDINGS_PER_RULE:
            self.diags.append(replace(diag, message=diag.message + " (and more like it "
                                      "after this one; stopped counting)"))


class _Positions:
    """Maps (line, column) of the normalised text, 0-based as the engine reports them, back
    to the original text, 1-based."""

    __slots__ = ("inserts",)

    def __init__(self) -> None:
        self.inserts: dict[int, int] = {}

    def original(self, line0: int, col0: int) -> tuple[int, int]:
        insert = self.inserts.get(line0)
        if insert is not None and col0 > insert:
            col0 -= 1
        return line0 + 1, col0 + 1


def _normalise(text: str, diags: list[Diagnostic], positions: _Positions) -> tuple[str, bool]:
    """The line pass (step 2 of the module docstring). Returns the text and whether any line
    used the compact form."""
    findings = _Findings(diags)
    out: list[str] = []
    compact_first: tuple[int, int] | None = None
    for line0, match in enumerate(_LINE.finditer(text)):
        line = match.group()
        if not line:
            break
        if "\t" in line:
            stripped = line.lstrip(" \t")
            indent = line[: len(line) - len(stripped)]
            if "\t" in indent and stripped.strip("\r\n\x85\u2028\u2029"):
                findings.add(error("MT105", "tab character in indentation; indent with spaces",
                                   line0 + 1, indent.index("\t") + 1))
                line = indent.replace("\t", " ") + stripped
        if _CONTROL.search(line):
            for bad in _CONTROL.finditer(line):
                if not findings.wants("MT113"):
                    break
                findings.add(error("MT113", f"control character U+{ord(bad.group()):04X} is "
                                   "not allowed in a manifest", line0 + 1, bad.start() + 1))
            line = _CONTROL.sub(" ", line)
        compact = _COMPACT.match(line) or _LIST_COMPACT.match(line)
        if compact is not None:
            cut = compact.end()
            line = line[:cut] + " " + line[cut:]
            positions.inserts[line0] = cut
            if compact_first is None:
                compact_first = (line0 + 1, cut)  # the colon
        out.append(line)
    if compact_first is not None:
        diags.append(warning(
            "MT103", "compact 'key:value' form (no space after the colon): accepted, as AWS "
            "writes it, but standard YAML tools will misread this file", *compact_first,
            hint="write 'key: value' to make the file standard YAML"))
    return "".join(out), compact_first is not None


def _events(text: str) -> Iterator[Any]:
    try:
        from ruamel.yaml import cyaml

        # AttributeError without ruamel.yaml.clib; getattr: CParser is not in the type stubs.
        c_parser = getattr(cyaml, "CParser")  # noqa: B009
    except (ImportError, AttributeError):  # pragma: no cover - no clib: slower, same events
        from ruamel.yaml import YAML

        yield from YAML(typ="safe", pure=True).parse(text)
        return
    parser = c_parser(text)
    while True:
        event = parser.get_event()
        yield event
        if type(event).__name__ == "StreamEndEvent":
            return


def _error_position(exc: Exception, index: LineIndex, positions: _Positions) -> tuple[int, int]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None and getattr(mark, "line", None) is not None:
        return positions.original(mark.line, mark.column)
    offset = getattr(exc, "position", None)
    if isinstance(offset, int):
        return index.position(offset)
    return (1, 1)


def _syntax_message(exc: Exception) -> str:
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        text = str(problem)
        if context:
            text = f"{text} ({context})"
        return f"not well-formed: {text}"
    return "not well-formed: " + str(exc).splitlines()[0] if str(exc) else "not well-formed"


class _Builder:
    """Builds ``_Node``s from parser events without recursion."""

    def __init__(self, positions: _Positions, diags: list[Diagnostic]) -> None:
        self.positions = positions
        self.diags = diags
        self.findings = _Findings(diags)
        self.nodes = 0
        self.stack: list[_Map | _Seq] = []
        self.pending_key: list[tuple[str, tuple[int, int]] | None] = []
        # Parallel to ``stack``: True inside the value of trueCryptPassword or pinCode.
        self.secret: list[bool] = []
        self.root: _Node | None = None
        self.documents = 0
        self.skip_depth = 0  # >0 while ignoring a complex key or a second document
        self.too_deep = False

    def pos(self, event: Any) -> tuple[int, int]:
        mark = event.start_mark
        if mark is None:
            return (1, 1)
        return self.positions.original(mark.line, mark.column)

    def feed(self, event: Any) -> bool:
        """Consume one event; False means stop reading."""
        kind = type(event).__name__
        if kind == "DocumentStartEvent":
            self.documents += 1
            if self.documents > 1:
                self.diags.append(error("MT111", "a second YAML document starts here; a "
                                        "manifest is one document", *self.pos(event)))
                return False
            return True
        if kind in ("StreamStartEvent", "StreamEndEvent", "DocumentEndEvent"):
            return True
        if self.skip_depth:
            if kind in ("MappingStartEvent", "SequenceStartEvent"):
                self.skip_depth += 1
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                self.skip_depth -= 1
            return True
        position = self.pos(event)
        if not kind.endswith("EndEvent"):
            self.nodes += 1  # keys and values, each counted once
        if self.nodes > MAX_NODES:
            self.diags.append(error("MT114", f"more than {MAX_NODES} values; a manifest holds "
                                    "a few dozen", *position))
            self.too_deep = True
            return False
        # A password written as `&Pa55` or `!Pa55` reads as an anchor or a tag: never echo
        # the name of one that stands in a secret field's value.
        secret = self.in_secret()
        anchor = getattr(event, "anchor", None)
        if kind == "AliasEvent":
            shown = "an alias" if secret else f"alias '*{clip(str(anchor))}'"
            self.findings.add(error("MT107", f"{shown}: aliases have no meaning in a "
                                    "manifest and are not expanded", *position))
            self.add(_Scalar("", position), position)
            return True
        if anchor is not None:
            shown = "an anchor" if secret else f"anchor '&{clip(str(anchor))}'"
            self.findings.add(error("MT107", f"{shown}: anchors have no meaning in a "
                                    "manifest", *position))
        tag = getattr(event, "tag", None)
        if tag is not None and not (kind == "ScalarEvent" and event.implicit[0]):
            shown = "a YAML tag" if secret else f"YAML tag '{clip(str(tag))}'"
            self.findings.add(error("MT108", f"{shown} has no meaning in a manifest",
                                    *position))
        if kind == "ScalarEvent":
            self.add(_Scalar(event.value, position), position)
        elif kind in ("MappingStartEvent", "SequenceStartEvent"):
            if self.stack and isinstance(self.stack[-1], _Map) and self.pending_key[-1] is None:
                self.findings.add(error("MT112", "a key must be text, not a list or mapping",
                                        *position))
                self.skip_depth = 1
                self.pending_key[-1] = (_DROPPED, position)  # its value is read and dropped
                return True
            if len(self.stack) >= MAX_DEPTH:
                self.diags.append(error("MT114", f"nesting deeper than {MAX_DEPTH} levels",
                                        *position))
                self.too_deep = True
                return False
            node: _Map | _Seq = _Map(position) if kind == "MappingStartEvent" else _Seq(position)
            self.add(node, position)
            self.stack.append(node)
            self.pending_key.append(None)
            self.secret.append(secret)
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            self.stack.pop()
            self.pending_key.pop()
            self.secret.pop()
        return True

    def in_secret(self) -> bool:
        """Whether the next node is (inside) the value of a secret field."""
        if not self.stack:
            return False
        if self.secret[-1]:
            return True
        key = self.pending_key[-1]
        return isinstance(self.stack[-1], _Map) and key is not None and key[0] in SECRET_FIELDS

    def add(self, node: _Node, position: tuple[int, int]) -> None:
        if not self.stack:
            self.root = node
            return
        parent = self.stack[-1]
        if isinstance(parent, _Seq):
            parent.items.append(node)
            return
        key = self.pending_key[-1]
        if key is None:
            assert isinstance(node, _Scalar)
            self.pending_key[-1] = (node.value, position)
            return
        self.pending_key[-1] = None
        name, key_pos = key
        if name == _DROPPED:
            return
        if name in parent.keys:
            shown = "duplicate key" if self.secret[-1] else f"duplicate key '{clip(name)}'"
            self.findings.add(error("MT106", f"{shown}: it is already set above; "
                                    "the first value is used", *key_pos))
            return
        parent.keys.add(name)
        parent.items.append((name, key_pos, node))


def _fold_flattened_address(root: _Map, diags: list[Diagnostic]) -> bool:
    """Move address lines written unindented under an empty ``returnAddress:`` into it.

    AWS's own Developer Guide prints examples this way; the sub-fields are recognisable by
    name, and none of them is also a top-level field.
    """
    for i, (name, key_pos, node) in enumerate(root.items):
        if name != "returnAddress" or not isinstance(node, _Scalar) or node.value != "":
            continue
        moved = _Map(root.items[i + 1][1] if i + 1 < len(root.items) else key_pos)
        j = i + 1
        while j < len(root.items) and root.items[j][0] in ADDRESS_FIELDS:
            sub_name, sub_pos, sub_node = root.items[j]
            moved.items.append((sub_name, sub_pos, sub_node))
            moved.keys.add(sub_name)
            j += 1
        if not moved.items:
            return False
        diags.append(warning(
            "MT104", "returnAddress fields are not indented under 'returnAddress:'; read as "
            "the address, as AWS did, but standard YAML tools will misread them", *key_pos,
            "/returnAddress", hint="indent the address lines by two spaces"))
        root.items[i + 1:j] = []
        root.items[i] = (name, key_pos, moved)
        for sub_name, _, _ in moved.items:
            root.keys.discard(sub_name)
        return True
    return False


def _to_data(root: _Map) -> tuple[Tree, dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    spans: dict[str, tuple[int, int]] = {"": root.pos}
    key_spans: dict[str, tuple[int, int]] = {}
    data: Tree = {}
    work: list[tuple[_Node, Any, str | int, str]] = []
    for name, key_pos, node in root.items:
        pointer = pointer_join("", name)
        key_spans[pointer] = key_pos
        work.append((node, data, name, pointer))
    while work:
        node, container, slot, pointer = work.pop()
        spans[pointer] = node.pos
        if isinstance(node, _Scalar):
            value: Any = node.value
        elif isinstance(node, _Map):
            value = {}
            for name, key_pos, child in node.items:
                child_pointer = pointer_join(pointer, name)
                key_spans[child_pointer] = key_pos
                work.append((child, value, name, child_pointer))
        else:
            value = [None] * len(node.items)
            for n, child in enumerate(node.items):
                work.append((child, value, n, pointer_join(pointer, n)))
        container[slot] = value
    _restore_order(root, data)
    return data, spans, key_spans


def _restore_order(root: _Map, data: Tree) -> None:
    """The work list fills mappings in reverse; put keys back in file order (messages and
    re-rendering read better that way)."""
    stack: list[tuple[_Node, Any]] = [(root, data)]
    while stack:
        node, value = stack.pop()
        if isinstance(node, _Map) and isinstance(value, dict):
            ordered = {name: value[name] for name, _, _ in node.items}
            value.clear()
            value.update(ordered)
            stack.extend((child, value[name]) for name, _, child in node.items)
        elif isinstance(node, _Seq) and isinstance(value, list):
            stack.extend(zip(node.items, value, strict=True))


def parse_manifest(data: bytes) -> Manifest:
    """Parse manifest bytes. Never raises for bad input: problems become diagnostics."""
    decoded = decode(data)
    diags = list(decoded.diagnostics)
    text = decoded.text
    if not _has_content(text):
        diags.append(error("MT110", "the file is empty: no manifest fields found", 1, 1))
        return Manifest({}, {}, {}, diags, readable=False)
    positions = _Positions()
    normalised, compact = _normalise(text, diags, positions)
    builder = _Builder(positions, diags)
    index: LineIndex | None = None
    try:
        for event in _events(normalised):
            if not builder.feed(event):
                break
    except Exception as exc:  # the engine's YAMLError family, ReaderError, and kin
        index = index or LineIndex(normalised)
        diags.append(error("MT100", _syntax_message(exc), *_error_position(exc, index,
                                                                           positions)))
        return Manifest({}, {}, {}, diags, readable=False, compact=compact)
    root = builder.root
    if builder.too_deep:
        return Manifest({}, {}, {}, diags, readable=False, compact=compact)
    if root is None or (isinstance(root, _Scalar) and root.value == ""):
        diags.append(error("MT110", "the file is empty: no manifest fields found", 1, 1))
        return Manifest({}, {}, {}, diags, readable=False, compact=compact)
    if not isinstance(root, _Map):
        kind = "a list" if isinstance(root, _Seq) else "a single value"
        diags.append(error("MT109", f"the top level is {kind}; a manifest is a mapping of "
                           "field names to values", *root.pos))
        return Manifest({}, {}, {}, diags, readable=False, compact=compact)
    flattened = _fold_flattened_address(root, diags)
    tree, spans, key_spans = _to_data(root)
    return Manifest(tree, spans, key_spans, diags, readable=True, compact=compact,
                    flattened_address=flattened)


def _has_content(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped not in ("---", "..."):
            return True
    return False
