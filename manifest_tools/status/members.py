"""A parsed mapping (JSON, YAML, table) to a JobStatus, member types checked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..diagnostics import Diagnostic, error, pointer_join, warning
from .model import IGNORED_MEMBERS, INTEGER, MEMBERS, Artifact, JobStatus, fail


def status_from_mapping(obj: Mapping[str, Any]) -> tuple[JobStatus, list[Diagnostic]]:
    """Check member types and build a JobStatus; problems become MT504/MT505 diagnostics."""
    diags: list[Diagnostic] = []
    values: dict[str, Any] = {}
    known = 0
    for key, value in obj.items():
        ptr = pointer_join("", key)
        if key in IGNORED_MEMBERS:
            continue
        if key not in MEMBERS:
            diags.append(warning("MT505", f"unknown member {key!r} ignored", pointer=ptr))
            continue
        known += 1
        if value is None:
            continue
        if key == "ErrorCount":
            count = _to_int(value)
            if count is None:
                diags.append(error("MT504", f"ErrorCount is not an integer: {value!r}",
                                   pointer=ptr))
            else:
                if not isinstance(value, int):
                    diags.append(warning("MT504", "ErrorCount printed as text, not a number",
                                         pointer=ptr))
                values[key] = count
        elif key == "ArtifactList":
            values[key] = _artifacts(value, ptr, diags)
        elif isinstance(value, str):
            values[key] = value
        else:
            diags.append(error("MT504", f"{key} is not a string: {type(value).__name__}",
                               pointer=ptr))
    if not known:
        fail("no get-status member (JobId, JobType, ProgressCode, ...) found; expected the "
              "output of 'aws importexport get-status' or 'create-job'")
    return JobStatus(**values), diags


def _to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and INTEGER.fullmatch(value):
        return int(value)
    return None


def _artifacts(value: Any, ptr: str, diags: list[Diagnostic]) -> tuple[Artifact, ...]:
    if not isinstance(value, list):
        diags.append(error("MT504", "ArtifactList is not a list", pointer=ptr))
        return ()
    out: list[Artifact] = []
    for i, item in enumerate(value):
        item_ptr = pointer_join(ptr, i)
        if not isinstance(item, dict):
            diags.append(error("MT504", "ArtifactList item is not an object", pointer=item_ptr))
            continue
        desc, url = item.get("Description", ""), item.get("URL", "")
        if not isinstance(desc, str) or not isinstance(url, str):
            diags.append(error("MT504", "Artifact Description and URL must be strings",
                               pointer=item_ptr))
            continue
        out.append(Artifact(desc, url))
    return tuple(out)

