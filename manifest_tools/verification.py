"""Verify a job: get-status output x local manifest x device SIGNATURE x secret key.

Every check says exactly what it compared and reports ``ok`` True/False, or None when it
could not run (and why). How the 2010 web service computed ``Signature`` was never
documented; the HMAC checks use the documented 2009 algorithm (Developer Guide 2009-05-20,
"SIGNATURE File Parameters") and say so.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .aws import SIGNATURE_FAILURES, next_step
from .errors import BadSignature, SignatureError
from .redact import redact_manifest_text
from .signature import (
    SignatureFile,
    canonical_manifest,
    parse_signature_file,
    verify,
)
from .status import JobStatus

ALGORITHM_NOTE = ("documented algorithm: base64(HMAC-SHA1(key, jobId + '\\n' + manifest with "
                  "CRLF->LF)); AWS never documented how the 2010 service signed")


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool | None  # None: could not run, detail says why
    detail: str


@dataclass(frozen=True, slots=True)
class Verification:
    job_id: str | None
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """True when every check that ran passed and at least one ran."""
        ran = [c for c in self.checks if c.ok is not None]
        return bool(ran) and all(c.ok for c in ran)

    def to_json(self) -> dict[str, object]:
        return {"ok": self.ok, "job_id": self.job_id,
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail}
                           for c in self.checks]}


def _parse_check(name: str, label: str, data: bytes) -> tuple[SignatureFile | None, Check]:
    parsed, findings = parse_signature_file(data)
    errors = [d for d in findings if d.is_error]
    if parsed is None or errors:
        listed = "; ".join(f"line {d.line}:{d.column} {d.rule} {d.message}" for d in errors[:5])
        return parsed, Check(name, False, f"{label} is not a valid SIGNATURE file: {listed}")
    note = ""
    warnings = [d for d in findings if not d.is_error]
    if warnings:
        note = " (warnings: " + "; ".join(d.message for d in warnings[:3]) + ")"
    return parsed, Check(name, True, f"{label} is a valid version {parsed.version} SIGNATURE "
                         f"file for job {parsed.job_id}{note}")


def _lines(text: str) -> list[str]:
    """Lines split at LF only (CRLF folded first), each keeping its end.

    Not ``str.splitlines``: it also splits at U+2028, FF and the like, which would cut a
    secret value in two and leave its second half outside the redacted line.
    """
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text.replace("\r\n", "\n"))


def manifest_diff(expected: str, actual: str, show_secrets: bool = False,
                  expected_name: str = "CurrentManifest", actual_name: str = "local") -> str:
    """Unified diff of two manifests (CRLF folded), secrets redacted unless asked.

    The diff is computed on the real text and each manifest line is redacted afterwards,
    so a changed secret still shows as a changed (masked) line instead of vanishing.
    """
    lines = list(difflib.unified_diff(_lines(expected), _lines(actual), expected_name,
                                      actual_name))
    if not show_secrets:
        # Lines 0-1 are the ---/+++ headers; every other line is "@@..." or one prefix
        # character (' ', '-', '+') followed by a manifest line.
        lines = lines[:2] + [line if line.startswith("@@") else
                             line[:1] + redact_manifest_text(line[1:]) for line in lines[2:]]
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
    name = "device-file-matches"
    if device_file is None:
        return Check(name, False, f"{device_label} does not exist: AWS would report "
                     "MissingSignature")
    wanted = expected.encode("utf-8")
    if device_file == wanted:
        return Check(name, True, f"{device_label} equals SignatureFileContents byte for byte")
    if device_file.rstrip(b"\r\n") == wanted.rstrip(b"\r\n") and \
            device_file.replace(b"\r\n", b"\n") != wanted.replace(b"\r\n", b"\n"):
        return Check(name, True, f"{device_label} equals SignatureFileContents except for the "
                     "trailing newline (readers accept both)")
    if device_file.replace(b"\r\n", b"\n") == wanted.replace(b"\r\n", b"\n"):
        return Check(name, False, f"{device_label} differs from SignatureFileContents only in "
                     "line endings (CRLF)")
    theirs, _ = parse_signature_file(device_file)
    ours, _ = parse_signature_file(wanted)
    if theirs is not None and ours is not None and theirs.job_id != ours.job_id:
        return Check(name, False, f"{device_label} is for job {theirs.job_id}, not "
                     f"{ours.job_id}: AWS would report InvalidSignature")
    return Check(name, False, f"{device_label} differs from SignatureFileContents: AWS would "
                 "report InvalidSignature")


def verify_status(status: JobStatus, *, manifest: bytes | None = None,
                  manifest_label: str = "the local manifest",
                  device_file: bytes | None = None, device_label: str | None = None,
                  key: str | None = None, key_missing_reason: str = "no secret key given",
                  show_secrets: bool = False) -> Verification:
    """Run every check that the inputs allow against get-status output.

    ``device_label`` set means a device file was asked for; ``device_file`` None then means
    the file is missing.
    """
    checks: list[Check] = []
    contents = status.SignatureFileContents
    parsed: SignatureFile | None = None
    if contents is None:
        checks.append(Check("signature-file-parses", None,
                            "the status output has no SignatureFileContents"))
    else:
        parsed, check = _parse_check("signature-file-parses", "SignatureFileContents",
                                     contents.encode("utf-8"))
        checks.append(check)
    if parsed is None or status.JobId is None:
        checks.append(Check("job-id-matches", None, "needs JobId and a parsed "
                            "SignatureFileContents"))
    else:
        same = parsed.job_id.upper() == status.JobId.upper()
        checks.append(Check("job-id-matches", same, f"SignatureFileContents jobId "
                            f"{parsed.job_id} {'equals' if same else 'differs from'} JobId "
                            f"{status.JobId}"))
    if parsed is None or status.Signature is None:
        checks.append(Check("signature-matches", None, "needs Signature and a parsed "
                            "SignatureFileContents"))
    else:
        same = parsed.signature == status.Signature
        checks.append(Check("signature-matches", same, f"SignatureFileContents signature "
                            f"{parsed.signature} {'equals' if same else 'differs from'} "
                            f"Signature {status.Signature}"))
    current = status.CurrentManifest
    if manifest is not None:
        if current is None:
            checks.append(Check("manifest-matches", None, "the status output has no "
                                "CurrentManifest"))
        elif canonical_manifest(manifest) == canonical_manifest(current.encode("utf-8")):
            checks.append(Check("manifest-matches", True, f"{manifest_label} equals "
                                "CurrentManifest (CRLF and LF compared alike)"))
        else:
            diff = manifest_diff(current, manifest.decode("utf-8", errors="replace"),
                                 show_secrets, actual_name=manifest_label)
            checks.append(Check("manifest-matches", False, f"{manifest_label} differs from "
                                f"CurrentManifest:\n{diff}"))
    if device_label is not None:
        if contents is None:
            checks.append(Check("device-file-matches", None, "the status output has no "
                                "SignatureFileContents"))
        else:
            checks.append(_device_check(device_file, device_label, contents))
    job_id = status.JobId
    if key is None:
        checks.append(Check("hmac", None, f"{key_missing_reason}; the HMAC was not recomputed"))
    elif job_id is None or status.Signature is None:
        checks.append(Check("hmac", None, "needs JobId and Signature"))
    elif current is None and manifest is None:
        checks.append(Check("hmac", None, "no manifest to recompute the HMAC over: the "
                            "status output has no CurrentManifest and no --manifest was given"))
    else:
        if current is not None:
            checks.append(_hmac_check("hmac-current-manifest", "CurrentManifest",
                                      current.encode("utf-8"), job_id, status.Signature, key))
        if manifest is not None:
            checks.append(_hmac_check("hmac-local-manifest", manifest_label, manifest, job_id,
                                      status.Signature, key))
    progress = status.ProgressCode
    if progress is None:
        checks.append(Check("progress", None, "the status output has no ProgressCode"))
    elif progress in SIGNATURE_FAILURES:
        checks.append(Check("progress", False, f"ProgressCode {progress}: "
                            f"{next_step(progress, status='STATUS')}"))
    else:
        checks.append(Check("progress", True, f"ProgressCode {progress}"))
    return Verification(job_id, tuple(checks))


def verify_signature_file(signature_file: bytes, label: str, *, manifest: bytes | None,
                          manifest_label: str = "the local manifest", key: str | None = None,
                          key_missing_reason: str = "no secret key given") -> Verification:
    """Check a SIGNATURE file on its own, and against a manifest when a key is given."""
    parsed, check = _parse_check("signature-file-parses", label, signature_file)
    checks = [check]
    if parsed is None:
        checks.append(Check("hmac-local-manifest", None, f"{label} could not be parsed"))
    elif manifest is None:
        checks.append(Check("hmac-local-manifest", None, "no manifest given (--manifest)"))
    elif key is None:
        checks.append(Check("hmac-local-manifest", None,
                            f"{key_missing_reason}; the HMAC was not recomputed"))
    else:
        try:
            checks.append(_hmac_check("hmac-local-manifest", manifest_label, manifest,
                                      parsed.job_id, parsed.signature, key))
        except SignatureError as exc:
            checks.append(Check("hmac-local-manifest", False, str(exc)))
    return Verification(parsed.job_id if parsed else None, tuple(checks))
