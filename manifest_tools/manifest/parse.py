"""Read manifest bytes into a tree of text values, every node tied to its original position.

AWS calls the manifest YAML, but its own examples (and the ``CurrentManifest`` that
get-status echoes) write ``key:value`` with no space after the colon, and its documentation
shows the ``returnAddress`` sub-fields unindented under an empty ``returnAddress:``
(Developer Guide, "Creating Import Manifests" and the get-status example of the AWS CLI
reference). The service parsed leniently, so we do too, with a warning for each dialect:

1. ``decode.decode``: UTF-8 (BOM tolerated), undecodable bytes become findings.
2. The line pass (``lines``): fixes, with a finding each, what people type that YAML cannot
   read (tabs, invisible spaces, ``key = value``, compact ``key:value``, ``: `` in a value);
   every column it moves is recorded per line so that every position the YAML engine
   reports maps back to the original bytes. When the engine still fails, the indentation
   is diagnosed (``lines.IndentDoctor``) and the text read once more.
3. ruamel.yaml's event parser (its C-backed ``CParser`` when ruamel.yaml.clib is installed,
   the pure-Python parser otherwise). Events, not a loader: no scalar is ever typed
   (``2.0``, ``02134`` and ``yes`` stay text), and aliases are never expanded.
4. A small tree builder over the events that reports duplicate keys, anchors, aliases, tags,
   complex keys and too-deep nesting, then moves a flattened address into ``returnAddress``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..aws import MANIFEST_FIELDS, SECRET_FIELDS
from ..diagnostics import Diagnostic, clip, error, pointer_join, warning
from .decode import decode
from .lines import MAX_FINDINGS_PER_RULE, Findings, IndentDoctor, LinePass, LineResult, Positions
from .syntax import syntax_error
from .unfilled import unfilled_pointers

__all__ = ["MAX_DEPTH", "MAX_FINDINGS_PER_RULE", "MAX_NODES", "Manifest", "parse_manifest"]

# Manifests nest three levels (operations -> item -> field); anything much deeper is hostile.
MAX_DEPTH = 32
# A manifest holds a few dozen values (a long export a few hundred operations). The bound
# keeps the schema and rule passes, which cost ~0.1 ms a value, far below a second.
MAX_NODES = 10_000

# returnAddress sub-fields (Developer Guide, "Common Manifest File Options": returnAddress).
ADDRESS_FIELDS = frozenset({
    "name", "company", "street1", "street2", "street3", "city", "stateOrProvince",
    "postalCode", "phoneNumber", "country",
})

# customs sub-fields (Developer Guide, "Customs Manifest File Options").
CUSTOMS_FIELDS = frozenset({
    "dataDescription", "encryptedData", "encryptionClassification", "exportCertifierName",
    "requiresExportLicense", "deviceValue", "deviceCountryOfOrigin", "deviceType",
    "typeOfExport", "deviceHTS",
})

Tree = dict[str, Any]
# Key of a value whose key was not text: the value is read and dropped. Control characters
# never survive the line pass, so no real key can be equal to it.
_DROPPED = "\x00"
# A key that may be a wrapped password is renamed to this label (with its line) in the
# tree, so no message can quote it.
HIDDEN_KEY = "(hidden line {line})"


class HiddenKey(str):
    """A key renamed to ``HIDDEN_KEY`` (a possible wrapped password): its type says so, so
    no reader recovers it from the label's text."""

    __slots__ = ()
