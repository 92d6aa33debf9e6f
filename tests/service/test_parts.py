"""The service's parts on their own: form parsing, XML, SigV4/SigV2 against botocore's own
signers, the manifest verdicts, and the store's migrations."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from botocore.auth import SigV2Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from manifest_tools.aws import IMPORTEXPORT_NAMESPACE
from manifest_tools.credentials import SecretKey
from manifest_tools.errors import InputError, UsageError
from manifest_tools.service.auth import Request, authenticate
from manifest_tools.service.errors import ServiceError
from manifest_tools.service.judge import judge
from manifest_tools.service.protocol import (
    Members,
    error_document,
    parse_form,
    response_document,
)
from manifest_tools.service.store import DB_NAME, SCHEMA_VERSION, Store

from .conftest import ACCESS, SAMPLES, SECRET

KEYS = {ACCESS: SecretKey(SECRET, "test")}
NS = {"ie": IMPORTEXPORT_NAMESPACE}


def test_parse_form_decodes_and_refuses() -> None:
    assert parse_form(b"a=1+2&b=%41%e2%82%ac&c=") == {"a": b"1 2", "b": "A€".encode(),
                                                       "c": b""}
    for bad in (b"a=%G1", b"a=%4", b"a=1&a=2", b"novalue"):
        with pytest.raises(ServiceError) as refused:
            parse_form(bad)
        assert refused.value.code == "InvalidParameterException"


def test_documents_are_what_the_query_parser_reads() -> None:
    jobs: list[Members] = [[("JobId", "A<&>")]]
    body = response_document("ListJobs", [("Jobs", jobs), ("IsTruncated", False)], "rid")
    root = ET.fromstring(body)
    assert root.tag == f"{{{IMPORTEXPORT_NAMESPACE}}}ListJobsResponse"
    assert root.findtext("ie:ListJobsResult/ie:Jobs/ie:member/ie:JobId", namespaces=NS) == \
        "A<&>"
    assert root.findtext("ie:ResponseMetadata/ie:RequestId", namespaces=NS) == "rid"
    error = ET.fromstring(error_document(ServiceError("X", "bad \x00 thing"), "rid"))
    assert error.findtext("ie:Error/ie:Message", namespaces=NS) == "bad \ufffd thing"


def _request(auth: str, params: dict[str, str]) -> Request:
    body = urlencode(params).encode()
    url = "http://127.0.0.1:8080/?Operation=GetStatus" if auth == "v4" else \
        "http://127.0.0.1:8080/"
    aws = AWSRequest("POST", url, data=params if auth == "v2" else body,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    creds = Credentials(ACCESS, SECRET)
    if auth == "v4":
        SigV4Auth(creds, "IngestionService", "eu-west-1").add_auth(aws)
    else:
        SigV2Auth(creds).add_auth(aws)
        body = urlencode(aws.data).encode()
    headers = {k.lower(): v for k, v in aws.headers.items()}
    headers["host"] = "127.0.0.1:8080"
    query = url.split("?", 1)[1] if "?" in url else ""
    return Request("POST", "/", query, headers, body)


@pytest.mark.parametrize("auth", ["v4", "v2"])
def test_signatures_from_botocore_verify(auth: str) -> None:
    params = {"Action": "CreateJob", "Version": "2010-06-01",
              "Manifest": "bucket: a b~c/€\r\nx: 'y'*!()\n"}
    req = _request(auth, params)
    assert authenticate(req, parse_form(req.body), KEYS) == ACCESS
    tampered = Request(req.method, req.path, req.query, req.headers,
                       req.body.replace(b"a+b", b"a+c"))
    with pytest.raises(ServiceError) as refused:
        authenticate(tampered, parse_form(tampered.body), KEYS)
    assert refused.value.code == "SignatureDoesNotMatch" and refused.value.status == 403
    other = {"AKIAOTHER": SecretKey("s", "test")}
    with pytest.raises(ServiceError) as unknown:
        authenticate(req, parse_form(req.body), other)
    assert unknown.value.code == "InvalidAccessKeyIdException"
    assert SECRET not in str(unknown.value) + str(refused.value)


def test_sigv4_clock_window() -> None:
    req = _request("v4", {"Action": "ListJobs"})
    signed = datetime.strptime(req.headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    for inside in (timedelta(minutes=-4), timedelta(minutes=4)):
        assert authenticate(req, parse_form(req.body), KEYS, signed + inside) == ACCESS
    for outside in (timedelta(minutes=-6), timedelta(minutes=6)):
        with pytest.raises(ServiceError) as refused:
            authenticate(req, parse_form(req.body), KEYS, signed + outside)
        assert refused.value.code == "RequestExpired"


EXPECTED = {
    "MT100-not-well-formed.yaml": "MalformedManifestException",
    "MT105-tab-indentation.yaml": "MalformedManifestException",
    "MT110-empty.yaml": "MalformedManifestException",
    "MT113-control-character.yaml": "MalformedManifestException",
    "MT201-missing-field.yaml": "InvalidAddressException",
    "MT202-invalid-value.yaml": "InvalidManifestFieldException",
    "MT204-misspelled-field.yaml": "InvalidManifestFieldException",
    "MT205-undetermined-job-type.yaml": "MissingManifestFieldException",
    "MT301-log-prefix-too-long.yaml": "InvalidManifestFieldException",
    "MT302-export-without-password.yaml": "MissingManifestFieldException",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_samples_get_the_model_exception_with_line(name: str) -> None:
    path = SAMPLES / "invalid" / name
    kind = "Export" if "export" in name else "Import"
    with pytest.raises(ServiceError) as refused:
        judge(path.read_bytes(), kind, ACCESS)
    assert refused.value.code == EXPECTED[name]
    assert refused.value.status == 400 and "line " in refused.value.message


def test_valid_samples_pass_with_their_job_type() -> None:
    for path in sorted((SAMPLES / "valid").glob("*.yaml")):
        kind = "Export" if "export" in path.name else "Import"
        judge(path.read_bytes(), kind, ACCESS)
        with pytest.raises(ServiceError) as mismatch:
            judge(path.read_bytes(), "Import" if kind == "Export" else "Export", ACCESS)
        assert mismatch.value.code == "InvalidParameterException"


def test_store_migrates_forward_and_refuses_newer(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    store.close()
    with sqlite3.connect(tmp_path / DB_NAME) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(InputError, match="newer"):
        Store(str(tmp_path))


def test_bucket_paths_never_leave_the_data_folder(tmp_path: Path) -> None:
    from manifest_tools.service.dock import bucket_path

    base = (tmp_path / "buckets").resolve()
    for bucket, key in (("bkt", "../../etc/passwd"), ("bkt", "a//./b/.."),
                        ("bkt", "/leading"), ("bkt", "")):
        path = Path(bucket_path(str(tmp_path), bucket, key)).resolve()
        assert path.is_relative_to(base), (bucket, key, path)
        assert path != base
    for bucket in ("..", ".", "/etc", "a/../../x", "x\x00y"):  # no bucket can have these
        with pytest.raises(UsageError, match="MT316"):
            bucket_path(str(tmp_path), bucket, "k")
    assert bucket_path("/d", "bkt", "a/b.txt") == "/d/buckets/bkt/a/b.txt"
