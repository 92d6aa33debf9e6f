"""What a get-status or create-job reading is: the job's members, the form it came in.

Shared by the JSON/YAML reader (:mod:`.read`) and the text reader (:mod:`.text`), which
import this module and never each other's internals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Literal, NoReturn

from ..diagnostics import Diagnostic, error
from ..errors import StatusFormatError

StatusForm = Literal["json", "yaml", "table", "text", "documentation", "powershell", "python",
                     "xml"]


# botocore model order (= ``--output json`` order); create-job adds WarningMessage.
STRING_MEMBERS: tuple[str, ...] = (
    "JobId", "JobType", "LocationCode", "LocationMessage", "ProgressCode", "ProgressMessage",
    "Carrier", "TrackingNumber", "LogBucket", "LogKey", "Signature", "SignatureFileContents",
    "CurrentManifest", "CreationDate", "WarningMessage",
)
MEMBERS: tuple[str, ...] = (*STRING_MEMBERS, "ErrorCount", "ArtifactList")
# Members a response may carry that are not part of the job's status.
IGNORED_MEMBERS = frozenset({"ResponseMetadata"})


@dataclass(frozen=True)
class Artifact:
    Description: str
    URL: str


@dataclass(frozen=True)
class JobStatus:
    """One job's status, AWS member names; ``None`` when the member was absent."""

    JobId: str | None = None
    JobType: str | None = None
    LocationCode: str | None = None
    LocationMessage: str | None = None
    ProgressCode: str | None = None
    ProgressMessage: str | None = None
    Carrier: str | None = None
    TrackingNumber: str | None = None
    LogBucket: str | None = None
    LogKey: str | None = None
    ErrorCount: int | None = None
    Signature: str | None = None
    SignatureFileContents: str | None = None
    CurrentManifest: str | None = None
    CreationDate: str | None = None
    ArtifactList: tuple[Artifact, ...] = ()
    WarningMessage: str | None = None

    def to_json(self) -> dict[str, object]:
        """Member names to values, absent members omitted (an empty ArtifactList too)."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "ArtifactList":
                if value:
                    out["ArtifactList"] = [
                        {"Description": a.Description, "URL": a.URL} for a in value
                    ]
            elif value is not None:
                out[f.name] = value
        return out


@dataclass(frozen=True)
class StatusReading:
    status: JobStatus
    form: StatusForm
    diagnostics: tuple[Diagnostic, ...]
    uncertain: tuple[str, ...]

# ErrorCount as AWS prints it; a sign is accepted from JSON/YAML, where it is a number.
INTEGER = re.compile(r"[+-]?[0-9]{1,10}")


def fail(message: str, line: int = 1, column: int = 1) -> NoReturn:
    """Raise the one error of an unreadable input (rule MT501) at ``line``:``column``."""
    raise StatusFormatError(message, diagnostics=[error("MT501", message, line, column)])