# The end column of a secret span that runs to the end of its line.
SPAN_LINE_END = 1 << 30


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
    # Pointers of keys renamed to HIDDEN_KEY (a possible wrapped password).
    hidden: set[str] = field(default_factory=set)
    # Where the secrets are: (start, end) 1-based (line, column) of every piece of text
    # inside a trueCryptPassword/pinCode value in any form (block, multi-line, quoted, flow,
    # JSON, explicit key), of a line that may be a wrapped password, and of anything inside
    # a complex key; an end column of SPAN_LINE_END means "to the end of the line". Only
    # meaningful when ``complete``: the engine read the whole text (see manifest.redact).
    secret_spans: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    complete: bool = False

    # See ``unfilled``: computed on first use.
    unfilled_cache: frozenset[str] | None = field(default=None, repr=False, compare=False)

    @property
    def unfilled(self) -> frozenset[str]:
        """Pointers of values that are placeholders (:mod:`.unfilled`): the placeholder rule
        (MT208) reports them, the other rules stay silent about them."""
        if self.unfilled_cache is None:
            self.unfilled_cache = unfilled_pointers(self.data)
        return self.unfilled_cache

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
# Plain slotted classes, not dataclasses: nothing compares or prints them, and each
# dataclass costs ~1.5 M instructions at import (its methods are generated by exec).


class _Scalar:
    __slots__ = ("pos", "value")

    def __init__(self, value: str, pos: tuple[int, int]) -> None:
        self.value = value
        self.pos = pos


class _Map:
    __slots__ = ("items", "keys", "pos")

    def __init__(self, pos: tuple[int, int]) -> None:
        self.pos = pos
        self.items: list[tuple[str, tuple[int, int], _Node]] = []
        self.keys: set[str] = set()


class _Seq:
    __slots__ = ("items", "pos")

    def __init__(self, pos: tuple[int, int]) -> None:
        self.pos = pos
        self.items: list[_Node] = []


_Node = _Scalar | _Map | _Seq


def _event_source(text: str) -> Callable[[], Any]:
    """The engine's next event for ``text``, call after call; the last is StreamEndEvent."""
    try:
        from ruamel.yaml import cyaml

        # AttributeError without ruamel.yaml.clib; getattr: CParser is not in the type stubs.
        c_parser = getattr(cyaml, "CParser")  # noqa: B009
    except (ImportError, AttributeError):  # pragma: no cover - no clib: slower, same events
        from ruamel.yaml import YAML

        events: Iterator[Any] = iter(YAML(typ="safe", pure=True).parse(text))
        return events.__next__
    # The C parser's own method: no generator frame per event.
    get_event: Callable[[], Any] = c_parser(text).get_event
    return get_event


