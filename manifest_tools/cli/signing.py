"""``sign`` and ``write-signature``: SIGNATURE contents, to stdout, a file or a device root."""

from __future__ import annotations

import sys
from dataclasses import replace
from enum import StrEnum
from typing import Annotated

import typer

from ..diagnostics import Severity
from ..errors import FindingsError, InputError, UsageError
from .common import (
    ExitCode,
    KeyFileOption,
    KeyOption,
    ProfileOption,
    err,
    err_diagnostic,
    load_credentials,
    manifest_bytes,
    status_reading,
)

# Findings on a value AWS returned that are written anyway (as warnings): the signature's
# shape (MT405) and the job id's (MT406 is a warning already).
AUTHORITATIVE = frozenset({"MT405"})


class SignatureVersion(StrEnum):
    V2 = "2.0"
    V1 = "1.0"


def _signature_contents(manifest: str, job_id: str, version: str, key_file: str | None,
                        profile: str | None, check: bool) -> bytes:
    from ..sign_checks import access_key_warning, job_id_warning
    from ..signature import render_signature_file, sign

    data = manifest_bytes(manifest, check=check)
    key = load_credentials(key_file, profile)
    for rule, message in (("MT406", job_id_warning(job_id)),
                          ("MT411", access_key_warning(data, key.access_key_id, key.source))):
        if message:
            err(f"warning: {rule} {message}")
    return render_signature_file(sign(data, job_id, key.value, version))


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
        try:
            with open(output, "wb") as stream:
                stream.write(contents)
        except OSError as exc:
            raise InputError(f"{output}: cannot write: {exc.strerror}", output) from None
        err(f"wrote {output}")
    return int(ExitCode.OK)


def signature_contents(status: str | None, manifest: str | None, job_id: str | None,
                   signature_file: str | None, key_file: str | None,
                   profile: str | None, check: bool = True) -> tuple[bytes, str]:
    """The SIGNATURE bytes to write and where they came from, from exactly one source."""
    from ..inputs import SIGNATURE_LIMIT, read_source
    from ..sniff import wrong_kind

    sources = [name for name, value in (("--status", status), ("--manifest", manifest),
                                        ("--signature-file", signature_file)) if value]
    if len(sources) != 1:
        raise UsageError("give exactly one of --status, --manifest (with --job-id) or "
                         "--signature-file")
    if manifest is not None:
        if job_id is None:
            raise UsageError("--manifest needs --job-id")
        contents = _signature_contents(manifest, job_id, "2.0", key_file, profile, check=check)
        return contents, f"signature of {manifest}"
    if status is not None:
        text = status_reading(status).status.SignatureFileContents
        if text is None:
            raise FindingsError(f"{status}: the status output has no SignatureFileContents")
        return text.encode("utf-8"), f"{status} (SignatureFileContents)"
    assert signature_file is not None
    data = read_source(signature_file, SIGNATURE_LIMIT).data
    hint = wrong_kind(data, "signature")
    if hint is not None:
        raise FindingsError(f"{signature_file}: MT410 {hint}")
    return data, signature_file


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
    from ..signature import parse_signature_file

    contents, origin = signature_contents(status, manifest, job_id, signature_file, key_file,
                                      profile, check=not no_validate)
    parsed, findings = parse_signature_file(contents)
    # AWS's SignatureFileContents is authoritative: an odd signature value (AWS's own
    # documentation prints a 29-character placeholder) is written, with a warning.
    lenient = status is not None
    errors = [d for d in findings if d.is_error and not (lenient and d.rule in AUTHORITATIVE)]
    for d in findings:
        if lenient and d.is_error and d.rule in AUTHORITATIVE:
            err_diagnostic(origin, replace(d, severity=Severity.WARNING))
    if parsed is None or errors:
        for d in errors:
            err_diagnostic(origin, d)
        raise FindingsError("refusing to write: the contents are not a valid SIGNATURE file")
    result = write_signature(device_root, contents, force=force)
    for message in result.warnings:
        err(f"warning: {message}")
    typer.echo(write_message(result, parsed.job_id))
    return int(ExitCode.OK)
