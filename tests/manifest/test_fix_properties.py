"""Properties of ``--fix`` (manifest/fix.py) on generated manifests: a manifest with nothing
to fix is never changed; a fix never changes the value of a field it did not name; a second
fix changes nothing; what was fixed is not found again."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.manifest.fix import FIXABLE, FixResult, fix_manifest
from manifest_tools.manifest.parse import parse_manifest
from manifest_tools.manifest.validate import validate_bytes
from tests.manifests import IMPORT

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
BOM = b"\xef\xbb\xbf"
# Misspellings the schema answers with exactly one suggestion (MT204).
MISSPELT = {"deviceId": "deviceid", "eraseDevice": "erasedevice", "bucket": "buckett",
            "accessKeyId": "accesskeyid", "postalCode": "zip", "phoneNumber": "phone",
            "city": "ciyt", "street1": "street"}
FREE_TEXT = {"deviceId", "name", "street1", "city"}
VALUE_CHARS = st.text(st.sampled_from(list("abcXYZ019 -.,'#:/éü€\u00a0")), min_size=1,
                      max_size=12)
FIXING = ["tab", "nbsp", "equals", "quotes", "misspell"]
KEEPING = ["plain", "plain", "compact", "comment", "value"]


def _mutate(draw: st.DrawFn, line: str, kinds: list[str]) -> str:
    indent = line[: len(line) - len(line.lstrip(" "))]
    key, sep, value = line.strip().partition(": ")
    kind = draw(st.sampled_from(kinds))
    if not sep:
        return line
    if kind == "tab" and indent:
        return draw(st.sampled_from(["\t", " \t", "\t "])) + line.lstrip()
    if kind == "nbsp":
        if indent:
            return "\u00a0" * len(indent) + line.lstrip()
        return f"{key}:\u00a0{value}"
    if kind == "equals" and not indent:
        return f"{key}{draw(st.sampled_from([' = ', '=', ' =']))}{value}"
    if kind == "quotes" and key in FREE_TEXT:
        return f"{indent}{key}: \u201c{value}\u201d"
    if kind == "misspell" and key in MISSPELT:
        return f"{indent}{MISSPELT[key]}: {value}"
    if kind == "compact":
        return f"{indent}{key}:{value}"
    if kind == "comment":
        return f"{line}  # {draw(st.sampled_from(['note', 'a: b', '#']))}"
    if kind == "value" and key in FREE_TEXT:
        return f"{indent}{key}: {draw(VALUE_CHARS)}"
    return line


def _manifest(kinds: list[str]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        lines = [_mutate(draw, line, kinds) for line in IMPORT.splitlines()]
        end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
        text = end.join(lines) + (end if draw(st.booleans()) else "")
        head = BOM if "nbsp" in kinds and draw(st.booleans()) else b""
        return head + text.encode("utf-8")
    return build()


def _fix(data: bytes) -> tuple[FixResult, set[str]]:
    result = validate_bytes(data, "m.yaml")
    return fix_manifest(data, result.diagnostics), {d.rule for d in result.diagnostics}


def _leaves(node: Any, pointer: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        found: dict[str, Any] = {}
        for key, value in node.items():
            found.update(_leaves(value, f"{pointer}/{key}"))
        return found
    if isinstance(node, list):
        found = {}
        for n, value in enumerate(node):
            found.update(_leaves(value, f"{pointer}/{n}"))
        return found
    return {pointer: node}


@SETTINGS
@given(_manifest(KEEPING))
def test_a_manifest_with_nothing_to_fix_is_never_changed(data: bytes) -> None:
    fixed, rules = _fix(data)
    if not rules & FIXABLE:
        assert fixed.data == data and fixed.changes == ()


@SETTINGS
@given(_manifest(FIXING + KEEPING))
def test_fix_changes_no_value_it_does_not_name_and_fixing_again_changes_nothing(
        data: bytes) -> None:
    fixed, _ = _fix(data)
    before = _leaves(parse_manifest(data).data)
    after = _leaves(parse_manifest(fixed.data).data)
    renamed = {c.description.split("'")[1]: c.description.split("'")[3]
               for c in fixed.changes if c.rule == "MT204"}
    unquoted_lines = {c.line for c in fixed.changes if c.rule == "MT120"}
    spans = parse_manifest(data).spans
    for pointer, value in before.items():
        moved = "/".join(renamed.get(token, token) for token in pointer.split("/"))
        if spans.get(pointer, (0, 0))[0] in unquoted_lines:
            assert after[moved] == value.strip("\u201c\u201d"), pointer
        else:
            assert after.get(moved) == value, (pointer, fixed.changes)
    assert len(after) == len(before)
    # Line endings are kept: the fix touches lines, never the breaks between them.
    assert fixed.data.count(b"\r") == data.count(b"\r")
    assert fixed.data.count(b"\n") == data.count(b"\n")
    again, _ = _fix(fixed.data)
    assert again.data == fixed.data and again.changes == ()


@SETTINGS
@given(_manifest([*FIXING, "plain"]))
def test_what_was_fixed_is_not_found_again(data: bytes) -> None:
    fixed, _ = _fix(data)
    after = validate_bytes(fixed.data, "m.yaml").diagnostics
    fixed_lines = {(c.rule, c.line) for c in fixed.changes}
    assert not {(d.rule, d.line) for d in after} & fixed_lines
