"""The one outcome of a device entry (device/outcome.py): order of the checks, each kind."""

from __future__ import annotations

from manifest_tools.aws import S3_OBJECT_LIMIT
from manifest_tools.device.keys import KeyRules
from manifest_tools.device.outcome import entry_outcome, file_outcome
from manifest_tools.device.walk import Entry

DEEP = "/".join(["d" * 250] * 5)  # a key of 1,254 bytes


def test_key_checks_come_before_the_size() -> None:
    rules = KeyRules.read({"prefix": "imports/", "substitutions": {"drafts": ""}})
    huge = S3_OBJECT_LIMIT + 1
    assert file_outcome(rules, "drafts/" + DEEP, huge).code == "InvalidSubstitution"
    assert file_outcome(rules, DEEP, huge).code == "KeyTooLongError"
    assert file_outcome(rules, "big.bin", huge).code == "EntityTooLarge"
    assert file_outcome(rules, "big.bin", S3_OBJECT_LIMIT).action == "import"


def test_a_substitution_that_empties_a_name_or_the_key() -> None:
    rules = KeyRules.read({"prefix": "imports/", "substitutions": {"drafts": ""}})
    doubled = file_outcome(rules, "drafts/b.txt", 1)
    assert (doubled.action, doubled.key, doubled.status, doubled.rule, doubled.reason) == (
        "refused", "imports//b.txt", "400", "MT609", "MT609")
    whole = file_outcome(KeyRules.read({"substitutions": {"a.txt": ""}}), "a.txt", 1)
    assert (whole.key, whole.code) == ("", "InvalidSubstitution")
    # A slash the prefix itself doubles is no substitution's doing.
    assert file_outcome(KeyRules.read({"prefix": "p//", "substitutions": {"x": "y"}}),
                        "a", 1).action == "import"


def test_entries_that_never_reach_the_rules() -> None:
    rules = KeyRules.read({"ignore": [".*"]})
    for kind in ("symlink", "fifo", "socket", "other"):
        special = entry_outcome(rules, Entry("x", kind))
        assert special is not None
        assert (special.action, special.status, special.code, special.reason) == (
            "ignored", "103", "Ignored", "MT617")
    assert entry_outcome(rules, Entry("d", "dir", children=0)) is None
    unreadable = entry_outcome(rules, Entry("d", "dir", error="Permission denied"))
    assert unreadable is not None and unreadable.code == "IncompleteBody"
    bad = entry_outcome(rules, Entry("bad\udcff", "file", 3))
    assert bad is not None and (bad.code, bad.csv_action) == ("InvalidObjectName", "skipped")


def test_signature_and_patterns() -> None:
    rules = KeyRules.read({"ignore": [r"\.bak$"]})
    signature = file_outcome(rules, "SIGNATURE", 90)
    assert (signature.action, signature.status, signature.reason) == ("ignored", "103",
                                                                      "signature")
    assert file_outcome(rules, "a.bak", 1).reason == r"ignore:\.bak$"
    assert file_outcome(rules, "sub/SIGNATURE", 1).action == "import"
