"""A readable summary of get-status output: where the device is, progress, what to do next."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..aws import LOCATION_WORDS, next_step
from ..manifest.redact import redact_manifest_text
from ..status import JobStatus, StatusReading
from ..status.jobs import JobSummary
from .terminal import escape_controls


def _job_lines(s: JobStatus) -> Iterator[str]:
    """The labelled one-line facts of the summary, in a fixed order, absent ones skipped."""
    if s.CreationDate:
        yield f"  created:    {s.CreationDate}"
    if s.LocationCode or s.LocationMessage:
        where = LOCATION_WORDS.get(s.LocationCode or "", s.LocationCode or "")
        yield f"  device:     {where}" + (f" - {s.LocationMessage}" if s.LocationMessage else "")
    if s.ProgressCode or s.ProgressMessage:
        yield (f"  progress:   {s.ProgressCode or '?'}"
               + (f" - {s.ProgressMessage}" if s.ProgressMessage else ""))
    if s.Carrier or s.TrackingNumber:
        yield f"  shipping:   {s.Carrier or '?'} {s.TrackingNumber or ''}".rstrip()
    if s.ErrorCount is not None:
        yield f"  errors:     {s.ErrorCount}"
    if s.LogBucket or s.LogKey:
        yield f"  log:        s3://{s.LogBucket or '?'}/{s.LogKey or ''}"
    if s.Signature:
        yield f"  signature:  {s.Signature}"
    if s.WarningMessage:
        yield f"  warning:    {s.WarningMessage}"
    for artifact in s.ArtifactList:
        yield f"  artifact:   {artifact.Description} {artifact.URL}"


def summarise(reading: StatusReading, show_secrets: bool = False,
              status_path: str = "STATUS_FILE") -> str:
    """The text of ``manifest-tools status``; ``status_path`` fills in the advice."""
    s = reading.status
    lines = [f"Job {s.JobId or '?'}" + (f" ({s.JobType})" if s.JobType else "")]
    lines.extend(_job_lines(s))
    step = next_step(s.ProgressCode, status_path if status_path != "-" else "STATUS_FILE",
                     location=s.LocationCode)
    if step:
        lines.append(f"  next:       {step}")
    if s.CurrentManifest is not None:
        manifest = s.CurrentManifest if show_secrets else redact_manifest_text(s.CurrentManifest)
        lines.append("  manifest:")
        lines.extend(f"    {line}" for line in manifest.replace("\r\n", "\n").split("\n")
                     if line)
    if reading.form == "documentation":
        lines.append("  note:       read from a re-rendered copy (TABs lost); fields unsure: "
                     + (", ".join(reading.uncertain) or "none"))
    return escape_controls("\n".join(lines) + "\n")


def render_json(reading: StatusReading, show_secrets: bool = False,
                status_path: str = "STATUS_FILE") -> str:
    """The job's members as JSON (``--output json`` names), secrets masked unless asked."""
    import json

    data = reading.status.to_json()
    manifest = data.get("CurrentManifest")
    if isinstance(manifest, str) and not show_secrets:
        data["CurrentManifest"] = redact_manifest_text(manifest)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[StatusReading, bool, str], str]] = {
    "text": summarise, "json": render_json}


def summarise_jobs(jobs: tuple[JobSummary, ...]) -> str:
    """``status`` on list-jobs output: the jobs, and how to get one job's status."""
    if not jobs:
        return "list-jobs output: no jobs listed\n"
    lines = [f"list-jobs output: {len(jobs)} job{'s' if len(jobs) != 1 else ''}"]
    for job in jobs:
        state = " (canceled)" if job.IsCanceled else ""
        lines.append(f"  {job.JobId}  {job.JobType or '?':6}  {job.CreationDate or ''}"
                     f"{state}".rstrip())
    lines.append("  next:       for one job's status, run 'aws importexport get-status "
                 f"--job-id {jobs[0].JobId} > status.json' and 'manifest-tools status "
                 "status.json'")
    return escape_controls("\n".join(lines) + "\n")


def render_jobs_json(jobs: tuple[JobSummary, ...]) -> str:
    import json

    return json.dumps({"Jobs": [{k: v for k, v in (("JobId", j.JobId), ("JobType", j.JobType),
                                                   ("CreationDate", j.CreationDate),
                                                   ("IsCanceled", j.IsCanceled))
                                 if v is not None} for j in jobs]}, indent=2) + "\n"


JOB_RENDERERS: dict[str, Callable[[tuple[JobSummary, ...]], str]] = {
    "text": summarise_jobs, "json": render_jobs_json}
