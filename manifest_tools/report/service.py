"""What ``service receive`` and ``service return`` tell the operator (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence

from ..service.dock import Receipt
from ..service.store import Job


def endpoint_hint(url: str) -> str:
    """The lines ``service run`` prints after its URL: how to point clients at it."""
    return (f"point clients at it: export AWS_ENDPOINT_URL_IMPORTEXPORT={url}  "
            f"(or AWS_ENDPOINT_URL={url} for every service; or --endpoint-url {url})\n")


JOB_COLUMNS = ("JOBID", "ACCOUNT", "TYPE", "LOCATION", "PROGRESS", "CREATED", "ERRORS")


def jobs_text(jobs: Sequence[Job]) -> str:
    """``service jobs``: one row per job, oldest first, columns aligned."""
    if not jobs:
        return "no jobs\n"
    rows = [JOB_COLUMNS] + [
        (j.job_id, j.account, j.job_type, j.location_code,
         "Canceled" if j.canceled else j.progress_code, j.creation_date,
         "" if j.error_count is None else str(j.error_count)) for j in jobs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(JOB_COLUMNS))]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                   .rstrip() + "\n" for row in rows)


def receipt_text(receipt: Receipt) -> str:
    if receipt.log_key is None:
        return (f"job {receipt.job_id}: {receipt.progress_code}: the device was not imported "
                "(get-status now says so)\n")
    lines = [f"job {receipt.job_id}: {receipt.progress_code}: {receipt.loaded} file(s) "
             f"imported, {receipt.ignored} ignored, {receipt.errors} error(s)",
             f"log: s3://{receipt.log_bucket}/{receipt.log_key} ({receipt.log_path})"]
    if receipt.copied:
        lines.append(f"objects copied: {receipt.copied}")
    for key in receipt.not_copied[:20]:
        lines.append(f"not copied (the key cannot be a file here): {key}")
    return "\n".join(lines) + "\n"


def returned_text(job: Job) -> str:
    tracking = f", tracking number {job.tracking_number}" if job.tracking_number else ""
    return f"job {job.job_id}: returned by {job.carrier}{tracking}\n"
