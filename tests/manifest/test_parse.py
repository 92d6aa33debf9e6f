"""The manifest reader: values stay text, positions point into the original bytes, and every
YAML feature that has no meaning in a manifest is reported, never silently used."""

from __future__ import annotations

from pathlib import Path

import pytest

from manifest_tools.diagnostics import Diagnostic, Severity
from manifest_tools.manifest.parse import MAX_DEPTH, Manifest, parse_manifest
from tests import cputime

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def parse(text: str) -> Manifest:
    return parse_manifest(text.encode("utf-8"))


def found(m: Manifest) -> list[tuple[str, int, int]]:
    return [(d.rule, d.line, d.column) for d in m.diagnostics]


def only(m: Manifest, rule: str) -> Diagnostic:
    matching = [d for d in m.diagnostics if d.rule == rule]
    assert len(matching) == 1, m.diagnostics
    return matching[0]


# --- values are text -------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [
    ("2.0", "2.0"),
    ("3.0", "3.0"),
    ("02134", "02134"),
    ("49382", "49382"),
    ("yes", "yes"),
    ("No", "No"),
    ("250.00", "250.00"),
    ("1e3", "1e3"),
    ("null", "null"),
    ("~", "~"),
    ("2015-05-27", "2015-05-27"),
    ("0x1F", "0x1F"),
    ('"02134"', "02134"),
    ("''", ""),
    ("", ""),
])
def test_values_stay_text(raw: str, value: str) -> None:
    m = parse(f"field: {raw}\nother: x\n")
    assert m.readable
    assert m.data == {"field": value, "other": "x"}
    assert m.diagnostics == []


def test_nested_values_stay_text() -> None:
    m = parse("customs:\n  deviceValue: 250.00\n  encryptedData: no\n"
              "ignore:\n  - 1.0\n  - ~\n")
    assert m.data == {"customs": {"deviceValue": "250.00", "encryptedData": "no"},
                      "ignore": ["1.0", "~"]}


def test_key_order_is_file_order() -> None:
    m = parse("z: 1\na: 2\nm:\n  y: 3\n  b: 4\n")
    assert list(m.data) == ["z", "a", "m"]
    assert list(m.data["m"]) == ["y", "b"]


# --- the compact key:value form -------------------------------------------------------


def test_compact_value_column_is_original() -> None:
    m = parse("bucket:mybucket\n")
    assert m.data == {"bucket": "mybucket"}
    assert m.compact
    assert m.spans["/bucket"] == (1, 8)
    assert m.key_spans["/bucket"] == (1, 1)
    assert found(m) == [("MT103", 1, 7)]  # the colon
    assert m.diagnostics[0].severity is Severity.WARNING


def test_compact_after_normal_line_reported_once_at_first_compact_line() -> None:
    m = parse("manifestVersion: 2.0\nbucket:mybucket\ndeviceId:HD001\n")
    assert m.data == {"manifestVersion": "2.0", "bucket": "mybucket", "deviceId": "HD001"}
    assert m.spans["/manifestVersion"] == (1, 18)
    assert m.spans["/bucket"] == (2, 8)
    assert m.spans["/deviceId"] == (3, 10)
    assert found(m) == [("MT103", 2, 7)]


def test_normal_lines_have_no_compact_warning() -> None:
    m = parse("a: b\nurl: http://example.com/x\n")
    assert not m.compact
    assert m.diagnostics == []
    assert m.data["url"] == "http://example.com/x"


def test_compact_inside_indented_block() -> None:
    m = parse("returnAddress:\n    name:Jane Doe\n    city: Boston\n    country:USA\n")
    assert m.data == {"returnAddress": {"name": "Jane Doe", "city": "Boston", "country": "USA"}}
    assert m.key_spans["/returnAddress/name"] == (2, 5)
    assert m.spans["/returnAddress/name"] == (2, 10)
    assert m.spans["/returnAddress/city"] == (3, 11)
    assert m.spans["/returnAddress/country"] == (4, 13)


def test_compact_inside_list_items() -> None:
    m = parse("operations:\n  - exportBucket:foo\n    prefix:p/\n  - exportBucket: bar\n")
    assert m.data == {"operations": [{"exportBucket": "foo", "prefix": "p/"},
                                     {"exportBucket": "bar"}]}
    assert m.spans["/operations/0"] == (2, 5)
    assert m.spans["/operations/0/exportBucket"] == (2, 18)
    assert m.spans["/operations/0/prefix"] == (3, 12)
    assert m.spans["/operations/1/exportBucket"] == (4, 19)


