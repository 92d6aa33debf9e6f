"""``sign`` and ``write-signature``: SIGNATURE contents, to stdout, a file or a device root."""

from __future__ import annotations

import contextlib
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import FindingsError, InputError, UsageError
from .common import (
    ExitCode,
    KeyFileOption,
    KeyOption,
    ProfileOption,
    err,
    err_diagnostic,
    key_request,
    load,
    require_valid,
)

if TYPE_CHECKING:
    from ..job.loader import SignatureReading


class SignatureVersion(StrEnum):
    V2 = "2.0"
    V1 = "1.0"


def _signature_contents(manifest: str, job_id: str, version: str, key_file: str | None,
                        profile: str | None, check: bool) -> bytes:
    from ..job.sign_checks import access_key_warning, job_id_warning
    from ..signature import render_signature_file, sign

    job = load(manifest=manifest)
    assert job.manifest is not None
    if check:
        require_valid(job.manifest)
    key = load(key=key_request(key_file, profile, required=True)).key
    assert key is not None and key.key is not None
    secret = key.key
    for rule, message in (("MT406", job_id_warning(job_id)),
                          ("MT411", access_key_warning(job.manifest.parsed,
                                                       secret.access_key_id, secret.source))):
        if message:
            err(f"warning: {rule} {message}")
    return render_signature_file(sign(job.manifest.data, job_id, secret.value, version))


def sign_command(
    manifest: Annotated[str, typer.Argument(metavar="MANIFEST", help="Manifest file ('-': "
                                            "stdin). Its bytes are signed exactly as read.")],
    job_id: Annotated[str, typer.Option("--job-id", help="The JobId CreateJob returned.")],
    signature_version: Annotated[SignatureVersion, typer.Option(
        "--signature-version", help="SIGNATURE file layout version.")] = SignatureVersion.V2,
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                                               help="Write the file here instead of "
                                               "stdout.")] = None,
    no_validate: Annotated[bool, typer.Option("--no-validate", help="Sign even if the "
                                              "manifest has errors.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace a different existing "
                                        "--output file.")] = False,
    key_file: KeyFileOption = None,
    profile: ProfileOption = None,
    key: KeyOption = None,
) -> int:
    """Compute the SIGNATURE file for a manifest and job id (HMAC-SHA1, AWS's algorithm)."""
    contents = _signature_contents(manifest, job_id, signature_version.value, key_file,
                                   profile, check=not no_validate)
    if output is None:
        sys.stdout.buffer.write(contents)
        sys.stdout.flush()
    else:
        err(_write_output(output, contents, force))
    return int(ExitCode.OK)


def _job_id_of(data: bytes) -> str:
    from ..signature import parse_signature_file

    parsed, _ = parse_signature_file(data)
    return parsed.job_id if parsed is not None else "?"


def _write_output(output: str, contents: bytes, force: bool) -> str:
    """Write ``contents`` to ``output`` whole (a temporary file renamed over it); a different
    existing file is replaced only with ``force``, as write-signature does on a device."""
    import os
    import tempfile

    try:
        with open(output, "rb") as stream:
            previous: bytes | None = stream.read(len(contents) + 1)
    except FileNotFoundError:
        previous = None
    except OSError as exc:
        raise InputError(f"{output}: cannot write: {exc.strerror}", output) from None
    if previous == contents:
        return f"{output} already holds this SIGNATURE; nothing written"
    if previous is not None and not force:
        raise FindingsError(f"{output} already exists and differs (job {_job_id_of(previous)}; "
                            f"new job {_job_id_of(contents)}); use --force to replace it")
    folder = os.path.dirname(os.path.abspath(output))
    try:
        fd, temp = tempfile.mkstemp(prefix=".sign-", dir=folder)
    except OSError as exc:
        raise InputError(f"{output}: cannot write: {exc.strerror}", output) from None
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(contents)
        # mkstemp makes the file 0600; give it the mode open() would have (0666 - umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, output)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise InputError(f"{output}: cannot write: {exc.strerror}", output) from None
        raise
    return f"{'replaced' if previous is not None else 'wrote'} {output}"


