"""Warnings at sign time: what makes a SIGNATURE AWS will not accept, though it computes.

The HMAC covers the job id exactly as given and the manifest's ``accessKeyId`` names the
account whose secret signs it (domain.md section 4), so a lower-case or mistyped job id, or
an access key id of another account, gives a well-formed SIGNATURE that AWS refuses.
Warnings only: AWS's documents never said that other job ids are impossible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..aws import ACCESS_KEY_MISMATCH_ERROR, JOB_ID_ALPHABET, JOB_ID_ISSUED, JOB_ID_LENGTH
from ..credentials import shown_access_key_id

if TYPE_CHECKING:
    from ..manifest.parse import Manifest


def job_id_warning(job_id: str) -> str | None:
    """Why ``job_id`` is not one AWS issues (5 characters of 1-9, A-Z without O), or None."""
    if JOB_ID_ISSUED.fullmatch(job_id):
        return None
    reasons = []
    if len(job_id) != JOB_ID_LENGTH:
        reasons.append(f"it has {len(job_id)} characters, not {JOB_ID_LENGTH}")
    if job_id != job_id.upper():
        reasons.append(f"it is not upper case (did you mean {job_id.upper()}?); the HMAC "
                       "differs by case")
    odd = sorted({ch for ch in job_id.upper() if ch not in JOB_ID_ALPHABET})
    if odd:
        reasons.append("it holds " + ", ".join(repr(ch) for ch in odd) + ", which AWS "
                       "never issues (no O and no 0 in job ids)")
    return (f"job id {job_id!r} is not one AWS issues: " + "; ".join(reasons)
            + ". Copy the JobId from create-job or list-jobs")


def manifest_access_key_id(manifest: Manifest) -> str | None:
    """The manifest's top-level accessKeyId, when it has a readable one."""
    value = manifest.data.get("accessKeyId")
    return value.strip() if isinstance(value, str) and value.strip() else None


def access_key_warning(manifest: Manifest, access_key_id: str | None,
                       source: str) -> str | None:
    """The manifest's accessKeyId (of the job loader's one parse) differs from the one
    beside the secret key, or None."""
    named = manifest_access_key_id(manifest)
    if named is None or access_key_id is None or named == access_key_id:
        return None
    return (f"the manifest's accessKeyId {shown_access_key_id(named)} is not the access key "
            f"id of the credentials used ({shown_access_key_id(access_key_id)}, from "
            f"{source}); AWS answers such a job with {ACCESS_KEY_MISMATCH_ERROR}. Sign with "
            "that account's secret key or fix accessKeyId")
