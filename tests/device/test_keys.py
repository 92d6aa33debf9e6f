"""device/keys.py and javaregex.py: keys, substitutions, ignore patterns, Java translation."""

from __future__ import annotations

import re

import pytest

from manifest_tools.device.keys import (
    AWS_IGNORED_ROOT_NAMES,
    KeyRules,
    KeyRulesError,
    aws_ignores,
    pattern_diagnostics,
    translate_java_regex,
)
from manifest_tools.errors import PatternError
from manifest_tools.manifest.parse import parse_manifest


def rules(**data: object) -> KeyRules:
    return KeyRules.from_manifest(data)


def test_prefix_is_prepended_without_slash() -> None:
    # The guide's example: prefix 'images' + 'sample.jpg' = 'imagessample.jpg'.
    assert rules(prefix="images").s3_key("sample.jpg") == "imagessample.jpg"
    assert rules(prefix="images/").s3_key("a/b.jpg") == "images/a/b.jpg"
    assert rules().s3_key("a/b.jpg") == "a/b.jpg"


def test_substitutions_apply_after_prefix_in_manifest_order_to_the_whole_key() -> None:
    r = rules(prefix="raw-", substitutions={"raw": "cooked", "-": "_"})
    # 'raw' in the prefix is substituted too (the key as a whole), then '-' -> '_'.
    assert r.s3_key("raw-1.txt") == "cooked_cooked_1.txt"
    # Sequential: the second substitution sees the first one's output.
    chain = rules(substitutions={"a": "b", "b": "c"})
    assert chain.s3_key("ab") == "cc"
    reverse = rules(substitutions={"b": "c", "a": "b"})
    assert reverse.s3_key("ab") == "bc"


def test_substitution_order_survives_parsing() -> None:
    m = parse_manifest(b"manifestVersion: 2.0\nsubstitutions:\n  b: c\n  a: b\n")
    assert KeyRules.from_manifest(m.data).substitutions == (("b", "c"), ("a", "b"))


def test_ignore_uses_search_semantics_against_the_relative_path() -> None:
    r = rules(ignore=[r".*~$", r"\.psd$", "^backup/"], prefix="p/")
    assert r.ignored_by("x/notes.txt~") == ".*~$"
    assert r.ignored_by("art/cover.psd") == r"\.psd$"
    assert r.ignored_by("backup/old.db") == "^backup/"
    # Matched against the path, not the key: the prefix does not make 'p/backup/' match.
    assert r.ignored_by("p/backup/x") is None
    assert r.ignored_by("data/backup/x") is None
    assert r.ignored_by("cover.psd.txt") is None


def test_root_signature_is_ignored_by_aws_itself() -> None:
    assert frozenset({"SIGNATURE"}) == AWS_IGNORED_ROOT_NAMES
    assert aws_ignores("SIGNATURE")
    assert not aws_ignores("sub/SIGNATURE")
    assert not aws_ignores("signature")
    d = rules().decide("SIGNATURE")
    assert (d.action, d.pattern) == ("ignored", None)
    assert rules().decide("sub/SIGNATURE").action == "import"
    assert rules(ignore=["x"]).decide("a/x").pattern == "x"


def test_bad_pattern_raises_with_pointer_and_read_keeps_the_rest() -> None:
    data = {"ignore": ["ok$", "(unclosed", r"\p{L}+"]}
    with pytest.raises(KeyRulesError) as info:
        KeyRules.from_manifest(data)
    pointers = [d.pointer for d in info.value.diagnostics]
    assert pointers == ["/ignore/1", "/ignore/2"]
    assert {d.rule for d in info.value.diagnostics} == {"MT611"}
    kept = KeyRules.read(data)
    assert [p for p, _ in kept.ignore] == ["ok$"]
    assert len(kept.dropped) == 2


def test_empty_substitution_source_is_refused() -> None:
    found = pattern_diagnostics({"substitutions": {"": "x", "a": "b"}})
    assert [(d.rule, d.pointer) for d in found] == [("MT612", "/substitutions/")]
    assert KeyRules.read({"substitutions": {"": "x", "a": "b"}}).substitutions == (("a", "b"),)


@pytest.mark.parametrize(("java", "text", "matches"), [
    (r"\Qa.b*\E$", "xa.b*", True),
    (r"\Qa.b*\E$", "xaab", False),
    (r"\Q(unclosed", "a(unclosed", True),  # \Q to the end
    (r"a*+a", "aaa", False),  # possessive: gives nothing back
    (r"a++b", "aab", True),
    (r"(?>ab|a)c", "ac", True),
    (r"(?>a|ab)c", "abc", False),  # atomic
    (r"^\p{Lower}+$", "abc", True),
    (r"^\p{Lower}+$", "abC", False),
    (r"^\p{Lower}+$", "\u00e9t\u00e9", False),  # POSIX classes are ASCII in Java
    (r"^[\p{Digit}_]+$", "1_2", True),
    (r"^\P{Alpha}+$", "123", True),
    (r"^\P{Alpha}+$", "12a", False),
    (r"\p{IsPunct}", "a!", True),
    (r"abc\z", "abc\n", False),
    (r"abc\z", "abc", True),
    (r"abc\Z", "abc\n", True),
    (r"abc\Z", "abc\r\n", True),
    (r"^\w+$", "caf\u00e9", False),  # \w is ASCII in Java
    (r"(?U)^\w+$", "caf\u00e9", True),
    (r"(?i)^abc$", "ABC", True),
    (r"(?i)^\u00e9$", "\u00c9", False),  # Java's (?i) folds ASCII only
    (r"(?<year>\d{4})-\k<year>", "2020-2020", True),
    (r"\x{41}\0101\cA", "AA\x01", True),
    (r"\h", "a\u00a0", True),
    (r"\e", "\x1b", True),
    (r"a(?i:B)c", "abc", True),
    (r"a(?i:B)C", "abc", False),
    (r"[a&b]", "&", True),
    (r"[]a]", "]", True),
    (r"^backup/", "backup/x", True),
])
def test_translation_matches_java_semantics(java: str, text: str, matches: bool) -> None:
    assert (re.search(translate_java_regex(java), text) is not None) is matches


