"""Manifests as people really write them: the right verdict, at the right line,
in words that say what to do, one finding per mistake."""

from __future__ import annotations

import pytest

from manifest_tools.diagnostics import Diagnostic, Severity
from manifest_tools.manifest.jobtype import JobType
from manifest_tools.manifest.validate import FileResult, validate_bytes
from tests.manifests import ADDRESS, EXPORT, IMPORT, NOTIFY

PIN_EXPORT = EXPORT.replace("fileSystem: NTFS\n", "fileSystem: NTFS\npinCode: 73915\n")
# The engine's own words, which must never be all a user gets.
RAW_WORDS = ("mapping values are not allowed", "while scanning an alias",
             "expected text, found a list", "could not find expected")


def run(text: str, job_type: JobType | None = None) -> FileResult:
    return validate_bytes(text.encode("utf-8"), "m.yaml", job_type)


def found(result: FileResult) -> list[tuple[str, int, int]]:
    return [(d.rule, d.line, d.column) for d in result.diagnostics]


def only(result: FileResult) -> Diagnostic:
    assert len(result.diagnostics) == 1, found(result)
    return result.diagnostics[0]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


# --- addresses by country ---------------------------------------------------------------


NO_STATE = IMPORT.replace("  stateOrProvince: MA\n", "")


@pytest.mark.parametrize("country", ["United Kingdom", "UK", "Ireland", "Germany", "Japan",
                                     "France", "Deutschland"])
def test_state_not_needed_outside_us_and_canada(country: str) -> None:
    result = run(NO_STATE.replace("country: USA", f"country: {country}"))
    assert result.valid, found(result)
    assert not [d for d in result.diagnostics if d.rule in ("MT201", "MT309")]


@pytest.mark.parametrize("country", ["USA", "US", "usa", "United States", "U.S.",
                                     "Canada", "CANADA", "CA"])
def test_state_required_for_us_and_canada(country: str) -> None:
    result = run(NO_STATE.replace("country: USA", f"country: {country}"))
    [diag] = [d for d in result.diagnostics if d.is_error]
    assert diag.rule == "MT309"
    assert diag.pointer == "/returnAddress/stateOrProvince"
    assert diag.line == line_of(NO_STATE, "returnAddress:")
    assert "Required for USA and Canada" in diag.message and diag.hint


def test_empty_state_in_the_us_is_reported_once() -> None:
    result = run(IMPORT.replace("stateOrProvince: MA", "stateOrProvince: ''"))
    errors = [d.rule for d in result.diagnostics if d.is_error]
    assert errors.count("MT309") + errors.count("MT202") == 1, errors


# --- positions: the line of the mistake, one error per mistake ---------------------------


def test_unclosed_bracket_is_reported_where_it_opens() -> None:
    text = IMPORT.replace("deviceId: 49382", "deviceId: [49382")
    diag = only(run(text))
    assert (diag.rule, diag.line) == ("MT100", line_of(text, "deviceId"))
    assert diag.column == len("deviceId: ") + 1
    assert "never closed" in diag.message and diag.hint


def test_unclosed_quote_is_reported_where_it_opens() -> None:
    text = IMPORT.replace("deviceId: 49382", 'deviceId: "49382')
    diag = only(run(text))
    assert (diag.rule, diag.line) == ("MT100", line_of(text, "deviceId"))
    assert "quote" in diag.message


def test_key_equals_value_on_its_own_line() -> None:
    text = IMPORT.replace("eraseDevice: yes", "eraseDevice = yes")
    result = run(text)
    diag = only(result)
    assert (diag.rule, diag.line) == ("MT116", 5)
    assert diag.hint == "write 'eraseDevice: yes'"
    assert result.job_type is JobType.IMPORT  # and the rest of the file is still checked


def test_a_line_without_colon_is_placed_on_that_line() -> None:
    text = IMPORT.replace("eraseDevice: yes", "eraseDevice yes")
    diag = only(run(text))
    assert (diag.rule, diag.line) == ("MT100", 5)
    assert "not 'key: value'" in diag.message


@pytest.mark.parametrize("where", ["  name", "  city", "  country"])
def test_tab_indentation_is_one_error(where: str) -> None:
    text = IMPORT.replace(where, "\t" + where.lstrip())
    result = run(text)
    assert found(result) == [("MT105", line_of(text, "\t"), 1)]
    assert result.diagnostics[0].hint


def test_missing_field_is_placed_at_the_first_field_not_a_comment() -> None:
    text = "# my manifest\n# for the archive disk\n\n" + IMPORT.replace(
        "bucket: example-import-bucket\n", "").replace("eraseDevice: yes\n", "")
    result = run(text, JobType.IMPORT)
    [missing] = [d for d in result.diagnostics if d.rule == "MT201"]
    assert (missing.line, missing.column) == (4, 1)


