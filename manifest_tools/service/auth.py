"""Who sent a request: AWS Signature Version 4 and Version 2, verified for real.

SigV4 (AWS General Reference, "Create a canonical request for Signature Version 4"; what
botocore's ``SigV4Auth`` computes): ``Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/
region/service/aws4_request, SignedHeaders=..., Signature=hex``, the request time in
``X-Amz-Date``, the payload hash of the body. SigV2 (the query protocol's older scheme, what
botocore's ``SigV2Auth`` computes): ``AWSAccessKeyId``, ``SignatureVersion=2``,
``SignatureMethod``, ``Timestamp`` or ``Expires`` and ``Signature`` among the form
parameters, over ``POST\\nhost\\npath\\nsorted-encoded-params``.

Each access key is an account. Signatures are compared in constant time; no secret key ever
reaches a message. A request outside the clock-skew window is ``RequestExpired``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

from ..aws import SIGNATURE_SKEW_SECONDS, SIGNING_NAMES
from ..credentials import SecretKey
from .errors import ServiceError
from .protocol import clean

V2_PARAMETERS = frozenset({"AWSAccessKeyId", "SignatureVersion", "SignatureMethod",
                           "Timestamp", "Expires", "Signature", "SecurityToken"})
_V4_HEADER = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-f]{64})\s*")
_SPACES = re.compile(r"\s+")
# The furthest a SigV2 Expires may lie ahead (AWS silent; README "Decisions").
V2_EXPIRES_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class Request:
    """What the signature covers. ``headers`` keys are lower case."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


def _expired(when: datetime, now: datetime) -> None:
    skew = timedelta(seconds=SIGNATURE_SKEW_SECONDS)
    if when < now - skew:
        raise ServiceError("RequestExpired", f"Request has expired: the request time "
                           f"{when:%Y%m%dT%H%M%SZ} is more than 5 minutes before the "
                           f"service's time {now:%Y%m%dT%H%M%SZ}")
    if when > now + skew:
        raise ServiceError("RequestExpired", f"Request is from the future: the request "
                           f"time {when:%Y%m%dT%H%M%SZ} is more than 5 minutes after the "
                           f"service's time {now:%Y%m%dT%H%M%SZ}")


def _secret(keys: Mapping[str, SecretKey], access_key: str) -> str:
    found = keys.get(access_key)
    if found is None:
        raise ServiceError("InvalidAccessKeyIdException", f"The AWS Access Key Id "
                           f"{clean(access_key, 40)!r} does not exist in our records.", 403)
    return found.value


def _mismatch() -> ServiceError:
    return ServiceError("SignatureDoesNotMatch", "The request signature we calculated does "
                        "not match the signature you provided. Check your AWS Secret Access "
                        "Key and signing method.", 403)


# --- SigV4 --------------------------------------------------------------------------------

def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _canonical_query(query: str) -> str:
    pairs = []
    for part in query.split("&") if query else []:
        key, _, value = part.partition("=")
        pairs.append((_encode(unquote(key)), _encode(unquote(value))))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _payload_hash(req: Request, signed: list[str]) -> str:
    """The SHA-256 of the body as received, always. An ``x-amz-content-sha256`` header
    (S3's; botocore sends none to this service) is only accepted signed and equal to it:
    trusting it would let a captured request be replayed with another body,
    and ``UNSIGNED-PAYLOAD`` would leave the body unsigned."""
    payload = hashlib.sha256(req.body).hexdigest()
    claimed = req.headers.get("x-amz-content-sha256")
    if claimed is None:
        return payload
    if "x-amz-content-sha256" not in signed:
        raise ServiceError("SignatureDoesNotMatch", "x-amz-content-sha256 is given but not "
                           "among the SignedHeaders", 403)
    if claimed.strip() == "UNSIGNED-PAYLOAD" or claimed.strip().startswith("STREAMING-"):
        raise ServiceError("SignatureDoesNotMatch", "this service needs the payload signed: "
                           f"x-amz-content-sha256 {clean(claimed, 40)!r} is refused", 403)
    if not hmac.compare_digest(claimed.strip().lower().encode("utf-8", "replace"),
                               payload.encode("ascii")):
        raise ServiceError("XAmzContentSHA256Mismatch", "The provided "
                           "'x-amz-content-sha256' header does not match what was computed.")
    return payload


def _canonical_request(req: Request, signed: list[str]) -> str:
    headers = "".join(f"{name}:{_SPACES.sub(' ', req.headers.get(name, '').strip())}\n"
                      for name in signed)
    payload = _payload_hash(req, signed)
    path = quote(req.path or "/", safe="/~")
    return "\n".join([req.method, path, _canonical_query(req.query), headers,
                      ";".join(signed), payload])


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def _v4_time(req: Request) -> datetime:
    stamp = req.headers.get("x-amz-date", "")
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise ServiceError("IncompleteSignature", "X-Amz-Date is missing or not "
                           "YYYYMMDDTHHMMSSZ") from None


