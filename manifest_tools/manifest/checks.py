"""Cross-field rules the JSON Schemas cannot express, each with its own rule id.

Each rule is a small function ``(manifest, job_type) -> Iterator[Diagnostic]`` registered in
``CHECKS`` (append one there to add a rule); they see plain strings, dicts and lists (never
YAML types) and use the manifest's span table for positions. A value that is a placeholder
(``manifest.unfilled``, MT208) is reported once, by that rule: the checks here treat it as
absent and say nothing about it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from ..aws import (
    AWS_REGIONS,
    DNS_BUCKET,
    EXAMPLE_ACCESS_KEYS,
    IP_LIKE,
    JOB_ID_LENGTH,
    LOG_KEY_LIMIT,
    POSSIBLE_BUCKET,
    PREFIX_JOINERS,
    REGION_SHAPE,
    STATE_REQUIRED_NAMES,
    US_NAMES,
)
from ..diagnostics import Diagnostic, clip, error, pointer_join, warning
from .customs import check_customs
from .jobtype import JobType
from .parse import Manifest

CrossFieldCheck = Callable[[Manifest, JobType], Iterator[Diagnostic]]

_PO_BOX = re.compile(r"\b(p\.?\s*o\.?\s*box|post\s+office\s+box)\b", re.IGNORECASE)


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _country(m: Manifest) -> str | None:
    """returnAddress.country as written, None when absent, not text or a placeholder."""
    address = m.data.get("returnAddress")
    country = address.get("country") if isinstance(address, dict) else None
    if not isinstance(country, str) or "/returnAddress/country" in m.unfilled:
        return None
    return country


def _yes(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() == "yes"


def _operations(m: Manifest) -> Iterator[tuple[int, dict[str, Any]]]:
    operations = m.data.get("operations")
    if isinstance(operations, list):
        for n, item in enumerate(operations):
            if isinstance(item, dict):
                yield n, item


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
    # A field that is there with a bad value (empty) is reported on that field: saying it
    # is missing would be wrong. Placeholders are MT208's.
    present = [key for key in ("trueCryptPassword", "pinCode") if key in m.data]
    if present:
        pointer = f"/{present[0]}"
        if pointer not in m.unfilled:
            yield error("MT302", f"{present[0]}: the value is empty; an S3 export needs the "
                        "password (or PIN) AWS encrypts the exported data with",
                        *m.position(pointer), pointer,
                        hint=f"write it on the same line: '{present[0]}: <value>'")
        return
    yield error("MT302", "an S3 export needs trueCryptPassword or pinCode: AWS encrypts the "
                "exported data with it", *m.position(""), "",
                hint="add 'trueCryptPassword: <password>' or 'pinCode: <pin>'")


def check_expedited(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    level = _text(m.data, "serviceLevel")
    if level is None or level.strip() != "expeditedShipping":
        return
    country = _country(m)
    # No country (missing, a placeholder) is reported by its own rule.
    if country is None or country.strip().lower() in US_NAMES:
        return
    yield error("MT303", f"serviceLevel: expeditedShipping is only for US return addresses "
                f"(returnAddress.country is {clip(country)!r})", *m.position("/serviceLevel"),
                "/serviceLevel", hint="use 'serviceLevel: standard' outside the US")


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
        if not name or pointer in m.unfilled:
            continue  # the schema reports empty values, MT208 placeholders
        # fullmatch: with match, '$' also matches before a final newline ('name\n').
        if DNS_BUCKET.fullmatch(name) and ".." not in name and not IP_LIKE.fullmatch(name):
            continue
        label = pointer.strip("/").replace("/", ".")
        if not POSSIBLE_BUCKET.fullmatch(name):
            yield _impossible_bucket(m, pointer, label, name)
            continue
        yield warning("MT304", f"{label}: bucket name {clip(name)!r} is not DNS-compatible (3-63 "
                      "lowercase letters, digits, '.' and '-'); AWS accepted it with a warning",
                      *m.position(pointer), pointer)


def _impossible_bucket(m: Manifest, pointer: str, label: str, name: str) -> Diagnostic:
    """MT316: a value no bucket can have (it also reaches the local service's dock as a
    folder name, so it is an error, never a warning)."""
    bare = name.split("://", 1)[-1] if "://" in name else name
    hint = None
    bucket, _, folder = bare.strip("/").partition("/")
    if folder and POSSIBLE_BUCKET.fullmatch(bucket) and ".." not in folder.split("/") \
            and not name.startswith(("/", ".", "-")):
        field = pointer.rsplit("/", 1)[-1]
        prefix = "logPrefix" if field == "logBucket" else "prefix"
        hint = (f"a bucket name has no folder part: write '{field}: {clip(bucket, 40)}' and "
                f"use {prefix}: for the folder part ('{prefix}: {clip(folder, 40)}/')")
    elif "://" in name:
        hint = f"write the bucket name alone: '{clip(bare.strip('/'), 40)}'"
    return error("MT316", f"{label}: {clip(name)!r} is not a bucket name (3-255 letters, "
                 "digits, '.', '-' and '_', starting with a letter or digit; no '/', ':' or "
                 "spaces)", *m.position(pointer), pointer, hint=hint)


def check_country_code(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    address = m.data.get("returnAddress")
    country = address.get("country") if isinstance(address, dict) else None
    if (isinstance(country, str) and re.fullmatch(r"[A-Za-z]{2}", country.strip())
            and "/returnAddress/country" not in m.unfilled):
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
    elif _text(m.data, "accessKeyId") in EXAMPLE_ACCESS_KEYS:
        yield warning("MT315", "accessKeyId: this is the example key of AWS's documentation; "
                      "CreateJob needs the Access Key ID of the account that makes the request",
                      *m.position("/accessKeyId"), "/accessKeyId",
                      hint="put your own Access Key ID here")


def check_state(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    """stateOrProvince: 'Required for USA and Canada' (AWS's manifest templates)."""
    country = _country(m)
    if country is None or country.strip().lower() not in STATE_REQUIRED_NAMES:
        return
    if "stateOrProvince" in m.data["returnAddress"]:
        return  # present: an empty or bad value is the schema's finding (MT202), not this
    pointer = "/returnAddress/stateOrProvince"
    yield error("MT309", f"returnAddress.stateOrProvince: required for an address in "
                f"{clip(country.strip())} (AWS: 'Required for USA and Canada')",
                *m.position(pointer, key=True), pointer,
                hint="add 'stateOrProvince: <state or province code>' to returnAddress")


def check_erase_device(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    value = m.data.get("eraseDevice")
    if job_type is JobType.EXPORT or _yes(value) or "/eraseDevice" in m.unfilled:
        return
    if value is None and job_type is not JobType.IMPORT:
        return  # EBS and Glacier: the schema reports the missing field
    what = "is missing" if value is None else "is not yes"
    yield warning("MT310", f"eraseDevice {what}: later AWS guides say an import request "
                  "without 'eraseDevice: yes' fails", *m.position("/eraseDevice"),
                  "/eraseDevice", hint="add 'eraseDevice: yes'")


def check_notification_email(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    if "notificationEmail" in m.data:
        return
    yield warning("MT311", "notificationEmail is missing: later AWS templates require it (AWS "
                  "mails job status and device problems there)", *m.position(""),
                  "/notificationEmail", hint="add 'notificationEmail: you@example.com'")


def check_operations(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    """EBS and Glacier operations: region, deviceCapacityGreaterThan1TB, Glacier fields."""
    if job_type not in (JobType.EBS, JobType.GLACIER):
        return
    for n, item in _operations(m):
        base = f"/operations/{n}"
        yield from _region(m, n, item.get("region"))
        capacity = item.get("deviceCapacityGreaterThan1TB")
        pointer = f"{base}/deviceCapacityGreaterThan1TB"
        if isinstance(capacity, str) and capacity.strip().lower() not in ("yes", "no") \
                and pointer not in m.unfilled:
            what = ("is the template's list of choices; keep one" if _choices(capacity)
                    else "is not yes or no")
            yield error("MT313", f"operations[{n}].deviceCapacityGreaterThan1TB: "
                        f"{clip(capacity)!r} {what}", *m.position(pointer), pointer,
                        hint="deviceCapacityGreaterThan1TB: yes (or no)")
        if job_type is JobType.EBS:
            yield from _glacier_fields(m, n, item)


def _choices(value: str) -> bool:
    """A template's list of alternatives left in a value: 'us-east-1 | us-west-1'."""
    return "|" in value


def _region(m: Manifest, n: int, region: object) -> Iterator[Diagnostic]:
    """A region AWS served is fine; one shaped like a region code but unknown is a warning
    (AWS opens new regions); anything else (a template's choices, a name) is an error."""
    pointer = f"/operations/{n}/region"
    if not isinstance(region, str) or not region.strip() or pointer in m.unfilled:
        return
    code = region.strip()
    if code in AWS_REGIONS:
        return
    if REGION_SHAPE.fullmatch(code):
        yield warning("MT312", f"operations[{n}].region: {clip(code)!r} is not an AWS region "
                      "code of the service's time (e.g. us-east-1); check it is a region AWS "
                      "Import/Export serves", *m.position(pointer), pointer)
        return
    what = ("is the template's list of choices, not one region" if _choices(code) else
            "is not a region code")
    yield error("MT202", f"operations[{n}].region: {clip(code)!r} {what}",
                *m.position(pointer), pointer,
                hint="give exactly one region code, e.g. 'region: us-east-1'")


def check_prefix(m: Manifest, job_type: JobType) -> Iterator[Diagnostic]:
    """AWS adds no '/' after prefix (S3 key-naming page; Developer Guide, 'prefix')."""
    prefix = _text(m.data, "prefix")
    if job_type is not JobType.IMPORT or not prefix or "/prefix" in m.unfilled \
            or prefix.endswith(PREFIX_JOINERS):
        return
    example = "photos/2014.jpg"
    yield warning("MT330", f"prefix: {clip(prefix)!r} does not end in '/': AWS adds none, so "
                  f"the file {example} on the device gets the key '{clip(prefix)}{example}'",
                  *m.position("/prefix"), "/prefix",
                  hint=f"write 'prefix: {clip(prefix)}/' if it names a folder")


def _glacier_fields(m: Manifest, n: int, item: dict[str, Any]) -> Iterator[Diagnostic]:
    for name in ("vaultName", "archiveComment"):
        if name in item:
            pointer = f"/operations/{n}/{name}"
            yield warning("MT314", f"operations[{n}].{name}: a field of Glacier operations; "
                          "an EBS snapshot operation does not use it",
                          *m.position(pointer, key=True), pointer,
                          hint=f"remove '{name}', or use 'destination: glacier'")


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
    value = m.data.get("ignore")
    items = [("/ignore", value)] if isinstance(value, str) else (
        [(pointer_join("/ignore", i), v) for i, v in enumerate(value)]
        if isinstance(value, list) else [])
    if not items:
        return  # most manifests have no ignore list: javaregex is not even imported
    from ..javaregex import java_regex_error

    for pointer, pattern in items:
        if not isinstance(pattern, str):
            continue
        exc = java_regex_error(pattern)
        if exc is not None:
            yield error("MT611", f"ignore pattern '{clip(pattern)}': {exc}",
                        *m.position(pointer), pointer)


CHECKS: list[CrossFieldCheck] = [
    check_log_prefix,
    check_export_password,
    check_expedited,
    check_bucket_dns,
    check_country_code,
    check_legacy_version,
    check_access_key,
    check_po_box,
    check_state,
    check_erase_device,
    check_notification_email,
    check_operations,
    check_ignore_patterns,
    check_prefix,
    check_customs,
]


def cross_field_diagnostics(m: Manifest, job_type: JobType) -> list[Diagnostic]:
    return [diag for check in CHECKS for diag in check(m, job_type)]
