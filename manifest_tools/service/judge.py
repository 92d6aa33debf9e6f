"""Judge a manifest as CreateJob/UpdateJob did: our validator's findings, AWS's exceptions.

The validator's rule ids map onto the exceptions of the botocore model (CreateJob errors):
reading problems are ``MalformedManifestException`` ("Your manifest is not well-formed"),
a missing field ``MissingManifestFieldException``, a bad value
``InvalidManifestFieldException``; findings inside ``returnAddress`` are
``InvalidAddressException``, inside ``customs`` ``MissingCustomsException`` /
``InvalidCustomsException``, on ``fileSystem`` ``InvalidFileSystemException``. The first
error by position is answered, naming its field, line and column; warnings are joined into
``WarningMessage``. A manifest ``accessKeyId`` other than the caller's is
``InvalidAccessKeyIdException`` (model: "The manifest and the request authentication must
use the same AWS Access Key ID").
"""

from __future__ import annotations

from dataclasses import dataclass

from ..diagnostics import Diagnostic
from ..manifest.jobtype import JobType
from ..manifest.parse import Manifest, parse_manifest
from ..manifest.validate import check_manifest
from ..rules import RULES
from .errors import ServiceError
from .protocol import clean

MALFORMED = "MalformedManifestException"
MISSING = "MissingManifestFieldException"
INVALID = "InvalidManifestFieldException"

# Rule id -> exception for findings that are errors (rules.py holds the ids).
_BY_RULE = {
    **{rule: MALFORMED for rule in ("MT100", "MT101", "MT105", "MT106", "MT107", "MT108",
                                    "MT109", "MT110", "MT111", "MT112", "MT113", "MT114")},
    "MT201": MISSING, "MT205": MISSING, "MT302": MISSING,
    "MT202": INVALID, "MT203": INVALID, "MT204": INVALID, "MT206": INVALID,
    "MT301": INVALID, "MT303": INVALID, "MT306": INVALID,
    "MT308": "InvalidAddressException",
}
# The API's JobType for each kind of manifest (EBS and Glacier jobs were imports).
API_JOB_TYPE = {JobType.IMPORT: "Import", JobType.EBS: "Import", JobType.GLACIER: "Import",
                JobType.EXPORT: "Export"}
_FORCED = {"Import": JobType.IMPORT, "Export": JobType.EXPORT}


@dataclass(frozen=True, slots=True)
class Verdict:
    job_type: JobType
    warnings: tuple[Diagnostic, ...]

    @property
    def warning_message(self) -> str | None:
        if not self.warnings:
            return None
        return " ".join(f"{_where(d)}: {d.message} ({d.rule})." for d in self.warnings)


def _field(d: Diagnostic) -> str:
    return d.pointer.strip("/").replace("/", ".") or "(manifest)"


def _where(d: Diagnostic) -> str:
    field = _field(d)
    named = "" if field in d.message or field == "(manifest)" else f"{field}, "
    return f"{named}line {d.line}, column {d.column}"


def _code(d: Diagnostic) -> str:
    # Rules without a row here (MT115-MT123, MT208, MT309, ...) answer with the exception
    # their catalogue entry names (rules.Rule.aws_error).
    rule = RULES.get(d.rule)
    code = _BY_RULE.get(d.rule) or (rule.aws_error if rule else "") or INVALID
    parts = d.pointer.strip("/").split("/")
    # A missing returnAddress or customs block is a missing field; what is wrong inside one
    # is the address's or the customs' own exception.
    top = parts[0] if len(parts) > 1 or code == INVALID else ""
    if code in (MISSING, INVALID) and top == "returnAddress":
        return "InvalidAddressException"
    if code in (MISSING, INVALID) and top == "customs":
        return "MissingCustomsException" if code == MISSING else "InvalidCustomsException"
    if code == INVALID and parts[0] == "fileSystem":
        return "InvalidFileSystemException"
    return code


def _refusal(errors: list[Diagnostic]) -> ServiceError:
    first = errors[0]
    code = _code(first)
    lead = "Your manifest is not well-formed" if code == MALFORMED else {
        MISSING: "A required manifest field is missing",
        "InvalidAddressException": "The return address is invalid",
        "MissingCustomsException": "A required customs field is missing",
        "InvalidCustomsException": "A customs field is invalid",
        "InvalidFileSystemException": "The file system is invalid",
        # MT316 (rules.Rule.aws_error): a name no bucket can have names no existing bucket.
        "NoSuchBucketException": "The specified bucket does not exist",
    }.get(code, "A manifest field is invalid")
    more = f" (and {len(errors) - 1} more error{'s' * (len(errors) > 2)})" \
        if len(errors) > 1 else ""
    return ServiceError(code, f"{lead}: {_where(first)}: {clean(first.message, 300)} "
                        f"({first.rule}){more}")


def _result(manifest: Manifest, job_type: str) -> tuple[JobType | None, list[Diagnostic]]:
    detected, found = check_manifest(manifest)
    if detected is None and any(d.rule == "MT205" for d in found):
        # The job type cannot be read from the fields: judge it as the JobType asked.
        detected, found = check_manifest(manifest, _FORCED[job_type])
    return detected, sorted(found, key=Diagnostic.sort_key)


def judge(manifest: bytes, job_type: str, caller: str) -> Verdict:
    """The manifest's verdict for ``caller``'s request; raises ServiceError for a refusal."""
    if job_type not in _FORCED:
        raise ServiceError("InvalidParameterException",
                           f"JobType must be Import or Export, not {clean(job_type)!r}")
    parsed = parse_manifest(manifest)
    detected, found = _result(parsed, job_type)
    errors = [d for d in found if d.is_error]
    if errors:
        raise _refusal(errors)
    assert detected is not None
    if API_JOB_TYPE[detected] != job_type:
        raise ServiceError("InvalidParameterException", f"JobType {job_type} does not match "
                           f"the manifest, which describes an {detected.value} job "
                           f"(JobType {API_JOB_TYPE[detected]})")
    _check_access_key(parsed, caller)
    return Verdict(detected, tuple(d for d in found if not d.is_error))


def _check_access_key(parsed: Manifest, caller: str) -> None:
    given = parsed.data.get("accessKeyId")
    if isinstance(given, str) and given.strip() and given.strip() != caller:
        line, column = parsed.position("/accessKeyId")
        raise ServiceError("InvalidAccessKeyIdException", f"The manifest's accessKeyId "
                           f"(line {line}, column {column}) is {clean(given.strip(), 40)!r} "
                           f"but the request was signed with {caller}: the manifest and the "
                           "request authentication must use the same AWS Access Key ID")
