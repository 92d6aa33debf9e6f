"""Which kind of job a manifest describes, read from its fields (or forced by the user)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from ..diagnostics import Diagnostic, error


class JobType(StrEnum):
    """The four job types; values are the names the CLI's ``--job-type`` takes."""

    IMPORT = "import"
    EXPORT = "export"
    EBS = "ebs"
    GLACIER = "glacier"

    @property
    def schema_file(self) -> str:
        return _SCHEMA_FILES[self]

    @property
    def described(self) -> str:
        """The job type in a sentence, with its article: 'an EBS import job'."""
        return _DESCRIBED[self]



_SCHEMA_FILES = {
    JobType.IMPORT: "s3-import.schema.json",
    JobType.EXPORT: "s3-export.schema.json",
    JobType.EBS: "ebs-import.schema.json",
    JobType.GLACIER: "glacier-import.schema.json",
}
_DESCRIBED = {
    JobType.IMPORT: "an S3 import job",
    JobType.EXPORT: "an S3 export job",
    JobType.EBS: "an EBS import job",
    JobType.GLACIER: "a Glacier import job",
}
_DESTINATIONS = {"glacier": JobType.GLACIER, "ebs-snapshot": JobType.EBS}


def detect_job_type(data: Mapping[str, Any],
                    position: tuple[int, int] = (1, 1)) -> tuple[JobType | None, list[Diagnostic]]:
    """Detect the job type from content.

    ``bucket`` means S3 import; ``fileSystem`` or ``operations`` items with ``exportBucket``
    mean S3 export; 3.0 ``operations`` items' ``destination`` decide EBS or Glacier.
    """
    candidates: set[JobType] = set()
    operations = data.get("operations")
    items = operations if isinstance(operations, list) else []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        destination = item.get("destination")
        if isinstance(destination, str) and destination.strip().lower() in _DESTINATIONS:
            candidates.add(_DESTINATIONS[destination.strip().lower()])
        if "exportBucket" in item:
            candidates.add(JobType.EXPORT)
    if "fileSystem" in data:
        candidates.add(JobType.EXPORT)
    if "bucket" in data:
        candidates.add(JobType.IMPORT)
    if not candidates:
        version = data.get("manifestVersion")
        if isinstance(version, str) and version.strip() == "3.0":
            message = ("cannot tell EBS from Glacier import: no operations item has "
                       "'destination: ebs-snapshot' or 'destination: glacier'")
        else:
            message = ("cannot tell the job type: no 'bucket' (S3 import), 'fileSystem' or "
                       "'operations' with 'exportBucket' (S3 export), or 3.0 'operations' "
                       "destination (EBS, Glacier)")
        return None, [error("MT205", message, *position, hint="pass --job-type")]
    if len(candidates) > 1:
        names = ", ".join(sorted(c.value for c in candidates))
        return None, [error("MT205", f"ambiguous job type: fields of several job types are "
                            f"present ({names})", *position, hint="pass --job-type")]
    return candidates.pop(), []