class _Builder:
    """Builds ``_Node``s from parser events without recursion."""

    def __init__(self, positions: Positions, diags: list[Diagnostic],
                 placeholders: dict[tuple[int, int], str]) -> None:
        self.positions = positions
        self.diags = diags
        self.findings = Findings(diags)
        self.placeholders = placeholders
        self.nodes = 0
        self.stack: list[_Map | _Seq] = []
        self.pending_key: list[tuple[str, tuple[int, int]] | None] = []
        # Parallel to ``stack``: True inside the value of trueCryptPassword or pinCode.
        self.secret: list[bool] = []
        self.root: _Node | None = None
        self.documents = 0
        self.skip_depth = 0  # >0 while ignoring a complex key or a second document
        self.too_deep = False
        # See Manifest.secret_spans; ``skip_secret``: the node being skipped is (in) one.
        self.secret_spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self.skip_secret = False
        self.stopped = False  # the reading ended before the end of the text
        self.hid_keys = False  # a key was renamed to HIDDEN_KEY (see hidden_pointers)

    def mark(self, event: Any) -> None:
        """Note the text of ``event`` (a node inside a secret) as secret."""
        start, end = event.start_mark, event.end_mark
        if start is None or end is None:  # pragma: no cover - the engines always set both
            self.stopped = True
            return
        self.secret_spans.append((self.positions.original(start.line, start.column),
                                  self.positions.original(end.line, end.column)))

    def pos(self, event: Any) -> tuple[int, int]:
        mark = event.start_mark
        if mark is None:
            return (1, 1)
        return self.positions.original(mark.line, mark.column)

    def feed(self, event: Any) -> bool:
        """Consume one event; False means stop reading."""
        kind = type(event).__name__
        if kind == "DocumentStartEvent":
            return self.document(event)
        if kind in ("StreamStartEvent", "StreamEndEvent", "DocumentEndEvent"):
            return True
        if self.skip_depth:
            self.skip(event, kind)
            return True
        position = self.pos(event)
        if not kind.endswith("EndEvent"):
            self.nodes += 1  # keys and values, each counted once
        if self.nodes > MAX_NODES:
            self.diags.append(error("MT114", f"more than {MAX_NODES} values; a manifest holds "
                                    "a few dozen", *position))
            self.too_deep = True
            return False
        secret = self.in_secret()
        if secret:
            self.mark(event)
        placeholder = self.placeholders.get(position)
        if placeholder is not None and kind in ("MappingStartEvent", "SequenceStartEvent",
                                                "AliasEvent"):
            # An AWS template placeholder ('[Your name]', '***'): kept as the text it is.
            self.add(_Scalar(placeholder, position), position)
            self.skip_depth = 0 if kind == "AliasEvent" else 1
            self.skip_secret = secret
            return True
        if kind == "AliasEvent":
            return self.alias(event, position)
        if getattr(event, "anchor", None) is not None or getattr(event, "tag", None) is not None:
            self.node_marks(event, kind, position, secret)
        if kind == "ScalarEvent":
            self.add(_Scalar(placeholder or event.value, position), position)
            return True
        if kind in ("MappingStartEvent", "SequenceStartEvent"):
            return self.start(kind, position)
        self.stack.pop()
        self.pending_key.pop()
        self.secret.pop()
        return True

    def document(self, event: Any) -> bool:
        self.documents += 1
        if self.documents > 1:
            self.diags.append(error("MT111", "a second YAML document starts here; a "
                                    "manifest is one document", *self.pos(event)))
            return False
        return True

    def skip(self, event: Any, kind: str) -> None:
        """An event inside a node being skipped (noted as secret if the node is one)."""
        if self.skip_secret:
            self.mark(event)
        if kind in ("MappingStartEvent", "SequenceStartEvent"):
            self.skip_depth += 1
        elif kind in ("MappingEndEvent", "SequenceEndEvent"):
            self.skip_depth -= 1

    def alias(self, event: Any, position: tuple[int, int]) -> bool:
        # A password written as `*Pa55` reads as an alias: never echo the name of one that
        # stands in a secret field's value.
        anchor = getattr(event, "anchor", None)
        shown = "an alias" if self.in_secret() else f"alias '*{clip(str(anchor))}'"
        self.findings.add(error("MT107", f"{shown}: aliases have no meaning in a "
                                "manifest and are not expanded", *position))
        self.add(_Scalar("", position), position)
        return True

    def node_marks(self, event: Any, kind: str, position: tuple[int, int],
                   secret: bool) -> None:
        """Anchors and tags on a node (a password `&Pa55` or `!Pa55` is never echoed);
        ``secret``: the node is (in) a secret field's value (``in_secret``)."""
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            shown = "an anchor" if secret else f"anchor '&{clip(str(anchor))}'"
            self.findings.add(error("MT107", f"{shown}: anchors have no meaning in a "
                                    "manifest", *position))
        tag = getattr(event, "tag", None)
        if tag is not None and not (kind == "ScalarEvent" and event.implicit[0]):
            shown = "a YAML tag" if secret else f"YAML tag '{clip(str(tag))}'"
            self.findings.add(error("MT108", f"{shown} has no meaning in a manifest",
                                    *position))

    def start(self, kind: str, position: tuple[int, int]) -> bool:
        if self.stack and isinstance(self.stack[-1], _Map) and self.pending_key[-1] is None:
            self.findings.add(error("MT112", "a key must be text, not a list or mapping",
                                    *position))
            self.skip_depth = 1
            self.skip_secret = True  # never read: may hold a secret field, so never shown
            self.pending_key[-1] = (_DROPPED, position)  # its value is read and dropped
            return True
        if len(self.stack) >= MAX_DEPTH:
            self.diags.append(error("MT114", f"nesting deeper than {MAX_DEPTH} levels",
                                    *position))
            self.too_deep = True
            return False
        secret = self.in_secret()
        node: _Map | _Seq = _Map(position) if kind == "MappingStartEvent" else _Seq(position)
        self.add(node, position)
        self.stack.append(node)
        self.pending_key.append(None)
        self.secret.append(secret)
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
            self.pending_key[-1] = (self.unwrap(parent, node.value, position), position)
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

    def unwrap(self, parent: _Map, name: str, position: tuple[int, int]) -> str:
        """A key right after an empty trueCryptPassword/pinCode that is no field is the
        password, wrapped onto the next line by a web form: never show it. When it ends with
        a field name ('S3cr3t returnAddress'), read it as that field."""
        if not parent.items or name in MANIFEST_FIELDS:
            return name
        last_name, _, last = parent.items[-1]
        if last_name not in SECRET_FIELDS or not isinstance(last, _Scalar) or last.value:
            return name
        head, _, tail = name.rpartition(" ")
        line = position[0]
        self.secret_spans.append((position, (line, SPAN_LINE_END)))
        pointer = pointer_join("", last_name) if len(self.stack) == 1 else ""
        self.diags.append(error(
            "MT202", f"{last_name}: the value is empty and line {line} is not a field: the "
            "value seems to have wrapped onto that line (not shown)", *position, pointer,
            hint=f"put the whole value on the line of '{last_name}:'"))
        if head.strip() and tail in MANIFEST_FIELDS:
            last.value = head.strip()
            return tail
        self.hid_keys = True
        return HiddenKey(HIDDEN_KEY.format(line=line))


