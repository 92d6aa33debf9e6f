"""Secrets are masked by key name in manifest text, never by value search."""

from __future__ import annotations

import pytest

from manifest_tools.manifest.redact import redact_manifest_text


@pytest.mark.parametrize(("text", "expected"), [
    ("trueCryptPassword: s3cr3t\n", "trueCryptPassword: ****\n"),
    ("trueCryptPassword:s3cr3t\r\n", "trueCryptPassword:****\r\n"),
    ("  pinCode: \"1234\"\n", "  pinCode: ****\n"),
    ("- pinCode: 1234\n", "- pinCode: ****\n"),
    ("pinCode: 1234", "pinCode: ****"),
    ("pinCode:\n", "pinCode:\n"),  # nothing to hide, nothing invented
    # A value a web form wrapped onto the next line is masked there too.
    ("trueCryptPassword:\nS3cr3t returnAddress:\n  name: x\n",
     "trueCryptPassword:\n****\n  name: x\n"),
    ("pinCode:\n  1234\nbucket: b\n", "pinCode:\n  ****\nbucket: b\n"),
    ("pinCode:\r\n\r\n# c\r\nS3cr3t\r\n", "pinCode:\r\n\r\n# c\r\n****\r\n"),
    ("pinCode:\nbucket: b\n", "pinCode:\nbucket: b\n"),  # the next field is not hidden
    ("trueCryptPassword: ab\rcd\nx: 1\n", "trueCryptPassword: ****\nx: 1\n"),  # lone CR
    ("a: 1\rpinCode: 99\n", "a: 1\rpinCode: ****\n"),  # line starting after a lone CR
])
def test_secret_lines_are_masked(text: str, expected: str) -> None:
    assert redact_manifest_text(text) == expected


def test_other_values_containing_the_secret_are_left_alone() -> None:
    text = "deviceId: xs3cr3tx\ntrueCryptPassword: s3cr3t\nbucket: s3cr3t-bucket\n"
    out = redact_manifest_text(text)
    assert out == "deviceId: xs3cr3tx\ntrueCryptPassword: ****\nbucket: s3cr3t-bucket\n"

