"""Manifest rules: prefix without '/', customs for international shipping (and the
guide's flattened customs block), values outside a field's documented Valid Values."""

from __future__ import annotations

import pytest

from manifest_tools.diagnostics import Diagnostic
from manifest_tools.manifest.jobtype import JobType
from manifest_tools.manifest.validate import FileResult, validate_bytes
from tests.manifests import ADDRESS, IMPORT, NOTIFY

EBS = ("manifestVersion: 3.0\naccessKeyId: AKIA2E0A8F3B244C9986\ndeviceId: 532404500021\n"
       "eraseDevice: yes\nlogBucket: example-log-bucket\noperations:\n"
       "  - destination: ebs-snapshot\n    source: device\n    region: us-east-1\n"
       ) + ADDRESS + NOTIFY
GLACIER = EBS.replace("destination: ebs-snapshot", "destination: glacier").replace(
    "    region: us-east-1\n", "    region: us-east-1\n    vaultName: scans\n")
# The customs block as AWS's Customs Manifest File Options page prints it: flattened.
CUSTOMS_FLAT = """\
customs:
dataDescription: Scanned survey forms, no personal data
encryptedData: yes
encryptionClassification: 5D992
exportCertifierName: Jane Doe
requiresExportLicense: no
deviceValue: 250.00
deviceCountryOfOrigin: China
deviceType: externalStorageDevice
typeOfExport: return
"""


def run(text: str, job_type: JobType | None = None) -> FileResult:
    return validate_bytes(text.encode("utf-8"), "m.yaml", job_type)


def only(result: FileResult) -> Diagnostic:
    assert len(result.diagnostics) == 1, [(d.rule, d.message) for d in result.diagnostics]
    return result.diagnostics[0]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


# --- prefix ----------------------------------------------------------------------------

def test_prefix_without_slash_shows_the_key_a_file_gets() -> None:
    text = IMPORT.replace("bucket: example-import-bucket\n",
                          "bucket: example-import-bucket\nprefix: imports/2014\n")
    d = only(run(text))
    assert (d.rule, d.severity.value, d.line, d.column) == ("MT330", "warning", 5, 9)
    assert d.message == ("prefix: 'imports/2014' does not end in '/': AWS adds none, so the "
                         "file photos/2014.jpg on the device gets the key "
                         "'imports/2014photos/2014.jpg'")
    assert d.hint == "write 'prefix: imports/2014/' if it names a folder"


@pytest.mark.parametrize("prefix", ["imports/", "backup-2014-", "scan_", "v1."])
def test_prefix_ending_in_a_separator_is_not_reported(prefix: str) -> None:
    text = IMPORT.replace("eraseDevice: yes\n", f"eraseDevice: yes\nprefix: {prefix}\n")
    assert run(text).diagnostics == ()


# --- customs ---------------------------------------------------------------------------

def _country(text: str, country: str, state: bool = False) -> str:
    text = text.replace("  country: USA", f"  country: {country}")
    return text if state else text.replace("  stateOrProvince: MA\n", "")


def test_ebs_region_abroad_without_customs_is_an_error_naming_both_countries() -> None:
    text = EBS.replace("region: us-east-1", "region: eu-west-1")
    d = only(run(text))
    assert (d.rule, d.severity.value, d.line) == ("MT331", "error", line_of(text, "country:"))
    assert d.message == ("no customs block: the device ships from USA (returnAddress.country) "
                         "to AWS's facility in Ireland (operations[0].region eu-west-1); AWS "
                         "fails a job that crosses a border without customs "
                         "(MissingCustomsException)")
    assert d.hint is not None and "indented under 'customs:'" in d.hint


def test_glacier_from_japan_to_us_east_needs_customs() -> None:
    d = only(run(_country(GLACIER, "Japan")))
    assert d.rule == "MT331" and "ships from Japan" in d.message and "in USA" in d.message


def test_within_the_eu_no_customs_is_needed() -> None:
    text = _country(EBS.replace("region: us-east-1", "region: eu-west-1"), "Germany")
    assert run(text).diagnostics == ()


