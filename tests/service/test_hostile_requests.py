"""Hostile requests against a real service process: bucket names
that are paths, replayed and unsigned SigV4 bodies, SigV2 Expires, forged log lines, racing
CancelJobs, label pages after cancel, oversized manifests, the job quota and ListJobs."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import sqlite3
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from manifest_tools.aws import IMPORTEXPORT_NAMESPACE
from manifest_tools.credentials import SecretKey
from manifest_tools.service.auth import Request, authenticate
from manifest_tools.service.errors import ServiceError
from manifest_tools.service.operations import Context, create_job, list_jobs
from manifest_tools.service.protocol import parse_form
from manifest_tools.service.store import Store

from .conftest import ACCESS, REGION, SAMPLES, SECRET, AwsRunner, Service, boto_client

VALID = (SAMPLES / "valid" / "s3-import.yaml").read_text()
NS = {"ie": IMPORTEXPORT_NAMESPACE}
KEYS = {ACCESS: SecretKey(SECRET, "test")}


def _send(service: Service, body: bytes, headers: dict[str, str]) -> tuple[int, str, str]:
    """POST / to the real service; (status, error code or '', raw text)."""
    host, port = service.url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("POST", "/", body, headers)
        answer = conn.getresponse()
        text = answer.read().decode()
    finally:
        conn.close()
    code = ET.fromstring(text).findtext("ie:Error/ie:Code", default="", namespaces=NS)
    return answer.status, code, text


def _botocore_v4(service: Service, body: bytes, extra: dict[str, str]) -> dict[str, str]:
    request = AWSRequest("POST", service.url + "/", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **extra})
    SigV4Auth(Credentials(ACCESS, SECRET), "IngestionService", REGION).add_auth(request)
    return dict(request.headers.items())


def _hand_v4(service: Service, body: bytes, payload: str, signed: list[str],
             headers: dict[str, str]) -> dict[str, str]:
    """A SigV4 request signed by hand over ``payload`` (what the canonical request says the
    body hashes to) and the ``signed`` headers only."""
    signed = sorted(signed)
    now = datetime.now(UTC)
    stamp, day = f"{now:%Y%m%dT%H%M%SZ}", f"{now:%Y%m%d}"
    host = service.url.removeprefix("http://")
    every = {"host": host, "x-amz-date": stamp,
             "content-type": "application/x-www-form-urlencoded", **headers}
    canonical = "\n".join(["POST", "/", "", "".join(f"{h}:{every[h]}\n" for h in signed),
                           ";".join(signed), payload])
    scope = f"{day}/{REGION}/IngestionService/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + SECRET).encode()
    for part in (day, REGION, "IngestionService", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    every["authorization"] = (f"AWS4-HMAC-SHA256 Credential={ACCESS}/{scope}, "
                              f"SignedHeaders={';'.join(signed)}, Signature={signature}")
    return every


def _jobs(service: Service) -> list[Any]:
    jobs: list[Any] = boto_client(service).list_jobs()["Jobs"]
    return jobs


CREATE = urlencode({"Action": "CreateJob", "Version": "2010-06-01", "JobType": "Import",
                    "Manifest": VALID, "ValidateOnly": "false"}).encode()
LIST = b"Action=ListJobs&Version=2010-06-01"


# --- bucket names that are paths are refused at CreateJob and UpdateJob -------------

@pytest.mark.parametrize(("field", "value"), [
    ("bucket", "../../x"), ("bucket", "/abs/path"), ("bucket", "a/../../x"),
    ("bucket", "s3://example-import-bucket"), ("logBucket", "../../../home"),
    ("logBucket", "/tmp/x"), ("bucket", "-rf"), ("bucket", '"a\\u0000b"'),
])
def test_path_bucket_is_no_such_bucket_through_the_aws_cli(
        aws: AwsRunner, service: Service, tmp_path: Path, field: str, value: str) -> None:
    text = VALID.replace(f"{field}: example-{'log' if field == 'logBucket' else 'import'}"
                         "-bucket", f"{field}: {value}")
    assert text != VALID
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(text)
    answer = aws("create-job", "--job-type", "Import", "--manifest", f"file://{manifest}",
                 "--no-validate-only")
    assert answer.code == 255
    assert "(NoSuchBucketException) when calling the CreateJob operation" in answer.err
    assert "MT316" in answer.err and f"{field}" in answer.err
    assert _jobs(service) == []


def test_path_bucket_is_refused_by_update_job(service: Service) -> None:
    client = boto_client(service)
    job_id = client.create_job(JobType="Import", Manifest=VALID, ValidateOnly=False)["JobId"]
    with pytest.raises(client.exceptions.NoSuchBucketException) as refused:
        client.update_job(JobId=job_id, JobType="Import", ValidateOnly=False,
                          Manifest=VALID.replace("bucket: example-import-bucket",
                                                 "bucket: ../../../etc"))
    assert "line 5, column 9: bucket: '../../../etc'" in str(refused.value)
    assert client.get_status(JobId=job_id)["CurrentManifest"] == VALID


# --- SigV4 always hashes the body ---------------------------------------------------

def test_replayed_list_jobs_signature_cannot_carry_a_create_job_body(service: Service) -> None:
    listing = hashlib.sha256(LIST).hexdigest()
    headers = _botocore_v4(service, LIST, {"X-Amz-Content-SHA256": listing})
    assert _send(service, LIST, headers)[0] == 200  # the captured request itself is fine
    status, code, _ = _send(service, CREATE, headers)  # replayed with another body
    assert (status, code) == (400, "XAmzContentSHA256Mismatch")
    assert _jobs(service) == []


@pytest.mark.parametrize("case", ["unsigned-header", "unsigned-payload", "wrong-hash"])
def test_content_sha256_must_be_signed_and_true(service: Service, case: str) -> None:
    real = hashlib.sha256(CREATE).hexdigest()
    base = ["content-type", "host", "x-amz-date"]
    if case == "unsigned-header":  # the header is there but not among SignedHeaders
        headers = _hand_v4(service, CREATE, hashlib.sha256(LIST).hexdigest(), base,
                           {"x-amz-content-sha256": hashlib.sha256(LIST).hexdigest()})
    elif case == "unsigned-payload":
        headers = _hand_v4(service, CREATE, "UNSIGNED-PAYLOAD",
                           [*base, "x-amz-content-sha256"],
                           {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    else:
        wrong = hashlib.sha256(b"other").hexdigest()
        headers = _hand_v4(service, CREATE, wrong, [*base, "x-amz-content-sha256"],
                           {"x-amz-content-sha256": wrong})
    status, code, _ = _send(service, CREATE, headers)
    assert status in (400, 403) and code in ("SignatureDoesNotMatch",
                                             "XAmzContentSHA256Mismatch")
    assert _jobs(service) == []
    # The same hand signer over the true hash, signed, is accepted: the refusals are real.
    good = _hand_v4(service, CREATE, real, [*base, "x-amz-content-sha256"],
                    {"x-amz-content-sha256": real})
    assert _send(service, CREATE, good)[0] == 200


# --- SigV2 Expires is bounded and never overrides Timestamp -------------------------

def _v2_signed(extra: dict[str, str]) -> Request:
    """A SigV2 ListJobs signed by hand with ``extra`` time parameters."""
    import base64
    from urllib.parse import quote

    params = {"Action": "ListJobs", "Version": "2010-06-01", "AWSAccessKeyId": ACCESS,
              "SignatureVersion": "2", "SignatureMethod": "HmacSHA256", **extra}
    query = "&".join(f"{quote(k, safe='-_~')}={quote(v, safe='-_~')}"
                     for k, v in sorted(params.items()))
    digest = hmac.new(SECRET.encode(), f"POST\n127.0.0.1:8080\n/\n{query}".encode(),
                      hashlib.sha256).digest()
    params["Signature"] = base64.b64encode(digest).decode()
    return Request("POST", "/", "", {"host": "127.0.0.1:8080"}, urlencode(params).encode())


def _auth(req: Request, now: datetime) -> str:
    return authenticate(req, parse_form(req.body), KEYS, now)


def test_sigv2_expires_is_bounded() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    soon = _v2_signed({"Expires": "2026-01-01T12:10:00Z"})
    assert _auth(soon, now) == ACCESS
    for far in ("9999-12-31T23:59:59Z", "2026-01-01T12:16:00Z"):
        with pytest.raises(ServiceError) as refused:
            _auth(_v2_signed({"Expires": far}), now)
        assert refused.value.code == "RequestExpired"


def test_sigv2_expires_does_not_override_an_old_timestamp() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    both = _v2_signed({"Timestamp": "2020-01-01T00:00:00Z", "Expires": "2026-01-01T12:10:00Z"})
    with pytest.raises(ServiceError) as refused:
        _auth(both, now)
    assert refused.value.code == "InvalidParameterException"
    stale = _v2_signed({"Timestamp": "2020-01-01T00:00:00Z"})
    with pytest.raises(ServiceError) as expired:
        _auth(stale, now)
    assert expired.value.code == "RequestExpired"


# --- an authenticated Action cannot forge a log line --------------------------------

def test_action_with_newlines_cannot_forge_a_log_line(service: Service) -> None:
    forged = "ListJobs\nmanifest-tools service: 0 127.0.0.1 CreateJob AKIAFORGED -> 200\r\t"
    body = urlencode({"Action": forged, "Version": "2010-06-01"}).encode()
    headers = _botocore_v4(service, body, {})
    status, code, _ = _send(service, body, headers)
    assert (status, code) == (400, "InvalidAction")
    _send(service, LIST, _botocore_v4(service, LIST, {}))  # one more line after it
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while len(service.log) < 2 and datetime.now(UTC) < deadline:
        threading.Event().wait(0.05)
    assert not any(line.startswith("manifest-tools service: 0 ") for line in service.log)
    assert not any("AKIAFORGED" in line and "\\n" not in line for line in service.log)
    assert any("ListJobs\\nmanifest-tools" in line for line in service.log)


# --- two concurrent CancelJob, exactly one Success ----------------------------------

def test_concurrent_cancel_job_has_exactly_one_success(service: Service) -> None:
    client = boto_client(service)
    for _ in range(3):
        job_id = client.create_job(JobType="Import", Manifest=VALID,
                                   ValidateOnly=False)["JobId"]
        clients = [boto_client(service) for _ in range(6)]
        barrier = threading.Barrier(len(clients))
        answers: list[str] = []

        def cancel(c: Any, job: str = job_id, barrier: threading.Barrier = barrier,
                   answers: list[str] = answers) -> None:
            barrier.wait()
            try:
                c.cancel_job(JobId=job)
                answers.append("Success")
            except ClientError as exc:
                answers.append(exc.response["Error"]["Code"])

        threads = [threading.Thread(target=cancel, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(answers) == ["CanceledJobIdException"] * 5 + ["Success"]


# --- labels of a canceled job stop serving; the database is 0600 -------------------

def test_labels_stop_serving_after_cancel_job(service: Service) -> None:
    client = boto_client(service)
    created = client.create_job(JobType="Import", Manifest=VALID, ValidateOnly=False)
    own = created["ArtifactList"][0]["URL"]
    label = client.get_shipping_label(jobIds=[created["JobId"]])["ShippingLabelURL"]
    for url in (own, label):
        with urllib.request.urlopen(url, timeout=30) as page:
            assert b"Jane Doe" in page.read()
    client.cancel_job(JobId=created["JobId"])
    for url in (own, label):
        with pytest.raises(urllib.error.HTTPError) as gone:
            urllib.request.urlopen(url, timeout=30)
        assert gone.value.code == 404 and b"Jane Doe" not in gone.value.read()


def test_database_and_its_wal_files_are_private(service: Service) -> None:
    boto_client(service).create_job(JobType="Import", Manifest=VALID, ValidateOnly=False)
    files = sorted(service.data.glob("importexport.sqlite3*"))
    assert [f.name for f in files][:1] == ["importexport.sqlite3"]
    for path in files:
        assert path.stat().st_mode & 0o777 == 0o600, path


# --- manifest size, job quota, ListJobs reads no manifest ----------------------------

def test_manifest_over_one_mebibyte_is_malformed(service: Service) -> None:
    client = boto_client(service)
    big = VALID + "# " + "x" * (1024 * 1024) + "\n"
    with pytest.raises(client.exceptions.MalformedManifestException) as refused:
        client.create_job(JobType="Import", Manifest=big, ValidateOnly=True)
    assert "1048576" in str(refused.value)


def test_job_quota_and_list_jobs_reads_no_manifest(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    ctx = Context(store, KEYS, "http://127.0.0.1:1", jobs_per_day=3)
    params = {"JobType": b"Import", "Manifest": VALID.encode(), "ValidateOnly": b"false"}
    for _ in range(3):
        create_job(ctx, ACCESS, params)
    with pytest.raises(ServiceError) as quota:
        create_job(ctx, ACCESS, params)
    assert quota.value.code == "CreateJobQuotaExceededException"
    later = Context(store, KEYS, "http://127.0.0.1:1", jobs_per_day=3,
                    now=lambda: datetime.now(UTC) + timedelta(days=1, minutes=1))
    create_job(later, ACCESS, params)  # a day later the account may create again
    statements: list[str] = []
    store.connection().set_trace_callback(statements.append)
    listed = list_jobs(ctx, ACCESS, {"MaxJobs": b"2"})
    store.connection().set_trace_callback(None)
    assert len(dict(listed)["Jobs"]) == 2  # type: ignore[arg-type]
    assert statements and not any("manifest" in s.lower() for s in statements)
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 4
