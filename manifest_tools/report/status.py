"""A readable summary of get-status output: where the device is, progress, what to do next."""

from __future__ import annotations

from ..redact import redact_manifest_text
from ..status.read import StatusReading

LOCATIONS = {
    "NotReceived": "not yet received by AWS",
    "AtAWS": "at AWS",
    "Returned": "returned to you",
}

# What the user should do next, by ProgressCode (domain notes §5; AWS's codes, open set).
NEXT_STEPS = {
    "Pending": "AWS has the job but not the device yet: write the SIGNATURE file "
    "(manifest-tools write-signature DEVICE_ROOT --status THIS_FILE) and ship the device.",
    "MissingSignature": "AWS found no SIGNATURE file in the root of the device. Write it with "
    "'manifest-tools write-signature DEVICE_ROOT --status THIS_FILE', check it with "
    "'manifest-tools verify --status THIS_FILE --device DEVICE_ROOT', and ship again.",
    "InvalidSignature": "The device's SIGNATURE does not match this job. Check it with "
    "'manifest-tools verify --status THIS_FILE --device DEVICE_ROOT' and rewrite it with "
    "'manifest-tools write-signature DEVICE_ROOT --status THIS_FILE --force'.",
    "MissingDevice": "AWS has not received the device: check the shipment.",
    "DeviceError": "AWS could not read the device: see the log and contact AWS.",
    "UnsupportedDeviceType": "The device type is not supported: see the AWS device "
    "requirements.",
    "UnsupportedFileFormat": "The device's file system is not supported.",
    "UnsupportedPowerSupply": "The device's power supply is not supported.",
    "SuccessWithErrors": "The job finished with errors: read the log (LogBucket/LogKey).",
    "Expired": "The job expired before AWS received the device: create a new job.",
    "Canceled": "The job was canceled.",
}


def summarise(reading: StatusReading, show_secrets: bool = False,
              status_path: str = "STATUS_FILE") -> str:
    """The text of ``manifest-tools status``; ``status_path`` fills in the advice."""
    s = reading.status
    lines = [f"Job {s.JobId or '?'}" + (f" ({s.JobType})" if s.JobType else "")]
    if s.CreationDate:
        lines.append(f"  created:    {s.CreationDate}")
    if s.LocationCode or s.LocationMessage:
        where = LOCATIONS.get(s.LocationCode or "", s.LocationCode or "")
        lines.append(f"  device:     {where}" + (f" - {s.LocationMessage}"
                                                  if s.LocationMessage else ""))
    if s.ProgressCode or s.ProgressMessage:
        lines.append(f"  progress:   {s.ProgressCode or '?'}"
                     + (f" - {s.ProgressMessage}" if s.ProgressMessage else ""))
    if s.Carrier or s.TrackingNumber:
        lines.append(f"  shipping:   {s.Carrier or '?'} {s.TrackingNumber or ''}".rstrip())
    if s.ErrorCount is not None:
        lines.append(f"  errors:     {s.ErrorCount}")
    if s.LogBucket or s.LogKey:
        lines.append(f"  log:        s3://{s.LogBucket or '?'}/{s.LogKey or ''}")
    if s.Signature:
        lines.append(f"  signature:  {s.Signature}")
    if s.WarningMessage:
        lines.append(f"  warning:    {s.WarningMessage}")
    for artifact in s.ArtifactList:
        lines.append(f"  artifact:   {artifact.Description} {artifact.URL}")
    step = NEXT_STEPS.get(s.ProgressCode or "")
    if step:
        shown = status_path if status_path != "-" else "STATUS_FILE"
        lines.append(f"  next:       {step.replace('THIS_FILE', shown)}")
    if s.CurrentManifest is not None:
        manifest = s.CurrentManifest if show_secrets else redact_manifest_text(s.CurrentManifest)
        lines.append("  manifest:")
        lines.extend(f"    {line}" for line in manifest.replace("\r\n", "\n").split("\n")
                     if line or False)
    if reading.form == "documentation":
        lines.append("  note:       read from a re-rendered copy (TABs lost); fields unsure: "
                     + (", ".join(reading.uncertain) or "none"))
    return "\n".join(lines) + "\n"
