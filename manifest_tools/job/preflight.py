"""``preflight`` as one operation on a job: the device walk, and with get-status output the
verifier's checks of the device's SIGNATURE and the manifest, merged as findings.

Each failed check of :func:`.verification.verify_status` becomes one MT619 finding; a check
about the SIGNATURE the device holds or is to hold (``Check.about_signature``) points at the
device's SIGNATURE (``path``), any other at no file. The job's one parse of the manifest and
its one set of key rules serve the walk and the checks alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..aws import SIGNATURE_NAME
from ..diagnostics import Diagnostic, Severity
from .verification import Check, verify_status

if TYPE_CHECKING:
    from ..device.preflight import KeyRow, KeysText, Preflight, Summary
    from .loader import Job

__all__ = ["check_finding", "preflight_job", "status_findings"]


def check_finding(check: Check) -> Diagnostic:
    """MT619 for a failed check of ``verify`` against get-status."""
    return Diagnostic("MT619", Severity.ERROR, f"{check.name}: {check.detail}",
                      path=SIGNATURE_NAME if check.about_signature else None)


def status_findings(job: Job, *, show_secrets: bool = False) -> list[Diagnostic]:
    """The failed checks of the job's get-status output against its device's SIGNATURE
    (read through the one device reader, as ``verify --device`` reads it) and its manifest,
    as findings; none without get-status output."""
    if job.status is None:
        return []
    if job.device is not None and job.device.error is not None:
        return [check_finding(Check("device-file-matches", False, "the device's SIGNATURE "
                                    f"cannot be checked: {job.device.error}",
                                    about_signature=True))]
    report = verify_status(job, show_secrets=show_secrets)
    return [check_finding(c) for c in report.checks if c.ok is False]


def preflight_job(root: str | os.PathLike[str], job: Job, *, show_secrets: bool = False,
                  on_rows: Callable[[list[KeyRow]], object] | None = None,
                  keys_text: KeysText | None = None,
                  progress: Callable[[Summary], object] | None = None,
                  jobs: int = 1) -> Preflight:
    """Check the device at ``root`` against the job's manifest (and get-status output, when
    the job has it): :func:`device.preflight.run_preflight` with the job's parsed manifest
    and key rules, and :func:`status_findings` merged in."""
    from ..device.preflight import run_preflight

    assert job.manifest is not None, "preflight needs the job's manifest"
    manifest = job.manifest
    findings = status_findings(job, show_secrets=show_secrets)
    return run_preflight(root, manifest.parsed, manifest.label, key_rules=manifest.key_rules,
                         extra_findings=findings, on_rows=on_rows, keys_text=keys_text,
                         progress=progress, jobs=jobs)
