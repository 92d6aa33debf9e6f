"""Verify a job: get-status output x local manifest x device SIGNATURE x secret key.

Every check says exactly what it compared and reports ``ok`` True/False, or None when it
could not run (and why). How the 2010 web service computed ``Signature`` was never
documented; the HMAC checks use the documented 2009 algorithm (Developer Guide 2009-05-20,
"SIGNATURE File Parameters") and say so.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..aws import SIGNATURE_FAILURES, next_step
from ..errors import BadSignature, InputError, SignatureError
from ..manifest.redact import redact_manifest_text
from ..signature import (
    SignatureFile,
    canonical_manifest,
    device_signature_verdict,
    parse_signature_file,
    read_signature_copy,
    verify,
)
from ..status import JobStatus
from .manifest_fields import compare_fields

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from ..manifest.parse import Manifest
    from .loader import Job, ManifestInput

ALGORITHM_NOTE = ("documented algorithm: base64(HMAC-SHA1(key, jobId + '\\n' + manifest with "
                  "CRLF->LF)); AWS never documented how the 2010 service signed")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool | None  # None: could not run, detail says why
    detail: str
    next_step: str = ""  # what to do when the check failed
    # The check is about the SIGNATURE the device holds or is to hold (its bytes, or
    # SignatureFileContents and its job id): a failure points at the device's SIGNATURE.
    about_signature: bool = False

    @property
    def full_detail(self) -> str:
        """The detail, then the next step on a line of its own ("next: ...")."""
        return self.detail + (f"\nnext: {self.next_step}" if self.next_step else "")


def _with_next(check: Check, step: str) -> Check:
    """The check with ``step`` as its next step when it failed (and had none)."""
    if check.ok is False and not check.next_step:
        return replace(check, next_step=step)
    return check


@dataclass(frozen=True, slots=True)
class Verification:
    job_id: str | None
    checks: tuple[Check, ...]

    @property
    def form_only(self) -> bool:
        """True when nothing but the SIGNATURE file's own form was checked."""
        ran = {c.name for c in self.checks if c.ok is not None}
        return bool(ran) and ran <= {"signature-file-parses", "signature-file-bytes"}

    @property
    def ok(self) -> bool:
        """True when every check that ran passed and at least one ran."""
        ran = [c for c in self.checks if c.ok is not None]
        return bool(ran) and all(c.ok for c in ran)

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "job_id": self.job_id,
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.full_detail}
                           for c in self.checks]}


def _parse_check(name: str, label: str, parsed: SignatureFile | None,
                 findings: Sequence[Diagnostic]) -> Check:
    """Whether a parsed SIGNATURE file (``signature.parse_signature_file``'s answer, or
    the job loader's reading of SignatureFileContents as AWS returned it) is valid."""
    errors = [d for d in findings if d.is_error]
    if parsed is None or errors:
        listed = "; ".join(f"line {d.line}:{d.column} {d.rule} {d.message}" for d in errors[:5])
        return Check(name, False, f"{label} is not a valid SIGNATURE file: {listed}",
                     about_signature=True)
    note = ""
    warnings = [d for d in findings if not d.is_error]
    if warnings:
        note = " (warnings: " + "; ".join(d.message for d in warnings[:3]) + ")"
    return Check(name, True, f"{label} is a valid version {parsed.version} SIGNATURE file "
                 f"for job {parsed.job_id}{note}", about_signature=True)


def _lines(text: str) -> list[str]:
    """Lines split at LF only (CRLF folded first), each keeping its end.

    Not ``str.splitlines``: it also splits at U+2028, FF and the like, which would cut a
    secret value in two and leave its second half outside the redacted line.
    """
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text.replace("\r\n", "\n"))


class _Shown(str):
    """A manifest line as shown (secrets masked) that compares as the real line, so the diff
    is computed on the real text (a changed secret still shows as a changed, masked line)
    while only masked text is ever printed. Masking needs the whole file: a password that
    wrapped onto the line after an empty ``pinCode:`` is masked there too."""

    __slots__ = ("real",)
    real: str

    def __new__(cls, shown: str, real: str) -> _Shown:
        line = super().__new__(cls, shown)
        line.real = real
        return line

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Shown) and self.real == other.real

    def __hash__(self) -> int:
        return hash(self.real)


def _shown_lines(text: str, parsed: Manifest | None = None) -> list[str]:
    """``parsed``: the parse of ``text``'s bytes, used when the lines are that text (no CR
    LF folded), so the job's manifest is not parsed again to be shown."""
    real = _lines(text)
    joined = "".join(real)
    same = parsed is not None and joined == text
    masked = _lines(redact_manifest_text(joined, parsed if same else None))
    if len(masked) != len(real):  # never expected; then mask line by line
        masked = [redact_manifest_text(line) for line in real]
    return [_Shown(shown, line) for shown, line in zip(masked, real, strict=True)]


