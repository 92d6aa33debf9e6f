"""The six operations of the 2010-06-01 API over the store: params in, result members out.

Each operation takes the caller's account (its access key id) and the request's form
parameters, and returns the members of its ``OpResult`` in the model's order (absent
members are left out), or raises :class:`ServiceError` with the model's exception name.
A job is visible to its owner only: another account's JobId answers
``InvalidJobIdException`` exactly like a JobId that was never issued.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ..aws import JOB_ID_ALPHABET, JOB_ID_LENGTH
from ..credentials import SecretKey
from ..inputs import MANIFEST_LIMIT
from ..signature import canonical_manifest, render_signature_file, sign
from .errors import ServiceError
from .judge import judge
from .protocol import Members, Value, boolean, clean, integer, member_list, text
from .store import STATUS_MEMBERS, Job, Store

Params = Mapping[str, bytes]
# ListJobs without MaxJobs (the model names no default; AWS's reference said 1000).
DEFAULT_MAX_JOBS = 1000
ADDRESS_FIELDS = ("name", "company", "street1", "street2", "street3", "city",
                  "stateOrProvince", "postalCode", "phoneNumber", "country")
LABEL_REQUIRED = ("name", "street1", "city", "postalCode", "phoneNumber", "country")


# Jobs one account may create in 24 hours. AWS: "Each account can create only a certain
# number of jobs per day" (CreateJobQuotaExceededException, botocore model) without the
# number; this bounds what one key holder can make the store hold.
JOBS_PER_DAY = 1000


@dataclass(frozen=True)
class Context:
    store: Store
    keys: Mapping[str, SecretKey]
    base_url: str
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    jobs_per_day: int = JOBS_PER_DAY
    # Where JobIds come from: random, or a seeded sequence (manifest_tools.testing's seed).
    new_job_id: Callable[[], str] = lambda: _new_job_id()

    def stamp(self) -> str:
        return f"{self.now():%Y-%m-%dT%H:%M:%SZ}"

    def signer(self, account: str, manifest: bytes) -> Callable[[str], tuple[str, str]]:
        """Signature and SignatureFileContents of ``manifest`` for a JobId, with the
        account's secret key."""
        secret = self.keys[account].value

        def signed(job_id: str) -> tuple[str, str]:
            sig = sign(manifest, job_id, secret)
            return sig.signature, render_signature_file(sig).decode("ascii")

        return signed


def _own_job(ctx: Context, account: str, params: Params) -> Job:
    job_id = text(params, "JobId", required=True) or ""
    job = ctx.store.job(account, job_id)
    if job is None:
        raise ServiceError("InvalidJobIdException", f"No such job {clean(job_id, 40)!r} for "
                           "your account. You can only return information about jobs you own.")
    return job


def _artifacts(ctx: Context, job: Job) -> list[Members]:
    return [[("Description", "Shipping label (printable, this service)"),
             ("URL", label_url(ctx, job))]]


def label_url(ctx: Context, job: Job) -> str:
    return f"{ctx.base_url}/labels/{job.label_token}"


def _not_canceled(job: Job) -> None:
    if job.canceled:
        raise ServiceError("CanceledJobIdException",
                           f"The job {job.job_id} has been canceled and is no longer valid.")


def _new_job_id() -> str:
    return "".join(secrets.choice(JOB_ID_ALPHABET) for _ in range(JOB_ID_LENGTH))


def _with_warning(members: Members, message: str | None) -> Members:
    return [*members, ("WarningMessage", message)] if message else members


