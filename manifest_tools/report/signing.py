"""What ``write-signature`` says it did."""

from __future__ import annotations

from ..device.signature import WriteResult


def write_message(result: WriteResult, job_id: str) -> str:
    if result.action == "unchanged":
        return (f"{result.path} already holds this SIGNATURE (job {job_id}); "
                "nothing written")
    if result.action == "replaced":
        return (f"replaced {result.path}: job {result.previous_job_id or '?'} -> "
                f"{job_id} (written atomically, read back and compared)")
    return (f"wrote {result.path} for job {job_id} (written atomically, read "
            "back and compared)")
