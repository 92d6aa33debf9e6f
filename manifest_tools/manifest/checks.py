"""Cross-field rules the JSON Schemas cannot express, each with its own rule id.

Each rule is a small function ``(manifest, job_type) -> Iterator[Diagnostic]`` registered in
``CHECKS``; they see plain strings, dicts and lists (never YAML types) and use the
manifest's span table for positions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from ..aws import DNS_BUCKET, IP_LIKE, JOB_ID_LENGTH, LOG_KEY_LIMIT, US_NAMES
from ..diagnostics import Diagnostic, clip, error, pointer_join, warning
from .jobtype import JobType
from .parse import Manifest

Check = Callable[[Manifest, JobType], Iterator[Diagnostic]]

_PO_BOX = re.compile(r"\b(p\.?\s*o\.?\s*box|post\s+office\s+box)\b", re.IGNORECASE)


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def check_log_prefix(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    prefix = _text(m.data, "logPrefix")
    if prefix is None:
        return
    phrase = "export-log-" if job_type is JobType.EXPORT else "import-log-"
    size = len(prefix.encode("utf-8")) + len(phrase) + JOB_ID_LENGTH
    if size > LOG_KEY_LIMIT:
        yield error("MT301", f"logPrefix: logPrefix + '{phrase}' + job id is {size} bytes; AWS "
                    f"allows at most {LOG_KEY_LIMIT}", *m.position("/logPrefix"), "/logPrefix")


def check_export_password(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    if job_type is not JobType.EXPORT:
        return
    if _text(m.data, "trueCryptPassword") or _text(m.data, "pinCode"):
        return
    yield error("MT302", "an S3 export needs trueCryptPassword or pinCode: AWS encrypts the "
                "exported data with it", *m.position(""), "",
                hint="add 'trueCryptPassword: <password>' or 'pinCode: <pin>'")


def check_expedited(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    level = _text(m.data, "serviceLevel")
    if level is None or level.strip() != "expeditedShipping":
        return
    address = m.data.get("returnAddress")
    country = address.get("country") if isinstance(address, dict) else None
    if isinstance(country, str) and country.strip().lower() in US_NAMES:
        return
    shown = repr(clip(country)) if isinstance(country, str) else "missing"
    yield error("MT303", f"serviceLevel: expeditedShipping is only for US return addresses "
                f"(returnAddress.country is {shown})", *m.position("/serviceLevel"),
                "/serviceLevel")


def _bucket_fields(m: Manifest) -> Iterator[tuple[str, str]]:
    for key in ("bucket", "logBucket"):
        value = _text(m.data, key)
        if value is not None:
            yield f"/{key}", value
    operations = m.data.get("operations")
    if isinstance(operations, list):
        for n, item in enumerate(operations):
            if isinstance(item, dict) and isinstance(item.get("exportBucket"), str):
                yield f"/operations/{n}/exportBucket", item["exportBucket"]


def check_bucket_dns(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    for pointer, name in _bucket_fields(m):
        if not name:
            continue  # the schema reports empty values
        # fullmatch: with match, '$' also matches before a final newline ('name\n').
        if DNS_BUCKET.fullmatch(name) and ".." not in name and not IP_LIKE.fullmatch(name):
            continue
        label = pointer.strip("/").replace("/", ".")
        yield warning("MT304", f"{label}: bucket name {clip(name)!r} is not DNS-compatible (3-63 "
                      "lowercase letters, digits, '.' and '-'); AWS accepted it with a warning",
                      *m.position(pointer), pointer)


def check_country_code(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    address = m.data.get("returnAddress")
    country = address.get("country") if isinstance(address, dict) else None
    if isinstance(country, str) and re.fullmatch(r"[A-Za-z]{2}", country.strip()):
        pointer = "/returnAddress/country"
        yield warning("MT305", f"returnAddress.country: {country.strip()!r} is a two-letter code; "
                      "AWS's examples spell the country out (e.g. 'USA')",
                      *m.position(pointer), pointer)


def check_legacy_version(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    version = _text(m.data, "manifestVersion")
    if version is not None and re.fullmatch(r"1\.\d+", version.strip()):
        yield warning("MT306", f"manifestVersion {version.strip()} is a legacy version of the "
                      "2009 e-mail workflow; use 2.0 (S3) or 3.0 (EBS, Glacier)",
                      *m.position("/manifestVersion"), "/manifestVersion")


def check_access_key(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    if "accessKeyId" not in m.data:
        yield warning("MT307", "accessKeyId is missing: the 2010 guide requires it (the Access "
                      "Key ID that makes the CreateJob request)", *m.position(""),
                      "/accessKeyId")


def check_po_box(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    address = m.data.get("returnAddress")
    if not isinstance(address, dict):
        return
    for key in ("street1", "street2", "street3"):
        value = address.get(key)
        if isinstance(value, str) and _PO_BOX.search(value):
            pointer = f"/returnAddress/{key}"
            yield warning("MT308", f"returnAddress.{key}: AWS cannot return a device to a PO box",
                          *m.position(pointer), pointer)


def check_ignore_patterns(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    """An ignore pattern must be a Java regular expression the toolkit can read (MT611; the
    translation is in javaregex.py, shared with the device preflight)."""
    from ..errors import PatternError
    from ..javaregex import translate_java_regex

    value = m.data.get("ignore")
    items = [("/ignore", value)] if isinstance(value, str) else (
        [(pointer_join("/ignore", i), v) for i, v in enumerate(value)]
        if isinstance(value, list) else [])
    for pointer, pattern in items:
        if not isinstance(pattern, str):
            continue
        try:
            translate_java_regex(pattern)
        except PatternError as exc:
            yield error("MT611", f"ignore pattern '{clip(pattern)}': {exc}",
                        *m.position(pointer), pointer)


CHECKS: tuple[Check, ...] = (
    check_log_prefix,
    check_export_password,
    check_expedited,
    check_bucket_dns,
    check_country_code,
    check_legacy_version,
    check_access_key,
    check_po_box,
    check_ignore_patterns,
)


def cross_field_diagnostics(m: Manifest, job_type: JobType) -> list[Diagnostic]:
    return [diag for check in CHECKS for diag in check(m, job_type)]