def _job_parameters(params: Params) -> tuple[str, bytes, bool]:
    """JobType, Manifest and ValidateOnly: what CreateJob and UpdateJob both require."""
    job_type = text(params, "JobType", required=True) or ""
    manifest = params.get("Manifest")
    if manifest is None:
        raise ServiceError("MissingParameterException", "the request must contain the "
                           "parameter Manifest")
    for name in ("Manifest", "ManifestAddendum"):
        size = len(params.get(name) or b"")
        if size > MANIFEST_LIMIT:
            # The toolkit's own manifest limit (inputs.MANIFEST_LIMIT): the body limit is
            # larger only because percent-encoding may triple a manifest.
            raise ServiceError("MalformedManifestException", f"Your manifest is not "
                               f"well-formed: {name} is {size} bytes, more than the "
                               f"{MANIFEST_LIMIT} bytes a manifest may have")
    return job_type, manifest, boolean(params, "ValidateOnly", required=True)


def create_job(ctx: Context, account: str, params: Params) -> Members:
    job_type, manifest, validate_only = _job_parameters(params)
    verdict = judge(manifest, job_type, account)
    if validate_only:
        return _with_warning([("JobType", job_type)], verdict.warning_message)
    job = ctx.store.create(account, job_type, verdict.job_type, manifest,
                           params.get("ManifestAddendum"), ctx.new_job_id,
                           ctx.signer(account, manifest), ctx.now(), ctx.jobs_per_day)
    members: Members = [("JobId", job.job_id), ("JobType", job.job_type),
                        ("Signature", job.signature),
                        ("SignatureFileContents", job.signature_file)]
    members = _with_warning(members, verdict.warning_message)
    return [*members, ("ArtifactList", _artifacts(ctx, job))]


def status_members(ctx: Context, job: Job) -> Members:
    """GetStatus's members in the model's order (the store's STATUS_MEMBERS, then the
    manifest and the artifacts); absent ones left out."""
    values: list[tuple[str, Value | None]] = [
        (name, getattr(job, column)) for name, column in STATUS_MEMBERS]
    values.insert(-1, ("CurrentManifest",
                       canonical_manifest(job.manifest).decode("utf-8", "replace")))
    values.append(("ArtifactList", _artifacts(ctx, job)))
    return [(name, value) for name, value in values if value is not None]


def get_status(ctx: Context, account: str, params: Params) -> Members:
    return status_members(ctx, _own_job(ctx, account, params))


def list_jobs(ctx: Context, account: str, params: Params) -> Members:
    limit = integer(params, "MaxJobs")
    limit = DEFAULT_MAX_JOBS if limit is None else limit
    if not 1 <= limit <= DEFAULT_MAX_JOBS:
        raise ServiceError("InvalidParameterException",
                           f"MaxJobs must be between 1 and {DEFAULT_MAX_JOBS}")
    marker = text(params, "Marker")
    before = None
    if marker:
        before = ctx.store.seq_of(account, marker)
        if before is None:
            raise ServiceError("InvalidParameterException", f"Marker {clean(marker, 40)!r} "
                               "is not one of your jobs")
    jobs = ctx.store.listing(account, limit + 1, before)
    listed: list[Members] = [[("JobId", job_id), ("CreationDate", created),
                              ("IsCanceled", bool(canceled)), ("JobType", job_type)]
                             for job_id, created, canceled, job_type in jobs[:limit]]
    return [("Jobs", listed), ("IsTruncated", len(jobs) > limit)]


def _received(job: Job, what: str, code: str) -> ServiceError:
    why = "its device is being received" if job.progress_code == "InProgress" else \
        "AWS has received its device"
    return ServiceError(code, f"The job {job.job_id} cannot be {what}: {why}.")


def _updatable(job: Job) -> None:
    _not_canceled(job)
    if job.received:
        raise _received(job, "updated", "UnableToUpdateJobIdException")


def _missed(ctx: Context, account: str, job: Job, what: str, code: str) -> ServiceError:
    """Why a conditional write on ``job`` found it changed: canceled or received."""
    now = ctx.store.job(account, job.job_id) or job
    _not_canceled(now)
    return _received(now, what, code)


