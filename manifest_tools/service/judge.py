"""Judge a manifest as CreateJob/UpdateJob did: our validator's findings, AWS's exceptions.

The validator's findings map onto the exceptions of the botocore model (CreateJob errors)
through the one map, ``rules.aws_exception`` (``Rule.aws_error`` refined by field): what
``manifest-tools rules`` names is what the service answers. The first error by position is
answered, naming its field, line and column; warnings are joined into
``WarningMessage``. A manifest ``accessKeyId`` other than the caller's is
``InvalidAccessKeyIdException`` (model: "The manifest and the request authentication must
use the same AWS Access Key ID").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..diagnostics import Diagnostic
from ..manifest.jobtype import JobType
from ..manifest.parse import Manifest, parse_manifest
from ..manifest.validate import check_manifest
from ..rules import (
    ADDRESS,
    FILE_SYSTEM,
    INVALID_CUSTOMS,
    MALFORMED,
    MISSING,
    MISSING_CUSTOMS,
    NO_SUCH_BUCKET,
    aws_exception,
)
from .errors import ServiceError
from .protocol import clean

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
    # The one rule -> exception map (rules.py), refined there by the finding's field.
    return aws_exception(d.rule, d.pointer)


def _refusal(errors: list[Diagnostic]) -> ServiceError:
    first = errors[0]
    code = _code(first)
    lead = "Your manifest is not well-formed" if code == MALFORMED else {
        MISSING: "A required manifest field is missing",
        ADDRESS: "The return address is invalid",
        MISSING_CUSTOMS: "A required customs field is missing",
        INVALID_CUSTOMS: "A customs field is invalid",
        FILE_SYSTEM: "The file system is invalid",
        # MT316 (rules.Rule.aws_error): a name no bucket can have names no existing bucket.
        NO_SUCH_BUCKET: "The specified bucket does not exist",
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
    _check_path_sent(manifest)
    parsed = parse_manifest(manifest)
    detected, found = _result(parsed, job_type)
    errors = [d for d in found if d.is_error]
    if errors:
        raise _refusal(errors)
    assert detected is not None
    if API_JOB_TYPE[detected] != job_type:
        raise ServiceError("InvalidParameterException", f"JobType {job_type} does not match "
                           f"the manifest, which describes {detected.described} "
                           f"(JobType {API_JOB_TYPE[detected]})")
    _check_access_key(parsed, caller)
    return Verdict(detected, tuple(d for d in found if not d.is_error))


# One token naming a file: what the AWS CLI sends as the manifest when --manifest is given a
# path without file:// (aws/aws-cli#1298).
_PATH_LIKE = re.compile(r"[^\s]{1,255}")


def _check_path_sent(manifest: bytes) -> None:
    text = manifest.decode("utf-8", "replace").strip()
    if not _PATH_LIKE.fullmatch(text) or not re.search(r"[./\\]", text) or \
            text.startswith(("{", "[")) or ":" in text.replace(":\\", "").replace("://", ""):
        return
    path = text.removeprefix("file://")
    raise ServiceError(MALFORMED, f"Your manifest is not well-formed: the whole manifest is "
                       f"{clean(text, 80)!r}, which names a file: did you mean --manifest "
                       f"file://{clean(path, 80)}? (without file:// the AWS CLI sends the "
                       "path itself as the manifest) (MT109)")


def _check_access_key(parsed: Manifest, caller: str) -> None:
    given = parsed.data.get("accessKeyId")
    if isinstance(given, str) and given.strip() and given.strip() != caller:
        line, column = parsed.position("/accessKeyId")
        raise ServiceError("InvalidAccessKeyIdException", f"The manifest's accessKeyId "
                           f"(line {line}, column {column}) is {clean(given.strip(), 40)!r} "
                           f"but the request was signed with {caller}: the manifest and the "
                           "request authentication must use the same AWS Access Key ID")
