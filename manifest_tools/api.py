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


def _bytes(value: object, what: str, function: str) -> bytes:
    """The input as bytes; a clear TypeError for the usual mix-ups (text, a path)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    from os import PathLike

    if isinstance(value, str):
        hint = ("it is text: pass the file's bytes, e.g. Path(p).read_bytes(), or "
                "text.encode('utf-8')")
    elif isinstance(value, PathLike):
        hint = "it is a path: pass the file's bytes, e.g. Path(p).read_bytes()"
    else:
        hint = f"got {type(value).__name__}"
    raise TypeError(f"{function}() takes the {what} as bytes; {hint}")


def _key(secret_key: object, function: str) -> str | bytes:
    if not isinstance(secret_key, str | bytes):
        raise TypeError(f"{function}() takes the secret key as str or bytes, got "
                        f"{type(secret_key).__name__}")
    if not secret_key.strip():
        from .errors import UsageError

        raise UsageError("the secret access key is empty")
    return secret_key


def load_manifest(data: bytes) -> Manifest:
    """Parse manifest bytes into a :class:`Manifest`; never raises for bad content.

    ``manifest.data`` holds the fields (every value is text, exactly as written),
    ``manifest.diagnostics`` the reading problems (rules MT1xx), and ``manifest.readable``
    is False when the bytes are not a manifest at all. Schema and cross-field rules are
    not run: use :func:`validate` for those.
    """
    from .manifest.parse import parse_manifest

    return parse_manifest(_bytes(data, "manifest", "load_manifest"))


def validate(data: bytes, path: str = "<bytes>",
             job_type: JobType | str | None = None) -> FileResult:
    """Validate one manifest: syntax, the job type's JSON Schema and cross-field rules.

    ``path`` only labels the result. ``job_type`` (a :class:`JobType` or one of
    ``"import"``, ``"export"``, ``"ebs"``, ``"glacier"``) skips detection; ``None`` reads it
    from the fields. Returns a :class:`FileResult` whose ``valid`` is False when any
    diagnostic is an error; never raises for bad content. An unknown ``job_type`` string
    raises :class:`UsageError`; text or a path instead of bytes raises :class:`TypeError`.
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
    return validate_bytes(_bytes(data, "manifest", "validate"), path, job_type)


def sign(manifest: bytes, job_id: str, secret_key: str | bytes,
         version: str = "2.0") -> bytes:
    """The SIGNATURE file for ``manifest`` and ``job_id``, as the bytes to write to the disk.

    HMAC-SHA1 over the job id and the manifest bytes as given (CRLF counted as LF), AWS's
    documented algorithm. ``version`` is the SIGNATURE layout, ``"2.0"`` or ``"1.0"``. The
    manifest is not validated: call :func:`validate` first. Raises :class:`UsageError` for an
    unusable job id or version or an empty key, :class:`TypeError` when the manifest is not
    bytes. The key never appears in any value or message.
    """
    from .signature import render_signature_file
    from .signature import sign as sign_manifest

    data = _bytes(manifest, "manifest", "sign")
    return render_signature_file(sign_manifest(data, job_id, _key(secret_key, "sign"),
                                               version))


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

    data = _bytes(manifest, "manifest", "verify")
    key = _key(secret_key, "verify")
    parsed, findings = parse_signature_file(_bytes(signature_file, "SIGNATURE file",
                                                   "verify"))
    errors = [d for d in findings if d.is_error]
    if parsed is None or errors:
        raise FindingsError("not a valid SIGNATURE file", errors)
    verify_signature(data, parsed, key)


def read_status(data: bytes) -> StatusReading:
    """Read ``aws importexport get-status`` (or create-job) output in any form.

    JSON, YAML, the CLI's table and text forms, documentation or e-mail copies of the text
    form, UTF-16/UTF-32 (Windows PowerShell) and console CR LF are detected automatically.
    Returns a :class:`StatusReading`: ``.status`` (a ``JobStatus`` with AWS's
    member names, e.g. ``.status.JobId``, ``.status.ProgressCode``), ``.form`` and
    ``.diagnostics``. Raises :class:`StatusFormatError` when the bytes are in no known form.
    """
    from .status import read_status as read

    return read(_bytes(data, "get-status output", "read_status"))
