"""One mistake, one finding: a comment after a value, a misspelt field, curly
quotes around a value, a placeholder in a secret field, another kind of file."""

from __future__ import annotations

import pytest

from manifest_tools.manifest.validate import FileResult, validate_bytes
from tests.manifests import EXPORT, IMPORT


def run(text: str | bytes) -> FileResult:
    return validate_bytes(text.encode("utf-8") if isinstance(text, str) else text, "m.yaml")


def findings(result: FileResult) -> list[tuple[str, int, int]]:
    return [(d.rule, d.line, d.column) for d in result.diagnostics]


@pytest.mark.parametrize("comment", ["# note: keep", "# see: ticket 4: done", "#"])
def test_a_comment_after_a_value_is_a_comment_whatever_it_holds(comment: str) -> None:
    text = IMPORT.replace("eraseDevice: yes\n", f"eraseDevice: yes  {comment}\n")
    assert run(text).diagnostics == ()


@pytest.mark.parametrize(("old", "new", "line", "message"), [
    ("returnAddress:", "retrunAddress:", 6,
     "retrunAddress: unknown field; did you mean 'returnAddress'?"),
    ("  stateOrProvince: MA", "  stateOrProvence: MA", 10,
     "returnAddress.stateOrProvence: unknown field; did you mean 'stateOrProvince'?"),
    ("notificationEmail:", "notifcationEmail:", 14,
     "notifcationEmail: unknown field; did you mean 'notificationEmail'?"),
])
def test_a_misspelt_field_is_one_finding_the_rename(old: str, new: str, line: int,
                                                    message: str) -> None:
    result = run(IMPORT.replace(old, new))
    [d] = result.diagnostics  # no MT201 'missing', no MT309, no MT311 beside it
    assert (d.rule, d.line, d.column, d.message) == ("MT204", line, 1 if line != 10 else 3,
                                                     message)
    assert d.hint == f"rename it to '{old.strip().rstrip(':').split(':')[0]}'"


@pytest.mark.parametrize(("old", "new", "column"), [
    ("eraseDevice: yes", "eraseDevice: \u201cyes\u201d", 14),
    ("bucket: example-import-bucket", "bucket: \u201cexample-import-bucket\u201d", 9),
    ("  country: USA", "  country: \u2018USA\u2019", 12),
])
def test_typographic_quotes_around_a_value_are_one_error_with_the_fix(old: str, new: str,
                                                                      column: int) -> None:
    text = IMPORT.replace(old, new)
    [d] = run(text).diagnostics  # not also MT202, MT310, MT309, MT304
    name, value = old.strip().split(": ")
    assert (d.rule, d.severity.value, d.column) == ("MT126", "error", column)
    assert d.message.startswith(f"{name}: the value is in typographic quotes (")
    assert d.message.endswith("); they do not quote it but become part of it")
    assert d.hint == f"use straight quotes or none: {name}: {value}"


@pytest.mark.parametrize("placeholder", ["[password]", "<your password>", "{TrueCrypt password}"])
def test_a_placeholder_in_a_secret_field_is_one_mt208_never_shown(placeholder: str) -> None:
    text = EXPORT.replace("fileSystem: NTFS\n", f"fileSystem: NTFS\ntrueCryptPassword: "
                          f"{placeholder}\n")
    [d] = run(text).diagnostics  # not MT206 (a list) + MT302 (no password)
    assert (d.rule, d.line) == ("MT208", 5)
    assert d.message == "trueCryptPassword: fill in the placeholder"
    assert placeholder not in d.message + (d.hint or "")


def test_a_password_that_only_looks_bracketed_is_kept() -> None:
    text = EXPORT.replace("fileSystem: NTFS\n", "fileSystem: NTFS\ntrueCryptPassword: [a1!]\n")
    assert "MT208" not in [d.rule for d in run(text).diagnostics]


def test_get_status_output_and_a_signature_are_one_wrong_kind_finding() -> None:
    status = b'{\n    "JobId": "EX1ID",\n    "ProgressCode": "Pending"\n}\n'
    [d] = run(status).diagnostics
    assert (d.rule, d.severity.value) == ("MT127", "error")
    assert d.message.startswith("this looks like get-status (or create-job) output, not a "
                                "manifest; use 'manifest-tools status FILE'")
    signature = (b"version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\n"
                 b"signature:Ara83XX0K7K15HeRcHM9hXMrNpw=\n")
    [d] = run(signature).diagnostics
    assert d.rule == "MT127" and d.message.startswith("this looks like a SIGNATURE file")