def test_syntax_error_after_compact_insert_maps_back() -> None:
    # The reader inserts a space after 'name:'; the error column must not include it.
    m = parse("a: b\nname:Mü: x\n")
    # ': ' inside a value is MT117 (a worded finding instead of the engine's).
    assert ("MT117", 2, 8) in found(m)
    m = parse("a: b\nname:\"M\u00fc\" x\n")
    assert ("MT100", 2, 11) in found(m)
    assert not m.readable


def test_compact_sample_matches_standard_sample() -> None:
    compact = parse_manifest((SAMPLES / "valid" / "s3-import-compact.yaml").read_bytes())
    assert compact.data["manifestVersion"] == "2.0"
    assert compact.data["returnAddress"]["company"] == "Example Corp"
    assert found(compact) == [("MT103", 2, 16)]


# --- flattened returnAddress ----------------------------------------------------------


FLAT = ("manifestVersion: 2.0\nreturnAddress:\nname: Joe\nstreet1: 1 Main St\ncity: Seattle\n"
        "country: USA\ndeviceId: 49382\n")


def test_flattened_address_read_into_return_address() -> None:
    m = parse(FLAT)
    assert m.flattened_address
    assert m.data == {
        "manifestVersion": "2.0",
        "returnAddress": {"name": "Joe", "street1": "1 Main St", "city": "Seattle",
                          "country": "USA"},
        "deviceId": "49382",
    }
    assert found(m) == [("MT104", 2, 1)]
    assert m.diagnostics[0].severity is Severity.WARNING
    assert m.spans["/returnAddress/city"] == (5, 7)
    assert m.key_spans["/returnAddress/city"] == (5, 1)


def test_indented_address_is_not_flattened() -> None:
    m = parse("returnAddress:\n  name: Joe\nname: other\n")
    assert not m.flattened_address
    assert m.data == {"returnAddress": {"name": "Joe"}, "name": "other"}
    assert m.diagnostics == []


def test_empty_return_address_without_address_lines_stays_empty() -> None:
    m = parse("returnAddress:\ndeviceId: 1\n")
    assert m.data == {"returnAddress": "", "deviceId": "1"}
    assert m.diagnostics == []


# --- line breaks, encodings -----------------------------------------------------------


NESTED = "a: 1\nb:\n  c: x\n  d:\n    - e\n    - f: g\nh:i\n"


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_give_the_same_tree_and_lines(newline: str) -> None:
    lf = parse(NESTED)
    other = parse(NESTED.replace("\n", newline))
    assert other.data == lf.data
    assert other.spans == lf.spans
    assert other.key_spans == lf.key_spans
    assert found(other) == found(lf)


def test_mixed_line_breaks_count_like_the_engine() -> None:
    m = parse("a: 1\r\nb: 2\rc: 3\nd: 4\u2028e: 5\x85f: 6\n")
    assert list(m.data) == ["a", "b", "c", "d", "e", "f"]
    assert [m.key_spans[f"/{k}"][0] for k in "abcdef"] == [1, 2, 3, 4, 5, 6]


def test_columns_count_code_points() -> None:
    m = parse("returnAddress: {city: München, name: Jörg 😀, x: y}\nz: é\n")
    assert m.spans["/returnAddress/city"] == (1, 23)
    assert m.spans["/returnAddress/name"] == (1, 38)
    assert m.key_spans["/returnAddress/x"] == (1, 46)
    assert m.spans["/z"] == (2, 4)


def test_syntax_error_column_after_non_ascii() -> None:
    m = parse("city: München: x\n")
    assert found(m) == [("MT117", 1, 14)]
    m = parse("name: 😀😀: x\n")
    assert found(m) == [("MT117", 1, 9)]
    m = parse("city: \"München\" x\n")
    assert found(m) == [("MT100", 1, 17)]


def test_bom_tolerated_with_warning_and_columns_unchanged() -> None:
    plain = parse(NESTED)
    bom = parse_manifest(b"\xef\xbb\xbf" + NESTED.encode())
    assert bom.data == plain.data
    assert bom.spans == plain.spans
    assert bom.key_spans == plain.key_spans
    assert found(bom) == [("MT102", 1, 1), *found(plain)]
    assert bom.diagnostics[0].severity is Severity.WARNING


def test_undecodable_byte_located_and_parsing_continues() -> None:
    data = b"a: b\ncity: M\xfcnchen\nc: d\nc: e\n"
    m = parse_manifest(data)
    assert m.readable
    assert m.data == {"a": "b", "city": "M\ufffdnchen", "c": "d"}
    assert found(m) == [("MT101", 2, 8), ("MT106", 4, 1)]
    assert m.diagnostics[0].severity is Severity.ERROR


def test_undecodable_bytes_after_multibyte_characters() -> None:
    m = parse_manifest("x: Zür".encode() + b"\xff y\n")
    assert found(m) == [("MT101", 1, 7)]