def test_a_customs_block_satisfies_it_even_flattened_as_the_guide_prints_it() -> None:
    text = EBS.replace("region: us-east-1", "region: eu-west-1").replace(
        "returnAddress:", CUSTOMS_FLAT + "returnAddress:")
    d = only(run(text))
    assert (d.rule, d.severity.value, d.line) == ("MT104", "warning", line_of(text, "customs:"))
    assert d.message == ("customs fields are not indented under 'customs:'; read as the "
                         "customs block, as AWS did, but standard YAML tools will misread them")
    assert "remove" not in (d.hint or "")


def test_s3_job_from_a_country_without_a_region_is_a_warning_naming_the_assumption() -> None:
    d = only(run(_country(IMPORT, "Switzerland")))
    assert (d.rule, d.severity.value) == ("MT332", "warning")
    assert d.message == ("no customs block, and the device ships from Switzerland "
                         "(returnAddress.country), where AWS had no region: assuming the bucket "
                         "is in a region outside Switzerland (its region is not known offline), "
                         "the device crosses a border and AWS fails the job without customs")


@pytest.mark.parametrize("country", ["Germany", "Ireland", "Japan", "United Kingdom"])
def test_s3_job_from_a_country_with_a_region_is_assumed_local(country: str) -> None:
    assert run(_country(IMPORT, country)).diagnostics == ()


def test_unknown_country_for_an_ebs_region_is_a_warning_not_an_error() -> None:
    d = only(run(_country(EBS.replace("region: us-east-1", "region: eu-west-1"), "Atlantis")))
    assert (d.rule, d.severity.value) == ("MT332", "warning")
    assert "'Atlantis' is not a country this check knows" in d.message


# --- Valid Values --------------------------------------------------------------------------

def test_template_region_choices_are_an_error() -> None:
    text = EBS.replace("region: us-east-1", "region: us-east-1 | us-west-1")
    d = only(run(text))
    assert (d.rule, d.severity.value, d.line, d.column) == ("MT202", "error", 9, 13)
    assert d.message == ("operations[0].region: 'us-east-1 | us-west-1' is the template's list "
                         "of choices, not one region")


def test_region_shaped_unknown_region_stays_a_warning() -> None:
    d = only(run(EBS.replace("region: us-east-1", "region: eu-south-3")))
    assert (d.rule, d.severity.value) == ("MT312", "warning")
    assert "'eu-south-3' is not an AWS region code of the service's time" in d.message


@pytest.mark.parametrize(("value", "words"), [
    ("yes | no", "'yes | no' is the template's list of choices; keep one"),
    ("maybe", "'maybe' is not yes or no"),
])
def test_device_capacity_outside_yes_no_is_an_error(value: str, words: str) -> None:
    text = EBS.replace("    region: us-east-1\n",
                       f"    region: us-east-1\n    deviceCapacityGreaterThan1TB: {value}\n")
    d = only(run(text))
    assert (d.rule, d.severity.value, d.line) == ("MT313", "error", 10)
    assert d.message == f"operations[0].deviceCapacityGreaterThan1TB: {words}"


def test_template_choices_in_an_enum_field_say_so() -> None:
    text = IMPORT + "serviceLevel: standard | expeditedShipping\n"
    d = only(run(text))
    assert d.rule == "MT202" and d.message == (
        "serviceLevel: 'standard | expeditedShipping' is the template's list of choices; keep "
        "one (standard, expeditedShipping)")


def test_manifest_version_of_another_job_type_has_a_hint() -> None:
    d = only(run(EBS.replace("manifestVersion: 3.0", "manifestVersion: 2.0"), JobType.EBS))
    assert d.rule == "MT202" and "is not one of: 3.0" in d.message
    assert d.hint == ("manifestVersion is 2.0 for S3 import and export, 3.0 for EBS and "
                      "Glacier import; pass --job-type if the type was detected wrongly")