def _fold_flattened_address(root: _Map, diags: list[Diagnostic]) -> bool:
    """Move address lines written unindented under an empty ``returnAddress:`` into it, and
    customs lines under an empty ``customs:`` into that (True when the address was moved).

    AWS's own Developer Guide prints both blocks this way (Common and Customs Manifest File
    Options); the sub-fields are recognisable by name, and none of them is also a top-level
    field.
    """
    address = _fold_block(root, "returnAddress", ADDRESS_FIELDS, diags, "the address")
    _fold_block(root, "customs", CUSTOMS_FIELDS, diags, "the customs block")
    return address


def _fold_block(root: _Map, block: str, fields: frozenset[str], diags: list[Diagnostic],
                what: str) -> bool:
    for i, (name, key_pos, node) in enumerate(root.items):
        if name != block or not isinstance(node, _Scalar) or node.value != "":
            continue
        moved = _Map(root.items[i + 1][1] if i + 1 < len(root.items) else key_pos)
        j = i + 1
        while j < len(root.items) and root.items[j][0] in fields:
            sub_name, sub_pos, sub_node = root.items[j]
            moved.items.append((sub_name, sub_pos, sub_node))
            moved.keys.add(sub_name)
            j += 1
        if not moved.items:
            return False
        diags.append(warning(
            "MT104", f"{block} fields are not indented under '{block}:'; read as {what}, as "
            "AWS did, but standard YAML tools will misread them", *key_pos,
            f"/{block}", hint=f"indent the {block} lines by two spaces"))
        root.items[i + 1:j] = []
        root.items[i] = (name, key_pos, moved)
        for sub_name, _, _ in moved.items:
            root.keys.discard(sub_name)
        return True
    return False