@pytest.mark.parametrize(("java", "translatable"), [
    (r"\p{L}", False),
    (r"\p{IsLatin}", False),
    (r"\p{javaLowerCase}", False),
    (r"[a-z&&[^e]]", False),
    (r"[a[b]]", False),
    (r"a(?i)b", False),
    (r"(?u)a", False),
    (r"\Ga", False),
    (r"\X", False),
    (r"[^\P{Alpha}]", False),
    (r"(?P<n>a)", True),
    (r"(?#comment)", True),
    (r"(unclosed", True),
    (r"[abc", True),
    ("a\\", True),
    (r"*a", True),
    (r"(?q)a", True),
    (r"\p{Lower", True),
])
def test_untranslatable_and_invalid_patterns_are_refused(java: str, translatable: bool) -> None:
    with pytest.raises(PatternError) as info:
        translate_java_regex(java)
    assert info.value.translatable is translatable
    assert info.value.pattern == java


def test_first_matching_ignore_pattern_is_named() -> None:
    r = rules(ignore=[r"(?i)\.TMP$", r"^backup/", r"\p{Punct}{3}", r"a*+b", r"(c)\1"])
    for path, expected in [("x.tmp", r"(?i)\.TMP$"), ("backup/y", "^backup/"),
                           ("a!!!b", r"\p{Punct}{3}"), ("aab", "a*+b"), ("plain.txt", None),
                           ("X.TMP", r"(?i)\.TMP$"), ("Backup/y", None), ("xcc", r"(c)\1"),
                           ("backup/x.tmp", r"(?i)\.TMP$")]:
        assert r.ignored_by(path) == expected, path


def test_literal_anchor_reads_only_plain_text_anchored_at_one_end() -> None:
    """Each shape it returns means what the compiled pattern means on names without a
    newline; anything else (classes, escapes like \\d, both anchors, none) is None."""
    from manifest_tools.device.keys import literal_anchor

    samples = ["a.tmp", "x/a.tmp", "a.tmpx", "atmp", "scratch/a", "scratchy/a", "x/scratch/a",
               "a+b", "aab", "c\\x", "é", "", "backup/", "a b-c/d"]
    shapes = {r"\.tmp$": ("suffix", ".tmp"), "^scratch/": ("prefix", "scratch/"),
              r"a\+b$": ("suffix", "a+b"), r"\\x$": ("suffix", "\\x"), "é$": ("suffix", "é"),
              "^a b-c/": ("prefix", "a b-c/")}
    for java, shape in shapes.items():
        translated = translate_java_regex(java)
        assert literal_anchor(translated) == shape
        kind, text = shape
        compiled = re.compile(translated)
        for name in samples:
            plain = name.endswith(text) if kind == "suffix" else name.startswith(text)
            assert (compiled.search(name) is not None) == plain, (java, name)
    for java in ["a.b$", "^x$", r"\d$", "abc", "$", "^", "[a]$", "^a*", "(a)$", "a|b$"]:
        assert literal_anchor(translate_java_regex(java)) is None, java


def test_literal_shape_reads_the_forms_people_write_around_plain_text() -> None:
    """Each shape it returns means what the compiled pattern means on names without a
    newline (prefix, suffix, or the text anywhere); anything else is None, escaped dots
    and dollars and text anchored at both ends included."""
    from manifest_tools.device.keys import literal_shape

    samples = ["a.bak", "x/a.bak", "a.bakx", "abak", "tmp/a", "tmpx/a", "x/tmp/a", "tmp",
               ".DS_Store", "x/.DS_Store", "x/y.DS_Storez", "Thumbs.db", "a\\", "a\\b", "",
               "a$", "a.", "a.b"]
    shapes = {r"^.*\.bak$": ("suffix", ".bak"), r".*\.bak$": ("suffix", ".bak"),
              "^tmp/.*": ("prefix", "tmp/"), "^tmp/.*$": ("prefix", "tmp/"),
              r"\.DS_Store": ("contains", ".DS_Store"), r"^.*\.DS_Store": ("contains", ".DS_Store"),
              r"Thumbs\.db.*": ("contains", "Thumbs.db"), r"a\\.*": ("contains", "a\\"),
              r"\.tmp$": ("suffix", ".tmp"), "^scratch/": ("prefix", "scratch/")}
    for java, shape in shapes.items():
        translated = translate_java_regex(java)
        assert literal_shape(translated) == shape, java
        kind, text = shape
        compiled = re.compile(translated)
        for name in samples:
            plain = (name.endswith(text) if kind == "suffix" else name.startswith(text)
                     if kind == "prefix" else text in name)
            assert (compiled.search(name) is not None) == plain, (java, name)
    for java in [r"a\.*", r"a\$", "^a$", "^.*$", ".*", "^x.*y$", "a.b", r"\d", "[a]",
                 "(a).*", "a|b", "a*"]:
        assert literal_shape(translate_java_regex(java)) is None, java
