"""``verify``: a job's SIGNATURE, manifest and HMAC against get-status or on their own."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import FindingsError, InputError, UsageError
from .common import (
    ExitCode,
    FormatOption,
    KeyFileOption,
    KeyOption,
    ProfileOption,
    ReportFormat,
    ShowSecretsOption,
    manifest_bytes,
    optional_key,
    status_reading,
)


def _signature_bytes(device: str | None,
                     signature_file: str | None) -> tuple[bytes | None, str | None]:
    """The SIGNATURE to check and its label: the device's (through the one device reader,
    which refuses what write-signature refuses) or a file's."""
    import os

    from ..aws import SIGNATURE_NAME
    from ..device.signature import read_signature
    from ..inputs import SIGNATURE_LIMIT, read_source
    from ..sniff import wrong_kind

    if device is not None:
        return read_signature(device), os.path.join(device, SIGNATURE_NAME)
    if signature_file is not None:
        data = read_source(signature_file, SIGNATURE_LIMIT).data
        hint = wrong_kind(data, "signature")
        if hint is not None:
            raise FindingsError(f"{signature_file}: MT410 {hint}")
        return data, signature_file
    return None, None


def verify_command(
    status: Annotated[str | None, typer.Option("--status", metavar="FILE",
                                               help="get-status output, any form ('-': "
                                               "stdin).")] = None,
    manifest: Annotated[str | None, typer.Option("--manifest", metavar="M",
                                                 help="Your local manifest.")] = None,
    device: Annotated[str | None, typer.Option("--device", metavar="ROOT",
                                               help="Device root holding "
                                               "SIGNATURE.")] = None,
    signature_file: Annotated[str | None, typer.Option("--signature-file", metavar="F",
                                                       help="A SIGNATURE file.")] = None,
    output_format: FormatOption = ReportFormat.TEXT,
    show_secrets: ShowSecretsOption = False,
    key_file: KeyFileOption = None,
    profile: ProfileOption = None,
    key: KeyOption = None,
) -> int:
    """Check a job: SIGNATURE vs get-status, local manifest vs CurrentManifest, the HMAC."""
    from ..report.verification import RENDERERS
    from ..verification import verify_signature_file, verify_status

    if device is not None and signature_file is not None:
        raise UsageError("give --device or --signature-file, not both")
    if status is None and device is None and signature_file is None:
        raise UsageError("give --status, or --signature-file/--device with --manifest")
    key, why = optional_key(key_file, profile)
    local = manifest_bytes(manifest, check=False) if manifest is not None else None
    sig_bytes, label = _signature_bytes(device, signature_file)
    if status is not None:
        reading = status_reading(status)
        report = verify_status(reading.status, manifest=local, manifest_label=manifest or "",
                               device_file=sig_bytes, device_label=label, key=key,
                               key_missing_reason=why, show_secrets=show_secrets,
                               status_label=status, device_is_copy=signature_file is not None)
    else:
        if sig_bytes is None:
            raise InputError(f"{label}: no such file", label)
        report = verify_signature_file(sig_bytes, label or "", manifest=local,
                                       manifest_label=manifest or "", key=key,
                                       key_missing_reason=why)
    typer.echo(RENDERERS[output_format.value](report), nl=False)
    return int(ExitCode.OK if report.ok else ExitCode.FINDINGS)
