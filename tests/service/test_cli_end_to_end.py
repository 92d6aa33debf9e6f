"""The real ``aws importexport`` CLI against the service: a whole job and its mistakes."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from manifest_tools.aws import JOB_ID_ALPHABET
from manifest_tools.signature import compute_signature
from tests import cputime
from tests.warm import tool

from .conftest import (
    OTHER_ACCESS,
    OTHER_SECRET,
    SAMPLES,
    SECRET,
    AwsRunner,
    Service,
)

pytestmark = pytest.mark.slow  # a real service process, end to end

VALID = SAMPLES / "valid" / "s3-import.yaml"
CRLF = SAMPLES / "valid" / "s3-import-crlf.yaml"


def _create(aws: AwsRunner, manifest: Path = VALID, *extra: str) -> dict[str, object]:
    result = aws("create-job", "--job-type", "Import", "--manifest", f"file://{manifest}",
                 "--no-validate-only", *extra)
    assert result.code == 0, result.err
    created = json.loads(result.out)
    assert isinstance(created, dict)
    return created


def test_create_job_answers_a_job_id_and_the_documented_signature(aws: AwsRunner) -> None:
    created = _create(aws, CRLF)
    job_id = str(created["JobId"])
    assert len(job_id) == 5 and set(job_id) <= set(JOB_ID_ALPHABET)
    # file:// reads text mode: the CRLF manifest arrives with LF line ends, and the signature
    # is the documented HMAC over what arrived (for CRLF->LF the two agree anyway).
    sent = CRLF.read_bytes().replace(b"\r\n", b"\n")
    assert created["Signature"] == compute_signature(sent, job_id, SECRET)
    assert created["SignatureFileContents"] == (
        f"version:2.0\nsigningMethod:HmacSHA1\njobId:{job_id}\n"
        f"signature:{created['Signature']}\n")
    status = json.loads(aws("get-status", "--job-id", job_id).out)
    assert status["CurrentManifest"] == sent.decode("utf-8")
    assert (status["LocationCode"], status["ProgressCode"]) == ("NotReceived", "Pending")
    assert status["CreationDate"].endswith("Z")


def test_invalid_manifest_is_the_model_exception_with_field_and_line(aws: AwsRunner) -> None:
    result = aws("create-job", "--job-type", "Import", "--manifest",
                 f"file://{SAMPLES / 'invalid' / 'MT202-invalid-value.yaml'}",
                 "--no-validate-only")
    assert result.code == 255
    assert "An error occurred (InvalidManifestFieldException) when calling the CreateJob " \
        "operation" in result.err
    assert "acl" in result.err and "line 7" in result.err
    syntax = aws("create-job", "--job-type", "Import", "--manifest", "INVALID MANIFEST",
                 "--no-validate-only")
    assert "(MalformedManifestException)" in syntax.err
    assert "Your manifest is not well-formed" in syntax.err
    assert json.loads(aws("list-jobs").out)["Jobs"] == []


def test_validate_only_creates_no_job_and_reports_warnings(aws: AwsRunner) -> None:
    result = aws("create-job", "--job-type", "Import", "--manifest",
                 f"file://{SAMPLES / 'invalid' / 'MT304-bucket-not-dns.yaml'}",
                 "--validate-only")
    assert result.code == 0, result.err
    answer = json.loads(result.out)
    assert "JobId" not in answer
    assert "MT304" in answer["WarningMessage"] and "line 5" in answer["WarningMessage"]
    assert json.loads(aws("list-jobs").out)["Jobs"] == []


def test_get_status_text_and_table_and_write_signature(aws: AwsRunner, tmp_path: Path
                                                       ) -> None:
    job_id = str(_create(aws)["JobId"])
    text = aws("get-status", "--job-id", job_id, "--output", "text")
    table = aws("get-status", "--job-id", job_id, "--output", "table")
    assert text.code == 0 and table.code == 0
    assert job_id in text.out and "GetStatus" in table.out.splitlines()[1]
    status_file = tmp_path / "status.txt"
    status_file.write_text(text.out)
    device = tmp_path / "device"
    device.mkdir()
    written = tool("write-signature", str(device), "--status", str(status_file))
    assert written.returncode == 0, written.stderr
    signature = (device / "SIGNATURE").read_text()
    assert signature == json.loads(aws("get-status", "--job-id", job_id).out)[
        "SignatureFileContents"]
    # The toolkit's own verifier agrees with everything the service said.
    key_file = tmp_path / "key"
    key_file.write_text(SECRET)
    key_file.chmod(0o600)
    checked = tool("verify", "--status", str(status_file), "--device", str(device),
                   "--manifest", str(VALID), "--key-file", str(key_file))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_list_jobs_newest_first_in_pages(aws: AwsRunner) -> None:
    made = [str(_create(aws)["JobId"]) for _ in range(5)]
    listed = json.loads(aws("list-jobs", "--page-size", "2").out)["Jobs"]
    assert [j["JobId"] for j in listed] == made[::-1]
    first = json.loads(aws("list-jobs", "--max-items", "2").out)
    assert [j["JobId"] for j in first["Jobs"]] == made[::-1][:2]
    rest = json.loads(aws("list-jobs", "--starting-token", first["NextToken"]).out)
    assert [j["JobId"] for j in rest["Jobs"]] == made[::-1][2:]


def test_update_cancel_and_label(aws: AwsRunner) -> None:
    job_id = str(_create(aws)["JobId"])
    compact = SAMPLES / "valid" / "s3-import-compact.yaml"
    updated = aws("update-job", "--job-id", job_id, "--manifest", f"file://{compact}",
                  "--job-type", "Import", "--no-validate-only")
    assert updated.code == 0, updated.err
    assert json.loads(updated.out)["Success"] is True
    status = json.loads(aws("get-status", "--job-id", job_id).out)
    assert status["CurrentManifest"] == compact.read_text()
    assert status["Signature"] == compute_signature(compact.read_bytes(), job_id,
                                                    SECRET)
    label = aws("get-shipping-label", "--job-ids", job_id, "--name", "Jane Q. Public")
    assert label.code == 0, label.err
    url = json.loads(label.out)["ShippingLabelURL"]
    with urllib.request.urlopen(url, timeout=cputime.BACKSTOP) as page:
        html = page.read().decode("utf-8")
    assert job_id in html and "Jane Q. Public" in html
    cancel = aws("cancel-job", "--job-id", job_id)
    assert json.loads(cancel.out)["Success"] is True
    assert json.loads(aws("get-status", "--job-id", job_id).out)["ProgressCode"] == "Canceled"
    again = aws("cancel-job", "--job-id", job_id)
    assert "(CanceledJobIdException)" in again.err


def test_other_account_and_bad_signature(aws: AwsRunner, service: Service) -> None:
    job_id = str(_create(aws)["JobId"])
    other = aws("get-status", "--job-id", job_id, access=OTHER_ACCESS, secret=OTHER_SECRET)
    never = aws("get-status", "--job-id", "ZZZZZ")
    assert other.code == never.code == 255
    assert "(InvalidJobIdException)" in other.err
    assert other.err.replace(job_id, "ID") == never.err.replace("ZZZZZ", "ID")
    assert json.loads(aws("list-jobs", access=OTHER_ACCESS, secret=OTHER_SECRET).out)[
        "Jobs"] == []
    forged = aws("get-status", "--job-id", job_id, secret="not-the-secret-key-at-all-0000000000")
    assert forged.code == 255 and "(SignatureDoesNotMatch)" in forged.err
    unknown = aws("list-jobs", access="AKIANOSUCHKEY0000000", secret="x" * 40)
    assert "(InvalidAccessKeyIdException)" in unknown.err
    # The manifest names the default account's key: the other account may not submit it.
    foreign = aws("create-job", "--job-type", "Import", "--manifest", f"file://{VALID}",
                  "--no-validate-only", access=OTHER_ACCESS, secret=OTHER_SECRET)
    assert "(InvalidAccessKeyIdException)" in foreign.err and "line 3" in foreign.err
    assert not any(secret in line for line in service.log
                   for secret in (SECRET, OTHER_SECRET))


def test_job_id_in_text_output_is_what_get_status_says(aws: AwsRunner) -> None:
    created = aws("create-job", "--job-type", "Import", "--manifest", f"file://{VALID}",
                  "--no-validate-only", "--output", "text")
    assert created.code == 0, created.err
    job_id = re.findall(r"jobId:(\w{5})", created.out)[0]
    assert json.loads(aws("get-status", "--job-id", job_id).out)["JobId"] == job_id
