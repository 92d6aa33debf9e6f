"""Cross-field rules (MT301-MT308), job-type detection (MT205), unknown and misspelled fields
(MT203, MT204), and the promise that no message ever quotes a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from manifest_tools.diagnostics import Diagnostic, Severity
from manifest_tools.manifest.jobtype import JobType, detect_job_type
from manifest_tools.manifest.validate import FileResult, validate_bytes
from tests.manifests import EXPORT, IMPORT

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

def run(text: str, job_type: JobType | None = None) -> FileResult:
    return validate_bytes(text.encode("utf-8"), "test.yaml", job_type)


def of_rule(result: FileResult, rule: str) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.rule == rule]


def rules(result: FileResult) -> list[str]:
    return [d.rule for d in result.diagnostics]


def with_line(base: str, after: str, line: str) -> str:
    """``base`` with ``line`` inserted after the first line starting with ``after``."""
    lines = base.splitlines(keepends=True)
    index = next(i for i, text in enumerate(lines) if text.startswith(after))
    return "".join([*lines[: index + 1], line + "\n", *lines[index + 1:]])


def test_bases_are_clean() -> None:
    # Every failing case below differs from one of these by one field.
    assert run(IMPORT).diagnostics == ()
    assert run(IMPORT).job_type is JobType.IMPORT
    assert run(with_line(EXPORT, "fileSystem", "pinCode: 1234")).diagnostics == ()


# --- MT301 logPrefix length -------------------------------------------------------------


@pytest.mark.parametrize(("prefix", "bad"), [
    ("logs/", False),
    ("x" * 1008, False),      # 1008 + len('import-log-') + 5 = 1024: the limit itself
    ("x" * 1009, True),
    ("ü" * 504, False),       # 1008 bytes
    ("ü" * 505, True),        # 505 characters but 1010 bytes: the limit is in bytes
])
def test_log_prefix_length(prefix: str, bad: bool) -> None:
    result = run(with_line(IMPORT, "eraseDevice", f"logPrefix: {prefix}"))
    found = of_rule(result, "MT301")
    assert rules(result) == (["MT301"] if bad else [])
    if bad:
        assert found[0].severity is Severity.ERROR
        assert (found[0].line, found[0].column, found[0].pointer) == (6, 12, "/logPrefix")
        assert "import-log-" in found[0].message


def test_log_prefix_length_for_export_names_export_log() -> None:
    text = with_line(EXPORT, "fileSystem", "pinCode: 1234")
    assert of_rule(run(with_line(text, "logBucket", "logPrefix: " + "x" * 1008)), "MT301") == []
    found = of_rule(run(with_line(text, "logBucket", "logPrefix: " + "x" * 1009)), "MT301")
    assert len(found) == 1
    assert "export-log-" in found[0].message


# --- MT302 export password ------------------------------------------------------------


@pytest.mark.parametrize(("line", "bad"), [
    ("pinCode: 1234", False),
    ("trueCryptPassword: correct-horse", False),
    ("generator: no password here", True),
    ("pinCode:", True),
    ("trueCryptPassword: ''", True),
])
def test_export_needs_password(line: str, bad: bool) -> None:
    result = run(with_line(EXPORT, "fileSystem", line))
    found = of_rule(result, "MT302")
    assert len(found) == (1 if bad else 0)
    if bad:
        assert found[0].severity is Severity.ERROR
        assert found[0].hint is not None


@pytest.mark.parametrize("line", ["pinCode:", "trueCryptPassword: ''"])
def test_empty_password_is_a_bad_value_not_a_missing_one(line: str) -> None:
    # The field is there with a bad value: say so, at the field, not "needs".
    result = run(with_line(EXPORT, "fileSystem", line))
    found = of_rule(result, "MT302")
    assert len(found) == 1 and "empty" in found[0].message
    assert "needs trueCryptPassword or pinCode" not in found[0].message
    assert found[0].pointer == "/" + line.split(":")[0]
    assert (found[0].line, found[0].column) != (1, 1)


def test_import_needs_no_password() -> None:
    assert of_rule(run(IMPORT), "MT302") == []
    assert of_rule(run(IMPORT, JobType.EXPORT), "MT302") != []


# --- MT303 expedited shipping -----------------------------------------------------------


@pytest.mark.parametrize(("level", "country", "bad"), [
    ("expeditedShipping", "USA", False),
    ("expeditedShipping", "United States", False),
    ("expeditedShipping", "Canada", True),
    ("standard", "Canada", False),
])
def test_expedited_only_for_us(level: str, country: str, bad: bool) -> None:
    text = with_line(IMPORT, "eraseDevice", f"serviceLevel: {level}")
    result = run(text.replace("country: USA", f"country: {country}"))
    found = of_rule(result, "MT303")
    assert len(found) == (1 if bad else 0)
    if bad:
        assert (found[0].line, found[0].column, found[0].pointer) == (6, 15, "/serviceLevel")
        assert "Canada" in found[0].message


def test_expedited_without_country() -> None:
    text = with_line(IMPORT, "eraseDevice", "serviceLevel: expeditedShipping")
    result = run(text.replace("  country: USA\n", ""))
    # The missing country is MT201's finding; MT303 adds nothing (no follow-on).
    assert of_rule(result, "MT303") == []
    assert [d.pointer for d in of_rule(result, "MT201")] == ["/returnAddress/country"]


def test_expedited_with_placeholder_country() -> None:
    text = with_line(IMPORT, "eraseDevice", "serviceLevel: expeditedShipping")
    result = run(text.replace("country: USA", "country: <Country>"))
    assert rules(result) == ["MT208"]


# --- MT304 DNS-compatible bucket names -------------------------------------------------


@pytest.mark.parametrize(("name", "bad"), [
    ("example-import-bucket", False),
    ("abc", False),
    ("a" * 63, False),
    ("my.bucket.1", False),
    ("a" * 64, True),
    ("Example_Bucket", True),
    ("bucket-", True),
    ("my..bucket", True),
    ("192.168.1.1", True),
    ("A" * 255, True),  # a legacy US Standard name: possible, so a warning
])
def test_bucket_dns(name: str, bad: bool) -> None:
    result = run(IMPORT.replace("bucket: example-import-bucket", f"bucket: {name}"))
    found = of_rule(result, "MT304")
    assert len(found) == (1 if bad else 0)
    assert of_rule(result, "MT316") == []
    if bad:
        assert found[0].severity is Severity.WARNING
        assert (found[0].line, found[0].column, found[0].pointer) == (4, 9, "/bucket")
        assert result.valid


# --- MT316 names no bucket can have (the dock wrote through them) -------------


@pytest.mark.parametrize("name", [
    "ab", "a" * 256, "-bucket", ".bucket", "_bucket", "s3://example-bucket",
    "example-bucket/photos", "../../x", "a/../../x", "/abs/path", "C:\\\\x", "a b c",
    '"example-bucket\\n"', '"a\\u0000b"', '"a\\tb"', "ex:ample",
])
def test_impossible_bucket_is_an_error(name: str) -> None:
    result = run(IMPORT.replace("bucket: example-import-bucket", f"bucket: {name}"))
    found = of_rule(result, "MT316")
    assert [(d.severity, d.line, d.column, d.pointer) for d in found] == [
        (Severity.ERROR, 4, 9, "/bucket")]
    assert of_rule(result, "MT304") == [] and not result.valid


def test_impossible_bucket_hints_at_prefix() -> None:
    text = IMPORT.replace("bucket: example-import-bucket", "bucket: s3://example-bucket/pics")
    text += "logBucket: example-log-bucket/logs\n"
    found = of_rule(run(text), "MT316")
    assert [d.hint for d in found] == [
        "a bucket name has no folder part: write 'bucket: example-bucket' and use prefix: for "
        "the folder part ('prefix: pics/')",
        "a bucket name has no folder part: write 'logBucket: example-log-bucket' and use "
        "logPrefix: for the folder part ('logPrefix: logs/')"]


def test_bucket_dns_checks_log_and_export_buckets() -> None:
    text = with_line(EXPORT, "fileSystem", "pinCode: 1234")
    text = text.replace("logBucket: example-log-bucket", "logBucket: Logs")
    text = text.replace("exportBucket: example-export-bucket", "exportBucket: Ex_Port")
    found = of_rule(run(text), "MT304")
    assert [(d.pointer, d.line, d.column) for d in found] == [
        ("/logBucket", 6, 12), ("/operations/0/exportBucket", 8, 19)]


# --- MT305 country code, MT306 legacy version, MT307 access key, MT308 PO box ------------


@pytest.mark.parametrize(("country", "bad"), [("USA", False), ("Germany", False),
                                              ("US", True), ("de", True)])
def test_two_letter_country(country: str, bad: bool) -> None:
    found = of_rule(run(IMPORT.replace("country: USA", f"country: {country}")), "MT305")
    assert len(found) == (1 if bad else 0)
    if bad:
        assert (found[0].line, found[0].column) == (13, 12)
        assert found[0].severity is Severity.WARNING


@pytest.mark.parametrize(("version", "bad"), [("2.0", False), ("1.0", True), ("1.5", True)])
def test_legacy_version(version: str, bad: bool) -> None:
    result = run(IMPORT.replace("manifestVersion: 2.0", f"manifestVersion: {version}"))
    assert rules(result) == (["MT306"] if bad else [])
    if bad:
        found = of_rule(result, "MT306")[0]
        assert (found.line, found.column, found.severity) == (1, 18, Severity.WARNING)


def test_access_key_missing() -> None:
    assert of_rule(run(IMPORT), "MT307") == []
    result = run(IMPORT.replace("accessKeyId: AKIA2E0A8F3B244C9986\n", ""))
    assert rules(result) == ["MT307"]
    assert result.diagnostics[0].severity is Severity.WARNING
    assert result.valid


@pytest.mark.parametrize(("street", "bad"), [
    ("123 Main Street", False),
    ("1 Boxwood Lane", False),
    ("PO Box 1234", True),
    ("P.O. Box 77", True),
    ("Post Office Box 9", True),
])
def test_po_box(street: str, bad: bool) -> None:
    result = run(IMPORT.replace("street1: 123 Main Street", f"street1: {street}"))
    assert rules(result) == (["MT308"] if bad else [])
    if bad:
        found = result.diagnostics[0]
        assert (found.line, found.column, found.pointer) == (8, 12, "/returnAddress/street1")


def test_po_box_in_street2() -> None:
    text = with_line(IMPORT, "  street1", "  street2: PO Box 5")
    assert [d.pointer for d in of_rule(run(text), "MT308")] == ["/returnAddress/street2"]


# --- MT205 job type -----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "job_type"), [
    ("s3-import.yaml", JobType.IMPORT),
    ("s3-import-compact.yaml", JobType.IMPORT),
    ("s3-export.yaml", JobType.EXPORT),
    ("s3-export-pincode.yaml", JobType.EXPORT),
    ("ebs-import.yaml", JobType.EBS),
    ("glacier-import.yaml", JobType.GLACIER),
])
def test_job_type_detected(name: str, job_type: JobType) -> None:
    result = validate_bytes((SAMPLES / "valid" / name).read_bytes())
    assert result.job_type is job_type
    assert of_rule(result, "MT205") == []


def test_job_type_from_destination_is_case_insensitive() -> None:
    assert detect_job_type({"operations": [{"destination": " Glacier "}]}) == (
        JobType.GLACIER, [])
    assert detect_job_type({"operations": [{"destination": "ebs-snapshot"}]})[0] is JobType.EBS


def test_ambiguous_job_type() -> None:
    text = with_line(IMPORT, "eraseDevice", "fileSystem: NTFS")
    result = run(text)
    assert result.job_type is None
    assert rules(result) == ["MT205"]
    assert "ambiguous" in result.diagnostics[0].message
    assert result.diagnostics[0].hint == "pass --job-type"


def test_undeterminable_job_type() -> None:
    text = (SAMPLES / "valid" / "ebs-import.yaml").read_text()
    text = text.replace("  - destination: ebs-snapshot\n    source", "  - source")
    result = run(text)
    assert result.job_type is None
    assert rules(result) == ["MT205"]
    assert "EBS from Glacier" in result.diagnostics[0].message


def test_job_type_without_any_hint() -> None:
    result = run("manifestVersion: 2.0\ndeviceId: 1\n")
    assert rules(result) == ["MT205"]
    assert "cannot tell the job type" in result.diagnostics[0].message


def test_job_type_override_resolves_ambiguity() -> None:
    text = with_line(IMPORT, "eraseDevice", "fileSystem: NTFS")
    result = run(text, JobType.IMPORT)
    assert result.job_type is JobType.IMPORT
    assert "MT205" not in rules(result)
    # As an import, fileSystem is a field of another job type: it says which.
    assert [(d.rule, d.pointer) for d in result.diagnostics] == [("MT207", "/fileSystem")]
    assert "S3 export" in result.diagnostics[0].message


def test_job_type_override_checks_against_that_type() -> None:
    result = run(IMPORT, JobType.EXPORT)
    assert result.job_type is JobType.EXPORT
    assert not result.valid
    missing = {d.pointer for d in of_rule(result, "MT201")}
    assert {"/fileSystem", "/operations"} <= missing
    assert of_rule(result, "MT302") != []


def test_job_type_override_for_ebs_without_destination() -> None:
    text = (SAMPLES / "valid" / "ebs-import.yaml").read_text()
    text = text.replace("  - destination: ebs-snapshot\n    source", "  - source")
    result = run(text, JobType.EBS)
    assert result.job_type is JobType.EBS
    assert [(d.rule, d.pointer) for d in result.diagnostics] == [
        ("MT201", "/operations/0/destination")]


# --- MT203 unknown and MT204 misspelled fields -----------------------------------------


def test_misspelled_return_address_suggests_the_field() -> None:
    result = run(IMPORT.replace("returnAddress:", "returnAdress:"))
    found = of_rule(result, "MT204")
    assert len(found) == 1
    assert found[0].severity is Severity.ERROR
    assert "did you mean 'returnAddress'" in found[0].message
    assert found[0].hint == "rename it to 'returnAddress'"
    assert (found[0].line, found[0].column, found[0].pointer) == (6, 1, "/returnAdress")
    assert of_rule(result, "MT203") == []


@pytest.mark.parametrize(("wrong", "right"), [
    ("logprefix", "logPrefix"), ("LogBucket", "logBucket"), ("zip", "postalCode"),
])
def test_known_misspellings(wrong: str, right: str) -> None:
    field = "  " + wrong if right == "postalCode" else wrong
    text = with_line(IMPORT, "  city" if right == "postalCode" else "eraseDevice",
                     f"{field}: x")
    found = of_rule(run(text), "MT204")
    assert len(found) == 1
    assert f"did you mean '{right}'" in found[0].message


def test_random_unknown_field_is_a_warning() -> None:
    result = run(with_line(IMPORT, "eraseDevice", "favouriteColour: blue"))
    assert rules(result) == ["MT203"]
    found = result.diagnostics[0]
    assert found.severity is Severity.WARNING
    assert (found.line, found.column, found.pointer) == (6, 1, "/favouriteColour")
    assert "did you mean" not in found.message
    assert result.valid


# --- secrets are never quoted ---------------------------------------------------------


SECRET = "Hunter2-S3cr3t"
LONG_SECRET = SECRET + "Z" * 1986


def secret_cases() -> list[tuple[str, str]]:
    export = EXPORT
    cases = [
        ("pinCode list", f"pinCode: [1, 2, {SECRET}]"),
        ("pinCode mapping", f"pinCode: {{{SECRET}: {SECRET}}}"),
        ("long password", f"trueCryptPassword: {LONG_SECRET}"),
        ("password anchor", f"trueCryptPassword: &{SECRET}"),
        ("password alias", f"trueCryptPassword: *{SECRET}"),
        ("password tag", f"trueCryptPassword: !{SECRET} x"),
        ("nested anchor", f"pinCode: [&{SECRET} a, !{SECRET} b]"),
        ("duplicate key inside", f"pinCode:\n  {SECRET}: a\n  {SECRET}: b"),
        ("compact", f"pinCode:[{SECRET}]"),
        ("bad escape", f'trueCryptPassword: "{SECRET}\\q"'),
        ("unclosed quote", f'trueCryptPassword: "{SECRET}'),
        ("colon inside", f"trueCryptPassword: {SECRET}: more"),
        ("control char", f"pinCode: {SECRET}\x01"),
        ("duplicate", f"pinCode: 1234\npinCode: {SECRET}"),
    ]
    return [(name, with_line(export, "fileSystem", line)) for name, line in cases]


@pytest.mark.parametrize(("name", "text"), secret_cases(), ids=[c[0] for c in secret_cases()])
@pytest.mark.parametrize("job_type", [None, JobType.IMPORT, JobType.EXPORT, JobType.EBS])
def test_messages_never_quote_secrets(name: str, text: str, job_type: JobType | None) -> None:
    result = run(text, job_type)
    if name != "long password":  # a long password is allowed; the others are findings
        assert result.diagnostics, "each case must produce findings for the check to mean much"
    for diag in result.diagnostics:
        shown = " ".join([diag.message, diag.hint or "", diag.pointer])
        assert "S3cr3t" not in shown, (name, diag)
        assert "Hunter2" not in shown, (name, diag)


def test_secret_cases_are_reported() -> None:
    # The secret-hiding must not hide the finding itself.
    cases = dict(secret_cases())
    assert "MT206" in rules(run(cases["pinCode list"]))
    assert "MT107" in rules(run(cases["password anchor"]))
    assert "MT107" in rules(run(cases["password alias"]))
    assert "MT108" in rules(run(cases["password tag"]))
    assert rules(run(cases["nested anchor"])).count("MT107") == 1
    assert "MT106" in rules(run(cases["duplicate key inside"]))


def test_anchor_names_outside_secrets_are_still_shown() -> None:
    result = run(IMPORT.replace("deviceId: 49382", "deviceId: &dev 49382"))
    assert "'&dev'" in of_rule(result, "MT107")[0].message