def test_missing_address_field_is_placed_at_returnaddress() -> None:
    text = IMPORT.replace("  city: Boston\n", "")
    [missing] = [d for d in run(text).diagnostics if d.rule == "MT201"]
    assert missing.line == line_of(text, "returnAddress:")


# --- human words for the common YAML mistakes ------------------------------------------


@pytest.mark.parametrize(("old", "new", "rule", "words"), [
    ("  street1: 123 Main Street", "  street1: Unit 4: Rear", "MT117", "quote the value"),
    ("  city: Boston", "   city: Boston", "MT118", "uses 2"),
    ("  city: Boston", " city: Boston", "MT118", "uses 2"),
    ("  name: Jane Doe", "  name: [Your name]", "MT208", "fill in"),
    ("  name: Jane Doe", "  name: ***placeholder", "MT208", "fill in"),
    ("  name: Jane Doe", "  name: <Your name>", "MT208", "fill in"),
    ("bucket: example-import-bucket", "bucket: {your-bucket}", "MT208", "fill in"),
    ("  name: Jane Doe", "  name: \u201cJane\u201d Doe", "MT120", "typographic quote"),
    ("  name: Jane Doe", "  name: \u201cJane Doe\u201d", "MT126", "typographic quotes"),
    ("  city: Boston", "\u00a0\u00a0city: Boston", "MT119", "U+00A0"),
    ("  city: Boston", "  city:\u00a0Boston", "MT119", "column 8"),
    ("  street1: 123 Main Street", "  street1: 123 Main Street #4", "MT121", "comment"),
    ("eraseDevice: yes", "eraseDevice = yes", "MT116", "key: value"),
])
def test_common_mistake_gets_one_worded_finding_with_a_hint(old: str, new: str, rule: str,
                                                             words: str) -> None:
    assert old in IMPORT
    text = IMPORT.replace(old, new)
    diag = only(run(text))
    assert diag.rule == rule
    assert diag.line == line_of(text, new.strip("\u00a0 ")[:6])
    shown = f"{diag.message} {diag.hint}"
    assert words in shown, shown
    assert diag.hint
    assert not any(raw in diag.message for raw in RAW_WORDS), diag.message


def test_indentation_message_names_the_line_and_the_sibling() -> None:
    text = IMPORT.replace("  city: Boston", "   city: Boston")
    diag = only(run(text))
    assert diag.message == (f"line {line_of(text, 'city')} is indented by 3 spaces; its "
                            f"sibling 'name' on line {line_of(text, 'name')} uses 2")


def test_nbsp_never_ends_up_in_a_key() -> None:
    result = run(IMPORT.replace("  city: Boston", "\u00a0\u00a0city: Boston"))
    assert not any(d.rule in ("MT203", "MT204", "MT201") for d in result.diagnostics)


def test_comment_cut_says_what_was_read() -> None:
    diag = only(run(IMPORT.replace("123 Main Street", "123 Main Street #4")))
    assert diag.severity is Severity.WARNING
    assert "'123 Main Street'" in diag.message


def test_ordinary_comments_after_values_are_not_reported() -> None:
    assert run(IMPORT.replace("bucket: example-import-bucket",
                              "bucket: example-import-bucket  # the import bucket")
               ).diagnostics == ()


# --- misplaced fields say where they belong --------------------------------------------


@pytest.mark.parametrize(("base", "line", "words"), [
    (PIN_EXPORT, "exportBucket: other-bucket", "belongs in an item of operations"),
    (PIN_EXPORT, "targetDirectory: exports/", "belongs in an item of operations"),
    (PIN_EXPORT, "prefix: photos/", "belongs in an item of operations"),
    (PIN_EXPORT, "bucket: example-import-bucket", "S3 import"),
    (PIN_EXPORT, "eraseDevice: yes", "not of an S3 export"),
    (IMPORT, "fileSystem: NTFS", "S3 export"),
    (IMPORT, "city: Boston", "belongs in returnAddress"),
])
def test_misplaced_field_says_where_it_belongs(base: str, line: str, words: str) -> None:
    text = base + line + "\n"
    result = run(text, JobType.EXPORT if base is PIN_EXPORT else JobType.IMPORT)
    [diag] = [d for d in result.diagnostics if d.rule in ("MT203", "MT207")]
    assert diag.rule == "MT207"
    assert words in diag.message
    assert "not in any AWS guide" not in diag.message


def test_glacier_only_field_under_an_ebs_operation_and_back() -> None:
    ebs = ("manifestVersion: 3.0\naccessKeyId: AKIA2E0A8F3B244C9986\ndeviceId: 1\n"
           "eraseDevice: yes\nlogBucket: logs-bucket\noperations:\n  - destination: glacier\n"
           "    source: device\n    region: us-east-1\n    vaultName: v\n"
           "    deviceCapacityGreaterThan1TB: yes\n") + ADDRESS + NOTIFY
    [diag] = [d for d in run(ebs).diagnostics]
    assert diag.rule == "MT207" and "EBS import" in diag.message


