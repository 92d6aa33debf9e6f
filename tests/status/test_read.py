"""read_status: real CLI renderings read back to the same JobStatus, copies, garbage."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.errors import StatusFormatError
from manifest_tools.status import Artifact, JobStatus, read_status
from manifest_tools.status.text import TEXT_ORDER
from tests.status.render import (
    collapse_tabs,
    expand_tabs,
    render_json,
    render_text,
    renderings,
    windows_variants,
)

SAMPLES = Path(__file__).parents[2] / "samples" / "status"
SIG = "Ara83XX0K7K15HeRcHM9hXMrNpw="
SIGFILE = f"version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\nsignature:{SIG}\n"
MANIFEST = "manifestVersion: 2.0\r\nbucket: myBucket\r\ndeviceId: 49382\r\neraseDevice: yes\r\n"
LABEL = "https://s3.amazonaws.com/awsimportexport-labels/EX1ID.pdf"

FULL: dict[str, Any] = {
    "JobId": "EX1ID", "JobType": "Import", "LocationCode": "AtAWS",
    "LocationMessage": "The device is at AWS", "ProgressCode": "InProgress",
    "ProgressMessage": "Data transfer in progress", "Carrier": "UPS",
    "TrackingNumber": "1Z9999W99999999999", "LogBucket": "myBucket",
    "LogKey": "import-log-EX1ID", "ErrorCount": 0, "Signature": SIG,
    "SignatureFileContents": SIGFILE, "CurrentManifest": MANIFEST,
    "CreationDate": "2015-05-27T18:58:21Z",
    "ArtifactList": [{"Description": "Shipping label", "URL": LABEL}],
}
EXPECTED = JobStatus(
    JobId="EX1ID", JobType="Import", LocationCode="AtAWS",
    LocationMessage="The device is at AWS", ProgressCode="InProgress",
    ProgressMessage="Data transfer in progress", Carrier="UPS",
    TrackingNumber="1Z9999W99999999999", LogBucket="myBucket", LogKey="import-log-EX1ID",
    ErrorCount=0, Signature=SIG, SignatureFileContents=SIGFILE, CurrentManifest=MANIFEST,
    CreationDate="2015-05-27T18:58:21Z", ArtifactList=(Artifact("Shipping label", LABEL),),
)


def expected(response: dict[str, Any]) -> JobStatus:
    values = {k: v for k, v in response.items() if k not in ("ArtifactList", "ResponseMetadata")}
    arts = tuple(Artifact(a.get("Description", ""), a.get("URL", ""))
                 for a in response.get("ArtifactList", []))
    return JobStatus(**values, ArtifactList=arts)


def read_all_forms(response: dict[str, Any]) -> None:
    want = expected(response)
    for _name, form, rendered in renderings(response):
        for _platform, data in windows_variants(rendered):
            reading = read_status(data)
            assert reading.form == form, rendered
            assert reading.status == want, rendered
            assert reading.uncertain == (), rendered
            assert not [d for d in reading.diagnostics if d.is_error]


# --- the text column order -------------------------------------------------------------------

def test_text_column_order_is_the_clis() -> None:
    response: dict[str, Any] = {name: name for name in TEXT_ORDER}
    response["ArtifactList"] = [{"Description": "d", "URL": "u"}]
    lines = render_text(response).split("\n")
    assert lines[0].split("\t") == list(TEXT_ORDER)
    assert lines[1] == "ARTIFACTLIST\td\tu"


# --- round trips over real renderings ----------------------------------------------------------

def test_full_status_round_trips() -> None:
    read_all_forms(FULL)
    assert read_status(render_json(FULL).encode()).status == EXPECTED


MINIMAL = {"JobId": "ABCDE", "JobType": "Export", "LocationCode": "NotReceived",
           "ProgressCode": "Pending", "ErrorCount": 12}


@pytest.mark.parametrize("response", [
    MINIMAL,
    {**MINIMAL, "LocationMessage": "", "ProgressMessage": "Waiting for the device"},
    {**FULL, "SignatureFileContents": SIGFILE.rstrip("\n")},
    {**FULL, "SignatureFileContents": SIGFILE.rstrip("\n"), "TrackingNumber": None},
    {**FULL, "ArtifactList": []},
    {**FULL, "ArtifactList": [{"Description": "Label", "URL": LABEL},
                              {"Description": "Receipt", "URL": LABEL + "?r=1"}]},
    {**FULL, "CurrentManifest": MANIFEST + "returnAddress:\r\n    name: Zoë Ünal\r\n"
     "    phoneNumber: 206-266-0000\text 12\r\n    city: Seattle\r\n", "ErrorCount": 12},
    {**FULL, "CurrentManifest": MANIFEST.replace("\r\n", "\n"), "Carrier": None,
     "CreationDate": "2015-05-27T18:58:21+00:00"},
    {**FULL, "LogBucket": None, "LogKey": None, "LocationMessage": "Arrivé à AWS"},
    {**FULL, "ProgressCode": "AwaitingReview"},  # open set: an unknown CamelCase code
])
def test_round_trip_examples(response: dict[str, Any]) -> None:
    read_all_forms({k: v for k, v in response.items() if v is not None})


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéüß", min_size=1, max_size=8)
SENTENCE = st.lists(WORD, min_size=2, max_size=6).map(" ".join).map(str.capitalize)
MANIFEST_LINE = st.sampled_from([
    "bucket: myBucket", "deviceId: 49382", "eraseDevice: yes", "logPrefix: logs/",
    "notificationEmail: a@example.com;b@example.com", "returnAddress:", "    name: Zoë",
    "    phoneNumber: 206-266-0000\text 12", "    street1:", "postalCode: 02134",
    "generator: AWS Import/Export Web Service Tool 1.0", "customs:\tnone",
])


@st.composite
def manifests(draw: st.DrawFn) -> str:
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    lines = ["manifestVersion: 2.0", *draw(st.lists(MANIFEST_LINE, max_size=8))]
    return newline.join(lines) + (newline if draw(st.booleans()) else "")


@st.composite
def statuses(draw: st.DrawFn) -> dict[str, Any]:
    job_id = draw(st.text(alphabet="123456789ABCDEFGHIJKLMNPQRSTUVWXYZ", min_size=5,
                          max_size=5))
    sig = base64.b64encode(draw(st.binary(min_size=20, max_size=20))).decode()
    sigfile = f"version:2.0\nsigningMethod:HmacSHA1\njobId:{job_id}\nsignature:{sig}"
    optional: dict[str, Any] = {
        "LocationMessage": SENTENCE,
        "ProgressMessage": SENTENCE,
        "Carrier": st.sampled_from(["UPS", "FedEx", "USPS", "DHL"]),
        "TrackingNumber": st.text(alphabet="0123456789ABCDEFZ", min_size=8, max_size=20),
        "LogBucket": st.from_regex(r"[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]", fullmatch=True),
        "LogKey": st.sampled_from(["", "logs/", "x-"]).map(lambda p: f"{p}import-log-{job_id}"),
        "ErrorCount": st.integers(0, 10_000),
        "Signature": st.just(sig),
        "SignatureFileContents": st.sampled_from([sigfile, sigfile + "\n"]),
        "CurrentManifest": manifests(),
        "CreationDate": st.sampled_from(["2015-05-27T18:58:21Z", "2010-06-01T00:00:00+00:00",
                                         "2014-12-31T23:59:59.123Z"]),
        "ArtifactList": st.lists(st.fixed_dictionaries({
            "Description": SENTENCE, "URL": st.just(LABEL)}), max_size=2),
    }
    chosen = draw(st.sets(st.sampled_from(sorted(optional))))
    response: dict[str, Any] = {
        "JobId": job_id,
        "JobType": draw(st.sampled_from(["Import", "Export"])),
        "LocationCode": draw(st.sampled_from(["AtAWS", "NotReceived", "Returned"])),
        "ProgressCode": draw(st.sampled_from(["Pending", "InProgress", "Complete",
                                              "SuccessWithErrors", "MissingSignature"])),
    }
    for name in sorted(chosen):
        response[name] = draw(optional[name])
    return response


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statuses())
def test_round_trip_property(response: dict[str, Any]) -> None:
    read_all_forms(response)


# --- other JSON shapes ------------------------------------------------------------------------

def test_boto3_response_with_metadata() -> None:
    response = {**FULL, "ResponseMetadata": {"RequestId": "abc", "HTTPStatusCode": 200,
                                             "HTTPHeaders": {"x": "y"}, "RetryAttempts": 0}}
    reading = read_status(json.dumps(response, default=str).encode())
    assert reading.status == EXPECTED
    assert reading.diagnostics == ()


def test_create_job_json() -> None:
    response = {"JobId": "EX1ID", "JobType": "Import", "Signature": SIG,
                "SignatureFileContents": SIGFILE, "WarningMessage": "Bucket name not DNS",
                "ArtifactList": [{"Description": "Label", "URL": LABEL}]}
    read_all_forms(response)
    status = read_status(render_json(response).encode()).status
    assert status.WarningMessage == "Bucket name not DNS"
    assert status.ProgressCode is None and status.ErrorCount is None


def test_to_json_omits_absent_members() -> None:
    assert EXPECTED.to_json() == FULL
    assert JobStatus(JobId="EX1ID").to_json() == {"JobId": "EX1ID"}


def test_unknown_member_and_bad_types_are_reported() -> None:
    reading = read_status(b'{"JobId": "EX1ID", "Extra": 1, "ErrorCount": "x", "JobType": 3}')
    assert reading.status == JobStatus(JobId="EX1ID")
    assert sorted(d.rule for d in reading.diagnostics) == ["MT504", "MT504", "MT505"]


def test_yaml_keeps_printed_strings_and_refuses_aliases() -> None:
    reading = read_status(b"CreationDate: 2015-05-27T18:58:21+00:00\nErrorCount: 3\n"
                          b"JobId: 12345\nJobType: Import\n")
    assert reading.status.CreationDate == "2015-05-27T18:58:21+00:00"
    assert reading.status.JobId == "12345" and reading.status.ErrorCount == 3
    with pytest.raises(StatusFormatError):
        read_status(b"JobId: &a EX1ID\nJobType: *a\n")


# --- documentation copies ----------------------------------------------------------------------

def doc_reading(text: str) -> Any:
    reading = read_status(text.encode("utf-8"))
    assert reading.form == "documentation"
    assert any(d.rule == "MT502" and not d.is_error for d in reading.diagnostics)
    return reading


@pytest.mark.parametrize("copy", [expand_tabs, collapse_tabs])
def test_documentation_copy_reads_the_fields(copy: Any) -> None:
    reading = doc_reading(copy(render_text(FULL)))
    assert reading.status == EXPECTED
    if copy is expand_tabs:
        assert reading.uncertain == ()
    else:
        # Single spaces no longer tell a boundary from a space inside a message: the
        # free-text neighbours are read right but honestly reported as unsure.
        assert set(reading.uncertain) == {"LocationMessage", "LogBucket"}
        assert {d.pointer for d in reading.diagnostics if d.rule == "MT503"} == {
            "/LocationMessage", "/LogBucket"}


def test_documentation_copy_with_broken_line() -> None:
    text = expand_tabs(render_text(FULL)).replace(
        "import-log-EX1ID        InProgress", "import-log-EX1ID\n    InProgress")
    assert "\n    InProgress" in text
    assert doc_reading(text).status == EXPECTED


def test_documentation_copy_reports_expanded_tab_in_manifest() -> None:
    manifest = MANIFEST + "phoneNumber: 206-266-0000\text 12\r\n"
    reading = doc_reading(expand_tabs(render_text({**FULL, "CurrentManifest": manifest})))
    assert reading.status.CurrentManifest == manifest.expandtabs(8)
    assert "CurrentManifest" in reading.uncertain
    assert reading.status.JobId == "EX1ID" and reading.status.ErrorCount == 0
    assert any(d.rule == "MT503" and d.pointer == "/CurrentManifest"
               for d in reading.diagnostics)


def test_documentation_copy_reports_ambiguous_free_text() -> None:
    # Collapsed to single spaces, a one-word LocationMessage next to a bucket-shaped word
    # could be LocationMessage+LogBucket or one two-word LocationMessage.
    response = {**FULL, "LocationMessage": "Received", "LogBucket": "logs",
                "LogKey": None, "CurrentManifest": None}
    reading = doc_reading(collapse_tabs(render_text(
        {k: v for k, v in response.items() if v is not None})))
    assert reading.status.JobId == "EX1ID"
    assert reading.status.ProgressCode == "InProgress"
    assert {"LocationMessage", "LogBucket"} <= set(reading.uncertain)
    assert sum(d.rule == "MT503" for d in reading.diagnostics) >= 2


def test_documentation_signature_file_trailing_newline() -> None:
    without = {**FULL, "SignatureFileContents": SIGFILE.rstrip("\n"), "TrackingNumber": None,
               "ArtifactList": []}
    without = {k: v for k, v in without.items() if v is not None}
    reading = doc_reading(expand_tabs(render_text(without)))
    assert reading.status.SignatureFileContents == SIGFILE.rstrip("\n")
    with_nl = {**without, "SignatureFileContents": SIGFILE}
    assert doc_reading(expand_tabs(render_text(with_nl))).status.SignatureFileContents == SIGFILE


# --- samples --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "form"), [
    ("get-status.json", "json"), ("get-status.yaml", "yaml"), ("get-status.txt", "text"),
    ("get-status.doc.txt", "documentation"), ("create-job.json", "json"),
])
def test_samples(name: str, form: str) -> None:
    reading = read_status((SAMPLES / name).read_bytes())
    assert reading.form == form
    assert reading.uncertain == ()
    status = reading.status
    assert status.JobId == "EX1ID" and status.Signature == SIG
    assert status.SignatureFileContents == SIGFILE
    if name.startswith("get-status"):
        assert status.CurrentManifest == MANIFEST
        want = EXPECTED
        if form == "yaml":
            want = JobStatus(**{**EXPECTED.__dict__, "CreationDate": "2015-05-27T18:58:21+00:00"})
        assert status == want


# --- garbage --------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"", b"   \n\n", b"\xff\xfe\x00garbage", MANIFEST.encode(),
    b"<!DOCTYPE html><html><body><p>Job EX1ID Import</p></body></html>",
    b"{not json", b"[1, 2]", b'{"foo": 1}', b"hello\tworld\n", b"JobId: [\n",
    b"- JobId: A\n- JobId: B\n", b"EX1ID\n",
])
def test_garbage_raises_mt501(data: bytes) -> None:
    with pytest.raises(StatusFormatError) as info:
        read_status(data)
    assert [d.rule for d in info.value.diagnostics] == ["MT501"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(data: bytes) -> None:
    try:
        read_status(data)
    except StatusFormatError as exc:
        assert [d.rule for d in exc.diagnostics] == ["MT501"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=" \t\nEX1IDmportAtAWSPendig0123:abc", max_size=200))
def test_random_text_never_crashes(text: str) -> None:
    try:
        read_status(text.encode())
    except StatusFormatError as exc:
        assert [d.rule for d in exc.diagnostics] == ["MT501"]