def test_each_bad_byte_run_reported() -> None:
    m = parse_manifest(b"a: \xe2\x82\nb: \xff x\n")
    assert found(m) == [("MT101", 1, 4), ("MT101", 2, 4)]
    assert m.data == {"a": "\ufffd", "b": "\ufffd x"}


# --- YAML features with no meaning in a manifest ---------------------------------------


def test_tab_in_indentation_is_error_at_the_tab() -> None:
    m = parse("returnAddress:\n  name: Jo\n \tcity: Boston\n")
    assert found(m) == [("MT105", 3, 2)]
    assert m.diagnostics[0].severity is Severity.ERROR
    assert m.data == {"returnAddress": {"name": "Jo", "city": "Boston"}}
    assert m.spans["/returnAddress/city"] == (3, 9)


def test_tab_inside_a_value_is_not_indentation() -> None:
    m = parse("deviceId: HD\t001\n")
    assert m.diagnostics == []
    assert m.data == {"deviceId": "HD\t001"}


def test_duplicate_key_keeps_first_value() -> None:
    m = parse("bucket: first\ndeviceId: 1\nbucket: second\n")
    assert m.data == {"bucket": "first", "deviceId": "1"}
    assert found(m) == [("MT106", 3, 1)]
    assert "'bucket'" in m.diagnostics[0].message


def test_duplicate_nested_key() -> None:
    m = parse("returnAddress:\n  city: A\n  city:\n    - B\n")
    assert m.data == {"returnAddress": {"city": "A"}}
    assert found(m) == [("MT106", 3, 3)]


def test_billion_laughs_is_never_expanded() -> None:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 12)]
    with cputime.spent() as cpu:
        m = parse("\n".join(lines) + "\n")
    assert cpu.seconds < 2.0  # CPU seconds: an expansion would take far longer
    rules = [d.rule for d in m.diagnostics]
    assert set(rules) == {"MT107"}
    assert len(rules) == 12 + 11 * 9  # every anchor and every alias
    assert m.data["l1"] == [""] * 9
    assert m.data["l11"] == [""] * 9


def test_anchor_and_alias_positions() -> None:
    m = parse("deviceId: &dev 49382\ngenerator: *dev\n")
    assert found(m) == [("MT107", 1, 11), ("MT107", 2, 12)]
    assert m.data == {"deviceId": "49382", "generator": ""}


def test_tags_reported() -> None:
    m = parse("deviceId: !!str 49382\nbucket: !custom b\nlist: !!seq\n  - x\n")
    assert found(m) == [("MT108", 1, 11), ("MT108", 2, 9), ("MT108", 3, 7)]
    assert m.data == {"deviceId": "49382", "bucket": "b", "list": ["x"]}


def test_quoted_values_are_not_tags() -> None:
    m = parse("a: \"x\"\nb: 'y'\nc: |\n  z\n")
    assert m.diagnostics == []
    assert m.data == {"a": "x", "b": "y", "c": "z\n"}


@pytest.mark.parametrize(("text", "kind", "where"), [
    ("- a\n- b\n", "a list", (1, 1)),
    ("# c\n  just text\n", "a single value", (2, 3)),
    ("[a: b]\n", "a list", (1, 1)),
])
def test_top_level_not_a_mapping(text: str, kind: str, where: tuple[int, int]) -> None:
    m = parse(text)
    assert not m.readable
    assert m.data == {}
    assert found(m) == [("MT109", *where)]
    assert kind in m.diagnostics[0].message


@pytest.mark.parametrize("data", [
    b"", b"\n\n", b"   \r\n", b"# only a comment\n", b"# one\n\n  # two\n", b"---\n", b"---\n...\n",
    b"\xef\xbb\xbf",
])
def test_empty_and_comment_only(data: bytes) -> None:
    m = parse_manifest(data)
    assert not m.readable
    assert m.data == {}
    assert ("MT110", 1, 1) in found(m)


def test_two_documents() -> None:
    m = parse("a: b\n---\nc: d\n")
    assert found(m) == [("MT111", 2, 1)]
    assert m.data == {"a": "b"}


def test_one_explicit_document_is_fine() -> None:
    m = parse("---\na: b\n...\n")
    assert m.diagnostics == []
    assert m.data == {"a": "b"}


def test_complex_key_reported_and_dropped() -> None:
    m = parse("a: 1\n? [x, y]\n: 2\n{p: q}: 3\nb: 4\n")
    assert found(m) == [("MT112", 2, 3), ("MT112", 4, 1)]
    assert m.data == {"a": "1", "b": "4"}