# --- no follow-on errors -------------------------------------------------------------------


def test_placeholder_country_gives_no_expedited_or_code_finding() -> None:
    text = IMPORT.replace("eraseDevice: yes", "eraseDevice: yes\nserviceLevel: expeditedShipping"
                          ).replace("country: USA", "country: [Country]")
    assert [d.rule for d in run(text).diagnostics] == ["MT208"]


def test_placeholder_access_key_gives_no_pattern_error() -> None:
    text = IMPORT.replace("AKIA2E0A8F3B244C9986", "CHANGE-ME")
    assert [d.rule for d in run(text).diagnostics] == ["MT208"]


def test_secret_placeholder_is_reported_without_its_value() -> None:
    diag = only(run(EXPORT.replace("fileSystem: NTFS\n",
                                   "fileSystem: NTFS\ntrueCryptPassword: CHANGE-ME\n")))
    assert diag.rule == "MT208" and "CHANGE-ME" not in diag.message


# --- later AWS rules are warnings ------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "rule"), [
    ("eraseDevice: yes\n", "", "MT310"),
    ("eraseDevice: yes", "eraseDevice: No", "MT310"),
    (NOTIFY, "", "MT311"),
    ("AKIA2E0A8F3B244C9986", "AKIAIOSFODNN7EXAMPLE", "MT315"),
])
def test_later_rules_are_warnings(old: str, new: str, rule: str) -> None:
    result = run(IMPORT.replace(old, new))
    assert [d.rule for d in result.diagnostics] == [rule]
    assert result.valid and result.diagnostics[0].severity is Severity.WARNING


def test_region_deviceCapacity_and_glacier_fields_of_ebs() -> None:
    ebs = ("manifestVersion: 3.0\ndeviceId: 1\naccessKeyId: AKIA2E0A8F3B244C9986\n"
           "eraseDevice: yes\nlogBucket: logs-bucket\noperations:\n"
           "  - destination: ebs-snapshot\n    source: device\n    region: us-east-1 | us-west-1\n"
           "    deviceCapacityGreaterThan1TB: maybe\n    vaultName: v\n") + ADDRESS + NOTIFY
    result = run(ebs)
    # Values outside the documented Valid Values are errors: the template's
    # choices left in region and deviceCapacityGreaterThan1TB: maybe.
    assert sorted(d.rule for d in result.diagnostics) == ["MT202", "MT313", "MT314"]
    assert not result.valid
    fine = ebs.replace("us-east-1 | us-west-1", "us-west-2").replace("maybe", "Yes").replace(
        "    vaultName: v\n", "")
    assert run(fine).diagnostics == ()
    new_region = run(fine.replace("us-west-2", "ap-southeast-7"))
    assert [(d.rule, d.severity.value) for d in new_region.diagnostics] == [("MT312", "warning")]


# --- encodings and JSON --------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "name"), [
    ("utf-16", "UTF-16 LE"), ("utf-16-le", "UTF-16 LE"), ("utf-16-be", "UTF-16 BE"),
    ("utf-32", "UTF-32 LE"), ("utf-32-le", "UTF-32 LE"), ("utf-32-be", "UTF-32 BE"),
])
def test_wide_encodings_are_one_error_naming_the_fix(encoding: str, name: str) -> None:
    text = IMPORT.replace("\n", "\r\n")
    result = validate_bytes(text.encode(encoding))
    diag = only(result)
    assert (diag.rule, diag.line, diag.column) == ("MT115", 1, 1)
    assert name in diag.message and diag.hint and "UTF-8" in diag.hint


def test_windows_1252_byte_gets_a_hint_naming_the_character() -> None:
    data = IMPORT.replace("Boston", "Zürich").encode("cp1252")
    diag = only(validate_bytes(data))
    assert diag.rule == "MT101"
    assert diag.hint is not None and "'ü'" in diag.hint and "Windows-1252" in diag.hint


def test_json_manifest_is_read_with_one_warning() -> None:
    import json

    from manifest_tools.manifest.parse import parse_manifest

    plain = parse_manifest(IMPORT.encode()).data
    result = run(json.dumps(plain, indent=2))
    diag = only(result)
    assert diag.rule == "MT122" and diag.severity is Severity.WARNING
    assert result.valid and result.job_type is JobType.IMPORT
    assert run(json.dumps(plain)).diagnostics[0].rule == "MT122"


def test_missing_block_is_reported_where_its_fields_stand() -> None:
    # exportBucket at the top level: "operations missing" points at it, with the fix.
    text = PIN_EXPORT.replace("operations:\n  - exportBucket: example-export-bucket\n",
                              "exportBucket: example-export-bucket\n")
    result = run(text)
    [missing] = [d for d in result.diagnostics if d.rule == "MT201"]
    assert missing.pointer == "/operations"
    assert missing.line == line_of(text, "exportBucket")
    assert missing.hint == "put 'exportBucket' in an item of 'operations:'"
