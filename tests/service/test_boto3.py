"""boto3 against the service: typed exceptions, SigV2 and SigV4, clock skew, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.auth
import pytest
from botocore.exceptions import ClientError

from manifest_tools.signature import compute_signature
from tests import cputime

from .conftest import OTHER_ACCESS, OTHER_SECRET, SAMPLES, SECRET, Service, boto_client

pytestmark = pytest.mark.slow  # a real service process, end to end

VALID = (SAMPLES / "valid" / "s3-import.yaml").read_text()


def _code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_typed_exceptions_match_the_model(service: Service) -> None:
    client = boto_client(service)
    with pytest.raises(client.exceptions.MalformedManifestException) as malformed:
        client.create_job(JobType="Import", Manifest="INVALID MANIFEST", ValidateOnly=False)
    assert "Your manifest is not well-formed" in str(malformed.value)
    with pytest.raises(client.exceptions.InvalidJobIdException) as missing:
        client.get_status(JobId="ZZZZZ")
    assert _code(missing) == ("InvalidJobIdException", 400)
    with pytest.raises(client.exceptions.MissingManifestFieldException):
        client.create_job(JobType="Import", ValidateOnly=False,
                          Manifest=(SAMPLES / "invalid" / "MT201-missing-field.yaml")
                          .read_text().replace("deviceId: 49382\n", ""))


def test_crlf_manifest_through_boto3_is_signed_as_received(service: Service) -> None:
    client = boto_client(service)
    crlf = VALID.replace("\n", "\r\n")
    created = client.create_job(JobType="Import", Manifest=crlf, ValidateOnly=False)
    job_id = created["JobId"]
    assert created["Signature"] == compute_signature(crlf.encode(), job_id, SECRET)
    status = client.get_status(JobId=job_id)
    # CurrentManifest: the bytes that were signed (CRLF -> LF), see README.
    assert status["CurrentManifest"] == VALID
    assert status["ResponseMetadata"]["RequestId"]
    assert isinstance(status["CreationDate"], datetime)


def test_sigv2_is_verified_too(service: Service) -> None:
    client = boto_client(service, signature_version="v2")
    created = client.create_job(JobType="Import", Manifest=VALID, ValidateOnly=False)
    assert client.get_status(JobId=created["JobId"])["ProgressCode"] == "Pending"
    forged = boto_client(service, secret="x" * 40, signature_version="v2")
    with pytest.raises(ClientError) as bad:
        forged.get_status(JobId=created["JobId"])
    assert _code(bad) == ("SignatureDoesNotMatch", 403)


@pytest.mark.parametrize("shift", [timedelta(minutes=-20), timedelta(minutes=20)])
def test_expired_or_future_sigv4_is_refused(service: Service, monkeypatch: pytest.MonkeyPatch,
                                            shift: timedelta) -> None:
    client = boto_client(service)
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda: datetime.now(UTC).replace(tzinfo=None) + shift)
    with pytest.raises(ClientError) as refused:
        client.list_jobs()
    assert _code(refused) == ("RequestExpired", 400)
    monkeypatch.undo()
    assert client.list_jobs()["Jobs"] == []


def test_paginator_walks_all_jobs_newest_first(service: Service) -> None:
    client = boto_client(service)
    made = [client.create_job(JobType="Import", Manifest=VALID, ValidateOnly=False)["JobId"]
            for _ in range(7)]
    pages = list(client.get_paginator("list_jobs").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(p["Jobs"]) for p in pages] == [3, 3, 1]
    assert [p["IsTruncated"] for p in pages] == [True, True, False]
    assert [j["JobId"] for p in pages for j in p["Jobs"]] == made[::-1]
    other = boto_client(service, OTHER_ACCESS, OTHER_SECRET)
    with pytest.raises(other.exceptions.InvalidParameterException):
        other.list_jobs(Marker=made[0])


def test_shipping_label_address_fields_replace_the_manifests(service: Service) -> None:
    import urllib.request

    client = boto_client(service)
    first = client.create_job(JobType="Import", Manifest=VALID, ValidateOnly=False)["JobId"]
    second = client.create_job(JobType="Import", Manifest=VALID, ValidateOnly=False)["JobId"]
    label = client.get_shipping_label(jobIds=[first, second], name="Ana <Silva>",
                                      city="Lisboa", country="Portugal")
    url = label["ShippingLabelURL"]
    assert url.startswith(service.url + "/labels/") and "local" in label["Warning"]
    with urllib.request.urlopen(url, timeout=cputime.BACKSTOP) as page:
        html = page.read().decode("utf-8")
    # The request's fields win, the manifest's fill the rest; text is HTML-escaped.
    assert "Ana &lt;Silva&gt;" in html and "Lisboa" in html and "123 Main Street" in html
    assert first in html and second in html and "Boston" not in html
    with pytest.raises(client.exceptions.InvalidJobIdException):
        client.get_shipping_label(jobIds=[first, "ZZZZZ"])


def test_addendum_validate_only_update_and_canceled_jobs(service: Service) -> None:
    client = boto_client(service)
    job_id = client.create_job(JobType="Import", Manifest=VALID, ValidateOnly=False,
                               ManifestAddendum="internal: note\n")["JobId"]
    before = client.get_status(JobId=job_id)
    changed = VALID.replace("deviceId: 49382", "deviceId: 49383")
    checked = client.update_job(JobId=job_id, Manifest=changed, JobType="Import",
                                ValidateOnly=True)
    assert checked["Success"] is True
    assert client.get_status(JobId=job_id)["CurrentManifest"] == before["CurrentManifest"]
    with pytest.raises(client.exceptions.MalformedManifestException):
        client.update_job(JobId=job_id, Manifest="[", JobType="Import", ValidateOnly=False)
    client.update_job(JobId=job_id, Manifest=changed, JobType="Import", ValidateOnly=False)
    after = client.get_status(JobId=job_id)
    assert after["CurrentManifest"] == changed and after["Signature"] != before["Signature"]
    assert client.cancel_job(JobId=job_id)["Success"] is True
    with pytest.raises(client.exceptions.CanceledJobIdException):
        client.update_job(JobId=job_id, Manifest=changed, JobType="Import", ValidateOnly=False)
    with pytest.raises(client.exceptions.CanceledJobIdException):
        client.get_shipping_label(jobIds=[job_id])
    listed = client.list_jobs()["Jobs"]
    assert [(j["JobId"], j["IsCanceled"]) for j in listed] == [(job_id, True)]


def test_artifact_list_label_is_served_and_unknown_tokens_are_not(service: Service) -> None:
    import urllib.error
    import urllib.request

    client = boto_client(service)
    job_id = client.create_job(JobType="Import", Manifest=VALID, ValidateOnly=False)["JobId"]
    [artifact] = client.get_status(JobId=job_id)["ArtifactList"]
    with urllib.request.urlopen(artifact["URL"], timeout=cputime.BACKSTOP) as page:
        assert page.headers["Content-Type"].startswith("text/html")
        html = page.read().decode("utf-8")
    assert job_id in html and "Jane Doe" in html
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(service.url + "/labels/not-a-token", timeout=cputime.BACKSTOP)
    assert missing.value.code == 404
