"""Secrets are masked by key name in manifest text and trees, never by value search."""

from __future__ import annotations

import pytest

from manifest_tools.redact import MASK, redact_manifest_text, redact_tree


@pytest.mark.parametrize(("text", "expected"), [
    ("trueCryptPassword: s3cr3t\n", "trueCryptPassword: ****\n"),
    ("trueCryptPassword:s3cr3t\r\n", "trueCryptPassword:****\r\n"),
    ("  pinCode: \"1234\"\n", "  pinCode: ****\n"),
    ("- pinCode: 1234\n", "- pinCode: ****\n"),
    ("pinCode: 1234", "pinCode: ****"),
    ("pinCode:\n", "pinCode:\n"),  # nothing to hide, nothing invented
    ("trueCryptPassword: ab\rcd\nx: 1\n", "trueCryptPassword: ****\nx: 1\n"),  # lone CR
    ("a: 1\rpinCode: 99\n", "a: 1\rpinCode: ****\n"),  # line starting after a lone CR
])
def test_secret_lines_are_masked(text: str, expected: str) -> None:
    assert redact_manifest_text(text) == expected


def test_other_values_containing_the_secret_are_left_alone() -> None:
    text = "deviceId: xs3cr3tx\ntrueCryptPassword: s3cr3t\nbucket: s3cr3t-bucket\n"
    out = redact_manifest_text(text)
    assert out == "deviceId: xs3cr3tx\ntrueCryptPassword: ****\nbucket: s3cr3t-bucket\n"


def test_tree_redaction_masks_only_secret_fields() -> None:
    tree = {"pinCode": "1234", "deviceId": "1234", "ops": [{"trueCryptPassword": "pw"}],
            "trueCryptPassword": ""}
    assert redact_tree(tree) == {"pinCode": MASK, "deviceId": "1234",
                                 "ops": [{"trueCryptPassword": MASK}], "trueCryptPassword": ""}
