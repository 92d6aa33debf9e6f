"""What ``service receive`` and ``service return`` tell the operator (pure functions)."""

from __future__ import annotations

from ..service.dock import Receipt
from ..service.store import Job


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