def verify_v4(req: Request, header: str, keys: Mapping[str, SecretKey],
              now: datetime) -> str:
    """The access key of a valid SigV4 request; raises ServiceError otherwise."""
    match = _V4_HEADER.fullmatch(header.strip())
    if match is None:
        raise ServiceError("IncompleteSignature", "Authorization header is not 'AWS4-HMAC-"
                           "SHA256 Credential=..., SignedHeaders=..., Signature=...'")
    scope = match.group("credential").split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise ServiceError("IncompleteSignature", "Credential is not AKID/date/region/"
                           "service/aws4_request")
    access_key, date, region, service, _ = scope
    if service not in SIGNING_NAMES:
        raise ServiceError("SignatureDoesNotMatch", f"Credential should be scoped to the "
                           f"service IngestionService, not {clean(service, 40)!r}", 403)
    signed = match.group("headers").split(";")
    if "host" not in signed or signed != sorted(signed):
        raise ServiceError("IncompleteSignature", "SignedHeaders must include host and be "
                           "sorted")
    when = _v4_time(req)
    if date != f"{when:%Y%m%d}":
        raise ServiceError("SignatureDoesNotMatch", "Credential date does not match "
                           "X-Amz-Date", 403)
    _expired(when, now)
    secret = _secret(keys, access_key)
    canonical = _canonical_request(req, signed)
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", req.headers["x-amz-date"],
                                "/".join(scope[1:]),
                                hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    expected = hmac.new(_signing_key(secret, date, region, service),
                        string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match.group("signature")):
        raise _mismatch()
    return access_key


# --- SigV2 --------------------------------------------------------------------------------

def _v2_time(params: Mapping[str, str], now: datetime) -> None:
    """Timestamp within the skew window, or Expires in the future and at most
    :data:`V2_EXPIRES_SECONDS` ahead. AWS's query APIs: "Requests must include either
    Timestamp or Expires, but cannot include both" (EC2 API Reference, "Common Query
    Parameters"); how far ahead Expires may lie AWS did not say, so a far-future Expires
    (year 9999: replayable for ever) is refused like a SigV4 presigned URL's 15 minutes."""
    if "Expires" in params and "Timestamp" in params:
        raise ServiceError("InvalidParameterException", "a SigV2 request gives Timestamp or "
                           "Expires, not both")
    if "Expires" in params:
        when = _iso(params["Expires"], "Expires")
        if when < now:
            raise ServiceError("RequestExpired", f"Request has expired: Expires "
                               f"{clean(params['Expires'], 40)} is past")
        if when > now + timedelta(seconds=V2_EXPIRES_SECONDS):
            raise ServiceError("RequestExpired", f"Expires {clean(params['Expires'], 40)} is "
                               f"more than {V2_EXPIRES_SECONDS // 60} minutes after the "
                               f"service's time {now:%Y%m%dT%H%M%SZ}")
        return
    if "Timestamp" not in params:
        raise ServiceError("MissingParameterException", "a SigV2 request needs Timestamp or "
                           "Expires")
    _expired(_iso(params["Timestamp"], "Timestamp"), now)


def _iso(value: str, name: str) -> datetime:
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ServiceError("InvalidParameterException", f"{name} {clean(value, 40)!r} is "
                           "not an ISO 8601 time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def verify_v2(req: Request, raw: Mapping[str, bytes], keys: Mapping[str, SecretKey],
              now: datetime) -> str:
    """The access key of a valid SigV2 (form parameters) request."""
    params = {k: raw[k].decode("utf-8", "replace") for k in V2_PARAMETERS if k in raw}
    if params.get("SignatureVersion") != "2":
        raise ServiceError("IncompleteSignature", "only SignatureVersion 2 is supported")
    method = params.get("SignatureMethod", "")
    digests = {"HmacSHA256": hashlib.sha256, "HmacSHA1": hashlib.sha1}
    if method not in digests:
        raise ServiceError("IncompleteSignature", "SignatureMethod must be HmacSHA256 or "
                           "HmacSHA1")
    if "Signature" not in params or "AWSAccessKeyId" not in params:
        raise ServiceError("IncompleteSignature", "a SigV2 request needs AWSAccessKeyId and "
                           "Signature")
    _v2_time(params, now)
    secret = _secret(keys, params["AWSAccessKeyId"])
    # The parameters' bytes as received (a manifest need not be UTF-8 to be signed).
    pairs = sorted((k, v) for k, v in raw.items() if k != "Signature")
    query = "&".join(f"{quote(k, safe='-_~')}={quote(v, safe='-_~')}" for k, v in pairs)
    string_to_sign = f"{req.method}\n{req.headers.get('host', '')}\n{req.path or '/'}\n{query}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"),
                      digests[method]).digest()
    expected = base64.b64encode(digest).decode("ascii")
    if not hmac.compare_digest(expected.encode("ascii"),
                               params["Signature"].encode("utf-8", "replace")):
        raise _mismatch()
    return params["AWSAccessKeyId"]


def authenticate(req: Request, params: Mapping[str, bytes], keys: Mapping[str, SecretKey],
                 now: datetime | None = None) -> str:
    """The caller's access key id (the account), from SigV4 or SigV2."""
    now = now or datetime.now(UTC)
    header = req.headers.get("authorization")
    if header is not None:
        return verify_v4(req, header, keys, now)
    if "Signature" in params or "AWSAccessKeyId" in params:
        return verify_v2(req, params, keys, now)
    raise ServiceError("MissingAuthenticationToken", "Request is missing Authentication "
                       "Token (sign it with SigV4 or SigV2)", 403)