def manifest_diff(expected: str, actual: str, show_secrets: bool = False,
                  expected_name: str = "CurrentManifest", actual_name: str = "local",
                  expected_parsed: Manifest | None = None,
                  actual_parsed: Manifest | None = None) -> str:
    """Unified diff of two manifests (CRLF folded), secrets redacted unless asked.
    ``expected_parsed``, ``actual_parsed``: the parse of each text's UTF-8 bytes, when the
    caller has it."""
    if show_secrets:
        theirs, ours = _lines(expected), _lines(actual)
    else:
        theirs = _shown_lines(expected, expected_parsed)
        ours = _shown_lines(actual, actual_parsed)
    lines = [str(line) for line in difflib.unified_diff(theirs, ours,
                                                         expected_name, actual_name)]
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def _hmac_check(name: str, label: str, manifest: bytes, job_id: str, expected: str,
                key: str) -> Check:
    try:
        verify(manifest, expected, key, job_id=job_id)
    except BadSignature as exc:
        return Check(name, False, f"HMAC over {label} with job id {job_id} is {exc.expected}, "
                     f"not {exc.actual} ({ALGORITHM_NOTE})")
    return Check(name, True, f"HMAC over {label} with job id {job_id} equals {expected} "
                 f"({ALGORITHM_NOTE})")


def _device_check(device_file: bytes | None, device_label: str, expected: str) -> Check:
    """The device's SIGNATURE against SignatureFileContents: the one decision
    (``signature.device_signature_verdict``) the dock and write-signature use too."""
    verdict = device_signature_verdict(device_file, expected)
    return Check("device-file-matches", verdict.ok, f"{device_label} {verdict.detail}",
                 about_signature=True)


@dataclass(frozen=True, slots=True)
class _Job:
    """Everything verify_status was given, for the checks of the table below."""

    status: JobStatus
    parsed: SignatureFile | None
    # SignatureFileContents' findings as AWS returned it (None: there is none)
    contents_findings: tuple[Diagnostic, ...] | None
    manifest: ManifestInput | None
    device_file: bytes | None
    device_label: str | None
    key: str | None
    key_missing_reason: str
    show_secrets: bool
    status_label: str


def _device_root(job: _Job) -> str:
    import os

    return os.path.dirname(job.device_label or "") or "DEVICE_ROOT"


def _check_signature_file(job: _Job) -> list[Check]:
    if job.contents_findings is None:
        return [Check("signature-file-parses", None,
                      "the status output has no SignatureFileContents", about_signature=True)]
    check = _parse_check("signature-file-parses", "SignatureFileContents", job.parsed,
                         job.contents_findings)
    return [_with_next(check, "SignatureFileContents is what AWS returned: read get-status "
                       "again, as --output json, and compare")]


def _check_job_id(job: _Job) -> list[Check]:
    if job.parsed is None or job.status.JobId is None:
        return [Check("job-id-matches", None, "needs JobId and a parsed "
                      "SignatureFileContents", about_signature=True)]
    same = job.parsed.job_id.upper() == job.status.JobId.upper()
    return [_with_next(Check("job-id-matches", same, f"SignatureFileContents jobId "
                             f"{job.parsed.job_id} {'equals' if same else 'differs from'} "
                             f"JobId {job.status.JobId}", about_signature=True),
                       "the file mixes two jobs' output: run get-status for the job again")]


def _check_signature(job: _Job) -> list[Check]:
    if job.parsed is None or job.status.Signature is None:
        return [Check("signature-matches", None, "needs Signature and a parsed "
                      "SignatureFileContents", about_signature=True)]
    same = job.parsed.signature == job.status.Signature
    return [_with_next(Check("signature-matches", same, f"SignatureFileContents signature "
                             f"{job.parsed.signature} {'equals' if same else 'differs from'} "
                             f"Signature {job.status.Signature}", about_signature=True),
                       "the file mixes two readings: run get-status for the job again")]


