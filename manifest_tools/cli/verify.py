"""``verify``: a job's SIGNATURE, manifest and HMAC against get-status or on their own."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import UsageError
from .common import (
    ExitCode,
    FormatOption,
    KeyFileOption,
    KeyOption,
    ProfileOption,
    ReportFormat,
    ShowSecretsOption,
    key_request,
    load,
)


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
    from ..job.verification import verify_job
    from ..report.verification import RENDERERS

    if device is not None and signature_file is not None:
        raise UsageError("give --device or --signature-file, not both")
    if status is None and device is None and signature_file is None:
        raise UsageError("give --status, or --signature-file/--device with --manifest")
    job = load(key=key_request(key_file, profile, required=False), manifest=manifest,
               device=device, signature_file=signature_file, status=status)
    report = verify_job(job, show_secrets=show_secrets)
    typer.echo(RENDERERS[output_format.value](report), nl=False)
    return int(ExitCode.OK if report.ok else ExitCode.FINDINGS)