def _to_data(root: _Map) -> tuple[Tree, dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """The plain tree and the pointer -> position maps. The work list fills mappings in
    reverse, so each mapping gets its keys in file order first (a builder's mapping holds
    each key once), then its values."""
    spans: dict[str, tuple[int, int]] = {"": root.pos}
    key_spans: dict[str, tuple[int, int]] = {}
    data: Tree = dict.fromkeys(name for name, _, _ in root.items)
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
            value = dict.fromkeys(name for name, _, _ in node.items)
            for name, key_pos, child in node.items:
                child_pointer = pointer_join(pointer, name)
                key_spans[child_pointer] = key_pos
                work.append((child, value, name, child_pointer))
        else:
            value = [None] * len(node.items)
            for n, child in enumerate(node.items):
                work.append((child, value, n, pointer_join(pointer, n)))
        container[slot] = value
    return data, spans, key_spans


def parse_manifest(data: bytes) -> Manifest:
    """Parse manifest bytes. Never raises for bad input: problems become diagnostics."""
    decoded = decode(data)
    diags = list(decoded.diagnostics)
    if not decoded.readable:
        return Manifest({}, {}, {}, diags, readable=False)
    text = decoded.text
    if not _has_content(text):
        diags.append(error("MT110", "the file is empty: no manifest fields found", 1, 1))
        return Manifest({}, {}, {}, diags, readable=False)
    positions = Positions()
    lines = LinePass(text, diags, positions).run()
    if lines.json_form:
        diags.append(warning("MT122", "the manifest is written as JSON: read as YAML, but AWS "
                             "documents manifests as 'key: value' text only",
                             *_first_content(text), hint="write one 'key: value' per line"))
    builder, failure = _build(lines, diags, positions)
    if failure is not None and not lines.json_form:
        # The engine stopped: if the indentation explains it, re-indent and read again.
        doctor = IndentDoctor(lines.text, Findings(diags), positions, lines.secret_lines)
        fixed = doctor.run()
        if doctor.fixed:
            lines.text = fixed
            lines.explained_lines |= doctor.fixed
            builder, failure = _build(lines, diags, positions)
    if failure is not None:
        syntax_error(failure, lines, positions, diags)
        return Manifest({}, {}, {}, diags, readable=False, compact=lines.compact)
    return _finish(builder, diags, lines.compact)


def _build(lines: LineResult, diags: list[Diagnostic], positions: Positions
           ) -> tuple[_Builder, Exception | None]:
    """Feed the engine's events to a fresh builder; the engine's exception, if it stopped."""
    mark = len(diags)
    builder = _Builder(positions, diags, lines.placeholders)
    try:
        next_event = _event_source(lines.text)
        while True:
            event = next_event()
            if not builder.feed(event):
                builder.stopped = True
                break
            if type(event).__name__ == "StreamEndEvent":
                break
    except Exception as exc:  # the engine's YAMLError family, ReaderError, and kin
        del diags[mark:]  # a second reading repeats what the builder found before the error
        return builder, exc
    return builder, None


def _finish(builder: _Builder, diags: list[Diagnostic], compact: bool) -> Manifest:
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
    # Only the builder renames keys: without one renamed there is nothing to look for.
    hidden = hidden_pointers(tree) if builder.hid_keys else set()
    return Manifest(tree, spans, key_spans, diags, readable=True, compact=compact,
                    flattened_address=flattened, hidden=hidden,
                    secret_spans=builder.secret_spans, complete=not builder.stopped)


def hidden_pointers(tree: Tree) -> set[str]:
    """Pointers of the keys renamed to ``HIDDEN_KEY`` (found by type, at any depth) and of
    everything below them."""
    found: set[str] = set()
    stack: list[tuple[Any, str, bool]] = [(tree, "", False)]
    while stack:
        node, at, under = stack.pop()
        items = (node.items() if isinstance(node, dict) else
                 enumerate(node) if isinstance(node, list) else ())
        for key, value in items:
            pointer = pointer_join(at, key)
            hidden = under or isinstance(key, HiddenKey)
            if hidden:  # the key and everything below it
                found.add(pointer)
            stack.append((value, pointer, hidden))
    return found


def _first_content(text: str) -> tuple[int, int]:
    for n, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return n + 1, len(line) - len(line.lstrip()) + 1
    return 1, 1


def _has_content(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped not in ("---", "..."):
            return True
    return False