def _check_manifest(job: _Job) -> list[Check]:
    if job.manifest is None:
        return []
    local, label = job.manifest, job.manifest.label
    current = job.status.CurrentManifest
    if current is None:
        return [Check("manifest-matches", None, "the status output has no CurrentManifest")]
    if canonical_manifest(local.data) == canonical_manifest(current.encode("utf-8")):
        return [Check("manifest-matches", True, f"{label} equals "
                      "CurrentManifest (CRLF and LF compared alike)")]
    from ..manifest.parse import parse_manifest

    text = local.data.decode("utf-8", errors="replace")
    # One parse of each: the field comparison and the redaction of the diff share them
    # (the job's when the text shown is the bytes it parsed).
    theirs = parse_manifest(current.encode("utf-8"))
    same_text = text.encode("utf-8") == local.data
    diff = manifest_diff(current, text, job.show_secrets, actual_name=label,
                         expected_parsed=theirs,
                         actual_parsed=local.parsed if same_text else None)
    fields = compare_fields(theirs, local.parsed, job.show_secrets, our_name=label)
    if fields is not None and fields.same:
        return [Check("manifest-matches", True, f"{label} has the same fields "
                      f"and values as CurrentManifest{fields.note}; the text differs in form "
                      f"only:\n{diff}")]
    what = f" ({fields.summary})" if fields is not None else ""
    return [Check("manifest-matches", False, f"{label} differs from "
                  f"CurrentManifest{what}:\n{diff}",
                  f"if AWS's CurrentManifest is right, fix {label}; if your file "
                  "is, sign it (manifest-tools sign) and send it with 'aws importexport "
                  "update-job'")]


def _check_device(job: _Job) -> list[Check]:
    if job.device_label is None:
        return []
    contents = job.status.SignatureFileContents
    if contents is None:
        return [Check("device-file-matches", None, "the status output has no "
                      "SignatureFileContents")]
    return [_with_next(_device_check(job.device_file, job.device_label, contents),
                       f"rewrite it: manifest-tools write-signature {_device_root(job)} "
                       f"--status {job.status_label} --force")]


def _check_hmac(job: _Job) -> list[Check]:
    s, current = job.status, job.status.CurrentManifest
    if job.key is None:
        return [Check("hmac", None, f"{job.key_missing_reason}; the HMAC was not recomputed")]
    if s.JobId is None or s.Signature is None:
        return [Check("hmac", None, "needs JobId and Signature")]
    if current is None and job.manifest is None:
        return [Check("hmac", None, "no manifest to recompute the HMAC over: the status "
                      "output has no CurrentManifest and no --manifest was given")]
    checks = []
    if current is not None:
        checks.append(_with_next(
            _hmac_check("hmac-current-manifest", "CurrentManifest", current.encode("utf-8"),
                        s.JobId, s.Signature, job.key),
            "the key is not the one of the account that created the job (check --profile "
            "or --key-file), or AWS signed in its undocumented way; the SIGNATURE to ship "
            f"is SignatureFileContents: manifest-tools write-signature {_device_root(job)} "
            f"--status {job.status_label}"))
    if job.manifest is not None:
        label = job.manifest.label
        checks.append(_with_next(
            _hmac_check("hmac-local-manifest", label, job.manifest.data, s.JobId,
                        s.Signature, job.key),
            f"{label} is not the manifest AWS signed: ship AWS's "
            "SignatureFileContents, or re-sign your file and send it with 'aws importexport "
            "update-job'"))
    return checks


def _check_progress(job: _Job) -> list[Check]:
    progress = job.status.ProgressCode
    if progress is None:
        return [Check("progress", None, "the status output has no ProgressCode")]
    if progress in SIGNATURE_FAILURES:
        step = next_step(progress, status=job.status_label, device=_device_root(job),
                         location=job.status.LocationCode)
        return [Check("progress", False, f"ProgressCode {progress}", step or "")]
    return [Check("progress", True, f"ProgressCode {progress}")]


# The checks of verify_status, in the order they are reported; each returns its checks
# (none when its input was not given, e.g. no --manifest).
STATUS_CHECKS: tuple[Callable[[_Job], list[Check]], ...] = (
    _check_signature_file, _check_job_id, _check_signature, _check_manifest, _check_device,
    _check_hmac, _check_progress,
)


def verify_job(job: Job, *, show_secrets: bool = False) -> Verification:
    """``verify``: every check the job's inputs allow, against get-status output when the
    job has one, else the SIGNATURE (the device's or a file) on its own. Raises what the
    device reader raised (DeviceError) and InputError when there is no SIGNATURE to check."""
    if job.status is not None:
        return verify_status(job, show_secrets=show_secrets)
    label = job.device.label if job.device is not None else (
        job.signature_file.label if job.signature_file is not None else "")
    data = job.device.signature_bytes() if job.device is not None else (
        job.signature_file.data if job.signature_file is not None else None)
    if data is None:
        raise InputError(f"{label}: no such file", label)
    return verify_signature_file(data, label, manifest=job.manifest,
                                 key=job.key.value if job.key else None,
                                 key_missing_reason=job.key.missing if job.key else "")


