"""The documented Python API: thin, stable functions over the library's modules.

Every import happens inside the function that needs it, so ``import manifest_tools`` stays
cheap (no YAML engine, no JSON Schema, no cryptography until first use). The functions never
print or exit; failures are exceptions derived from :class:`ManifestToolsError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .manifest.jobtype import JobType
    from .manifest.parse import Manifest
    from .manifest.validate import FileResult
    from .status import StatusReading


def load_manifest(data: bytes) -> Manifest:
    """Parse manifest bytes into a :class:`Manifest`; never raises for bad content.

    ``manifest.data`` holds the fields (every value is text, exactly as written),
    ``manifest.diagnostics`` the reading problems (rules MT1xx), and ``manifest.readable``
    is False when the bytes are not a manifest at all. Schema and cross-field rules are
    not run: use :func:`validate` for those.
    """
    from .manifest.parse import parse_manifest

    return parse_manifest(data)


def validate(data: bytes, path: str = "<bytes>",
             job_type: JobType | str | None = None) -> FileResult:
    """Validate one manifest: syntax, the job type's JSON Schema and cross-field rules.

    ``path`` only labels the result. ``job_type`` (a :class:`JobType` or one of
    ``"import"``, ``"export"``, ``"ebs"``, ``"glacier"``) skips detection; ``None`` reads it
    from the fields. Returns a :class:`FileResult` whose ``valid`` is False when any
    diagnostic is an error; never raises for bad content. An unknown ``job_type`` string
    raises :class:`UsageError`.
    """
    from .errors import UsageError
    from .manifest.jobtype import JobType
    from .manifest.validate import validate_bytes

    if isinstance(job_type, str) and not isinstance(job_type, JobType):
        try:
            job_type = JobType(job_type.lower())
        except ValueError:
            known = ", ".join(t.value for t in JobType)
            raise UsageError(f"unknown job type {job_type!r} (expected one of {known})"
                             ) from None
    return validate_bytes(data, path, job_type)


def sign(manifest: bytes, job_id: str, secret_key: str | bytes,
         version: str = "2.0") -> bytes:
    """The SIGNATURE file for ``manifest`` and ``job_id``, as the bytes to write to the disk.

    HMAC-SHA1 over the job id and the manifest bytes as given (CRLF counted as LF), AWS's
    documented algorithm. ``version`` is the SIGNATURE layout, ``"2.0"`` or ``"1.0"``. The
    manifest is not validated: call :func:`validate` first. Raises :class:`UsageError` for an
    unusable job id or version. The key never appears in any value or message.
    """
    from .signature import render_signature_file
    from .signature import sign as sign_manifest

    return render_signature_file(sign_manifest(manifest, job_id, secret_key, version))


def verify(manifest: bytes, signature_file: bytes, secret_key: str | bytes) -> None:
    """Check that a SIGNATURE file (its bytes) signs ``manifest`` with ``secret_key``.

    Returns None when it does. Raises :class:`BadSignature` when the signature does not
    match the manifest and the file's job id, :class:`FindingsError` (with ``diagnostics``)
    when ``signature_file`` is not a valid SIGNATURE file, :class:`SignatureError` for a
    signing method other than HmacSHA1.
    """
    from .errors import FindingsError
    from .signature import parse_signature_file
    from .signature import verify as verify_signature

    parsed, findings = parse_signature_file(signature_file)
    errors = [d for d in findings if d.is_error]
    if parsed is None or errors:
        raise FindingsError("not a valid SIGNATURE file", errors)
    verify_signature(manifest, parsed, secret_key)


def read_status(data: bytes) -> StatusReading:
    """Read ``aws importexport get-status`` (or create-job) output in any form.

    JSON, YAML, the CLI's table and text forms, documentation or e-mail copies of the text
    form, UTF-16/UTF-32 (Windows PowerShell) and console CR LF are detected automatically.
    Returns a :class:`StatusReading`: ``.status`` (a ``JobStatus`` with AWS's
    member names, e.g. ``.status.JobId``, ``.status.ProgressCode``), ``.form`` and
    ``.diagnostics``. Raises :class:`StatusFormatError` when the bytes are in no known form.
    """
    from .status import read_status as read

    return read(data)