def test_control_characters() -> None:
    m = parse("deviceId: 493\x0082\nname: a\x01b\x7f\n")
    assert found(m) == [("MT113", 1, 14), ("MT113", 2, 8), ("MT113", 2, 10)]
    assert m.data == {"deviceId": "493 82", "name": "a b"}


def test_deep_nesting_refused_flow() -> None:
    depth = MAX_DEPTH + 8
    m = parse("generator: " + "[" * depth + "]" * depth + "\n")
    assert not m.readable
    assert m.data == {}
    # The root mapping is level 1; the 32nd '[' would be level 33.
    assert found(m) == [("MT114", 1, 11 + MAX_DEPTH)]


def test_deep_nesting_refused_block() -> None:
    text = "".join(" " * i + "k:\n" for i in range(60)) + " " * 60 + "x: y\n"
    m = parse(text)
    assert not m.readable
    assert found(m) == [("MT114", MAX_DEPTH + 1, MAX_DEPTH + 1)]


def test_nesting_at_the_limit_is_read() -> None:
    depth = MAX_DEPTH - 1
    m = parse("generator: " + "[" * depth + "x" + "]" * depth + "\n")
    assert m.readable
    assert m.diagnostics == []


def test_huge_flow_nesting_is_fast() -> None:
    with cputime.spent() as cpu:
        m = parse_manifest(b"a: " + b"[" * 100_000 + b"]" * 100_000)
    assert cpu.seconds < 2.0
    assert [d.rule for d in m.diagnostics] == ["MT114"]


# --- positions and JSON pointers ------------------------------------------------------


POINTERS = """\
# a comment
manifestVersion: 2.0
returnAddress:
  name: Jane
  city: Boston
operations:
  - exportBucket: one
    prefix: p/
  -   exportBucket: two
ignore:
  - ^a
  - ^b
a/b~c: slash
"""


def test_position_of_nested_keys_and_list_items() -> None:
    m = parse(POINTERS)
    assert m.position("/manifestVersion") == (2, 18)
    assert m.position("/manifestVersion", key=True) == (2, 1)
    assert m.position("/returnAddress") == (4, 3)
    assert m.position("/returnAddress", key=True) == (3, 1)
    assert m.position("/returnAddress/city") == (5, 9)
    assert m.position("/returnAddress/city", key=True) == (5, 3)
    assert m.position("/operations/0") == (7, 5)
    assert m.position("/operations/0/prefix") == (8, 13)
    assert m.position("/operations/1") == (9, 7)
    assert m.position("/operations/1/exportBucket") == (9, 21)
    assert m.position("/ignore/1") == (12, 5)
    assert m.position("/a~1b~0c") == (13, 8)
    assert m.data["a/b~c"] == "slash"


def test_position_falls_back_to_nearest_ancestor() -> None:
    m = parse(POINTERS)
    assert m.position("/returnAddress/postalCode") == (4, 3)
    assert m.position("/returnAddress/postalCode", key=True) == (3, 1)
    assert m.position("/operations/5/region") == (7, 3)
    assert m.position("/nothing") == (2, 1)  # the root mapping
    assert m.position("") == (2, 1)
    # A list item has no key; key=True falls back to its value position.
    assert m.position("/operations/1", key=True) == (9, 7)


def test_position_of_unreadable_manifest_is_start() -> None:
    m = parse("- a\n")
    assert m.position("/anything") == (1, 1)


def test_valid_samples_parse_without_reading_findings() -> None:
    for path in sorted((SAMPLES / "valid").glob("*.yaml")):
        m = parse_manifest(path.read_bytes())
        assert m.readable, path
        assert {d.rule for d in m.diagnostics} <= {"MT103", "MT104"}, path
        assert all(isinstance(v, (str, dict, list)) for v in m.data.values()), path


def test_compact_value_starting_with_slash_is_compact_but_url_line_is_not() -> None:
    m = parse_manifest(b"manifestVersion:2.0\nlogPrefix:/logs/\n")
    assert m.readable
    assert m.data["logPrefix"] == "/logs/"
    assert m.spans["/logPrefix"] == (2, 11)
    url = parse_manifest(b"http://example.com/manifest\n")
    assert not url.readable  # a lone URL is a scalar, not a `http` key
    assert [d.rule for d in url.diagnostics] == ["MT109"]


def test_too_many_bad_bytes_says_so_only_when_more_follow() -> None:
    exactly = parse_manifest(b"a: " + b"\xff x " * 20 + b"\n")
    assert len([d for d in exactly.diagnostics if d.rule == "MT101"]) == 20
    assert not any("stopped counting" in d.message for d in exactly.diagnostics)
    many = parse_manifest(b"a: " + b"\xff x " * 25 + b"\n")
    found = [d for d in many.diagnostics if d.rule == "MT101"]
    assert len(found) == 20
    assert "stopped counting" in found[-1].message