def verify_status(job: Job, *, show_secrets: bool = False) -> Verification:
    """Run every check that the inputs allow against the job's get-status output.

    A device (``job.device``) asked for with no SIGNATURE is a failed check; a SIGNATURE
    file (``job.signature_file``) is a copy to write, not the device's: it is compared as
    write-signature would write it, and what it adds is a failed check.
    """
    assert job.status is not None
    status_input = job.status
    status = status_input.require().status
    contents = status_input.signature
    parsed = contents.parsed if contents is not None else None
    found = contents.findings if contents is not None else None
    copy: list[Check] = []
    device_file: bytes | None = None
    device_label: str | None = None
    if job.device is not None:
        device_file, device_label = job.device.signature_bytes(), job.device.label
    elif job.signature_file is not None:
        device_label = job.signature_file.label
        rebuilt, copy = copy_checks(job.signature_file.data, device_label)
        if rebuilt is None:  # a JSON string: said once, not also compared byte for byte
            device_label = None
        else:
            device_file = rebuilt
    key = job.key.value if job.key is not None else None
    missing = job.key.missing if job.key is not None else "no secret key given"
    state = _Job(status, parsed, found, job.manifest, device_file, device_label, key,
                 missing, show_secrets, status_input.label)
    checks = [*copy, *(c for run in STATUS_CHECKS for c in run(state))]
    return Verification(status.JobId, tuple(checks))


def copy_checks(data: bytes, label: str) -> tuple[bytes | None, list[Check]]:
    """A SIGNATURE file a user saved, as write-signature --signature-file would write it:
    (the bytes it would write, or None when it refuses; the checks that say why).

    What an editor or the CLI added (a BOM, CR LF, an extra empty line) is a failed
    ``signature-file-bytes`` check even though write-signature rebuilds the lines: those
    bytes copied by hand onto a device are not the SIGNATURE AWS sent."""
    copy, findings = read_signature_copy(data)
    if copy is None:
        errors = [d for d in findings if d.is_error]
        if len(errors) == 1 and errors[0].rule == "MT421":
            return None, [Check("signature-file-parses", False,
                                f"{label}: MT421 {errors[0].message}", errors[0].hint or "",
                                about_signature=True)]
        return data, []
    if not copy.removed:
        return data, []
    return copy.contents, [Check(
        "signature-file-bytes", False,
        f"{label} holds what an editor or the AWS CLI added to the four lines: "
        f"{'; '.join(copy.removed)}; copied byte for byte onto a device it is not the "
        "SIGNATURE AWS sent",
        f"write it with manifest-tools write-signature DEVICE_ROOT --signature-file {label}, "
        "which writes the four lines without them", about_signature=True)]


def verify_signature_file(signature_file: bytes, label: str, *,
                          manifest: ManifestInput | None, key: str | None = None,
                          key_missing_reason: str = "no secret key given") -> Verification:
    """Check a SIGNATURE file on its own, and against a manifest when a key is given."""
    contents, copy = copy_checks(signature_file, label)
    if contents is None:
        return Verification(None, tuple(copy))
    parsed, findings = parse_signature_file(contents)
    check = _parse_check("signature-file-parses", label, parsed, findings)
    checks = [*copy, _with_next(check, f"fix {label}, or write it again with manifest-tools "
                                "write-signature")]
    if parsed is None:
        checks.append(Check("hmac-local-manifest", None, f"{label} could not be parsed"))
    elif manifest is None:
        checks.append(Check("hmac-local-manifest", None, "no manifest given (--manifest)"))
        checks.append(Check("job-matches", None, f"{label} was not compared with the job: "
                            "give --status FILE (get-status output) to compare it with the "
                            "job's SignatureFileContents"))
    elif key is None:
        checks.append(Check("hmac-local-manifest", None,
                            f"{key_missing_reason}; the HMAC was not recomputed"))
    else:
        name = manifest.label
        try:
            checks.append(_with_next(
                _hmac_check("hmac-local-manifest", name, manifest.data, parsed.job_id,
                            parsed.signature, key),
                f"{label} was not made from {name} with this key: sign it again "
                f"(manifest-tools sign {name} --job-id {parsed.job_id}) and write "
                "the result (write-signature --signature-file)"))
        except SignatureError as exc:
            checks.append(Check("hmac-local-manifest", False, str(exc)))
    return Verification(parsed.job_id if parsed else None, tuple(checks))