def update_job(ctx: Context, account: str, params: Params) -> Members:
    job = _own_job(ctx, account, params)
    job_type, manifest, validate_only = _job_parameters(params)
    _updatable(job)
    verdict = judge(manifest, job_type, account)
    if job_type != job.job_type:
        raise ServiceError("InvalidParameterException", f"JobType {job_type} differs from "
                           f"the job's ({job.job_type}); create a new job instead")
    if not validate_only:
        # Each change is one conditional write on the job still open (store.OPEN), so a
        # receive that claimed it meanwhile makes the write miss (check-then-act).
        signature, signature_file = ctx.signer(account, manifest)(job.job_id)
        if not ctx.store.replace_manifest(job.job_id, manifest, verdict.job_type, signature,
                                          signature_file):
            raise _missed(ctx, account, job, "updated", "UnableToUpdateJobIdException")
    members = _with_warning([("Success", True)], verdict.warning_message)
    return [*members, ("ArtifactList", _artifacts(ctx, job))]


def cancel_job(ctx: Context, account: str, params: Params) -> Members:
    job = _own_job(ctx, account, params)
    _not_canceled(job)
    if job.received:
        raise _received(job, "canceled", "UnableToCancelJobIdException")
    if not ctx.store.cancel(job.job_id):
        raise _missed(ctx, account, job, "canceled", "UnableToCancelJobIdException")
    return [("Success", True)]


def label_address(job: Job, params: Params | None = None) -> dict[str, str]:
    """The sender's address: the manifest's returnAddress, each field the request gives
    replacing the manifest's."""
    from ..manifest.parse import parse_manifest

    given = parse_manifest(job.manifest).data.get("returnAddress")
    address = {k: v for k, v in given.items() if isinstance(v, str)} \
        if isinstance(given, dict) else {}
    for name in ADDRESS_FIELDS:
        value = text(params or {}, name)
        if value is not None:
            address[name] = value
    return {k: address[k] for k in ADDRESS_FIELDS if address.get(k, "").strip()}


def get_shipping_label(ctx: Context, account: str, params: Params) -> Members:
    job_ids = member_list(params, "jobIds")
    if not job_ids:
        raise ServiceError("MissingParameterException", "the request must contain at least "
                           "one jobIds.member.N")
    jobs = [_own_job(ctx, account, {"JobId": j.encode("utf-8")}) for j in job_ids]
    for job in jobs:
        _not_canceled(job)
    address = label_address(jobs[0], params)
    missing = [name for name in LABEL_REQUIRED if name not in address]
    if missing:
        raise ServiceError("InvalidAddressException", f"The address for the label lacks "
                           f"{', '.join(missing)} (give them, or put them in the manifest's "
                           "returnAddress)")
    token = secrets.token_urlsafe(16)
    ctx.store.add_label(token, account, job_ids, json.dumps(address), ctx.stamp())
    return [("ShippingLabelURL", f"{ctx.base_url}/labels/{token}"),
            ("Warning", "This label comes from a local rehearsal service: no carrier will "
             "accept it.")]


def label_for(ctx: Context, token: str) -> tuple[list[str], dict[str, str], str] | None:
    """(job ids, sender address, date) behind a label URL: a GetShippingLabel label or a
    job's own ArtifactList label. The token is the capability; no signature is needed."""
    # A canceled job ships nothing: its label (and any label naming it) stops serving the
    # name and address it holds.
    found = ctx.store.label(token)
    if found is not None:
        jobs = [ctx.store.job_by_id(job_id) for job_id in found[0]]
        if any(job is None or job.canceled for job in jobs):
            return None
        return found[0], json.loads(found[1]), found[2]
    job = ctx.store.job_by_label_token(token)
    if job is None or job.canceled:
        return None
    return [job.job_id], label_address(job), job.creation_date


OPERATIONS: dict[str, Callable[[Context, str, Params], Members]] = {
    "CreateJob": create_job,
    "GetStatus": get_status,
    "ListJobs": list_jobs,
    "UpdateJob": update_job,
    "CancelJob": cancel_job,
    "GetShippingLabel": get_shipping_label,
}