def signature_contents(status: str | None, manifest: str | None, job_id: str | None,
                       signature_file: str | None, key_file: str | None,
                       profile: str | None, check: bool = True
                       ) -> tuple[bytes, str, SignatureReading]:
    """The SIGNATURE bytes to write, where they came from, and their reading (for
    get-status's SignatureFileContents, as AWS returned them), from exactly one source."""
    from ..job.loader import read_signature_contents
    from ..signature import read_signature_copy

    sources = [name for name, value in (("--status", status), ("--manifest", manifest),
                                        ("--signature-file", signature_file)) if value]
    if len(sources) != 1:
        raise UsageError("give exactly one of --status, --manifest (with --job-id) or "
                         "--signature-file")
    if manifest is not None:
        if job_id is None:
            raise UsageError("--manifest needs --job-id")
        contents = _signature_contents(manifest, job_id, "2.0", key_file, profile, check=check)
        return (contents, f"signature of {manifest}",
                read_signature_contents(contents, from_aws=False))
    if status is not None:
        given = load(status=status).status
        assert given is not None
        text = given.require().status.SignatureFileContents
        if given.signature is None or text is None:
            raise FindingsError(f"{status}: the status output has no SignatureFileContents")
        return text.encode("utf-8"), f"{status} (SignatureFileContents)", given.signature
    assert signature_file is not None
    saved = load(signature_file=signature_file).signature_file
    assert saved is not None
    copy, findings = read_signature_copy(saved.data)
    for d in findings:
        if copy is None and not d.is_error:
            continue
        err_diagnostic(signature_file, d)
        if d.hint:
            err(f"    hint: {d.hint}")
    if copy is None:
        raise FindingsError("refusing to write: the contents are not a valid SIGNATURE file")
    return copy.contents, signature_file, read_signature_contents(copy.contents,
                                                                  from_aws=False)


def write_signature_command(
    device_root: Annotated[str, typer.Argument(metavar="DEVICE_ROOT",
                                               help="Root folder of the mounted device.")],
    status: Annotated[str | None, typer.Option("--status", metavar="FILE", help="get-status "
                                               "or create-job output, any form ('-': "
                                               "stdin).")] = None,
    manifest: Annotated[str | None, typer.Option("--manifest", metavar="M",
                                                 help="Sign this manifest (needs --job-id "
                                                 "and a key).")] = None,
    job_id: Annotated[str | None, typer.Option("--job-id", help="Job id for "
                                               "--manifest.")] = None,
    signature_file: Annotated[str | None, typer.Option("--signature-file", metavar="F",
                                                       help="An existing SIGNATURE "
                                                       "file.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a different existing "
                                        "SIGNATURE.")] = False,
    no_validate: Annotated[bool, typer.Option("--no-validate", help="With --manifest: sign "
                                              "even if the manifest has errors.")] = False,
    key_file: KeyFileOption = None,
    profile: ProfileOption = None,
    key: KeyOption = None,
) -> int:
    """Write SIGNATURE into a device root atomically, read it back and compare."""
    from ..device.signature import write_signature
    from ..report.signing import write_message

    contents, origin, reading = signature_contents(
        status, manifest, job_id, signature_file, key_file, profile, check=not no_validate)
    # AWS's SignatureFileContents is authoritative: what the loader's reading made a
    # warning (``decided_by_aws``) is written, with the warning.
    parsed, errors = reading.parsed, reading.errors
    for d in reading.decided_by_aws:
        err_diagnostic(origin, d)
    if parsed is None or errors:
        for d in errors:
            err_diagnostic(origin, d)
        raise FindingsError("refusing to write: the contents are not a valid SIGNATURE file")
    result = write_signature(device_root, contents, force=force)
    for message in result.warnings:
        err(f"warning: {message}")
    typer.echo(write_message(result, parsed.job_id))
    return int(ExitCode.OK)
