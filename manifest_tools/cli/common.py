"""What every command shares: exit codes, the one exception-to-exit-code map, options, and
the small steps of reading a key, a manifest or get-status output for a command.

Only the ``cli`` package imports typer; the core never prints or exits.
"""

from __future__ import annotations

import os
import sys
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import (
    BadSignature,
    DeviceError,
    ExistingSignatureError,
    FindingsError,
    InputError,
    ManifestToolsError,
    MissingKeyError,
    UsageError,
)
from ..manifest.jobtype import JobType

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from ..status import StatusReading


class ExitCode(IntEnum):
    OK = 0  # nothing wrong (warnings allowed unless --strict)
    FINDINGS = 1  # invalid input, failed verification, a refused write
    TROUBLE = 2  # usage error, missing file, missing key, I/O error, internal error


# The one map from exceptions to exit codes; the most specific class listed wins.
EXIT_CODES: dict[type[BaseException], ExitCode] = {
    ExistingSignatureError: ExitCode.FINDINGS,
    BadSignature: ExitCode.FINDINGS,
    FindingsError: ExitCode.FINDINGS,
    DeviceError: ExitCode.TROUBLE,
    InputError: ExitCode.TROUBLE,
    MissingKeyError: ExitCode.TROUBLE,
    UsageError: ExitCode.TROUBLE,
    ManifestToolsError: ExitCode.TROUBLE,
}


def exit_code_for(exc: BaseException) -> ExitCode:
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return ExitCode.TROUBLE


class ReportFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def err(message: str) -> None:
    typer.echo(f"manifest-tools: {message}", err=True)


def err_diagnostic(origin: str, d: Diagnostic) -> None:
    """One located finding on stderr, ``file:line:column: severity RULE message``."""
    err(f"{origin}:{d.line}:{d.column}: {d.severity.value} {d.rule} {d.message}")


JobTypeOption = Annotated[JobType | None, typer.Option(
    "--job-type", case_sensitive=False,
    help="Job type, instead of detecting it from the fields: import (S3), export (S3), ebs, "
    "glacier.")]
KeyFileOption = Annotated[str | None, typer.Option(
    "--key-file", metavar="PATH", help="File holding the secret access key ('-' reads stdin). "
    "Otherwise AWS_SECRET_ACCESS_KEY, then the AWS shared credentials file.")]
ProfileOption = Annotated[str | None, typer.Option(
    "--profile", help="Profile of the AWS shared credentials file (default: AWS_PROFILE, "
    "then 'default').")]
ShowSecretsOption = Annotated[bool, typer.Option(
    "--show-secrets", help="Show trueCryptPassword and pinCode values instead of ****.")]
FormatOption = Annotated[ReportFormat, typer.Option("--format", case_sensitive=False,
                                                    help="Output format.")]


def load_key(key_file: str | None, profile: str | None) -> str:
    """The secret key from the documented sources; never from argv, never printed."""
    from ..credentials import load_secret_key

    key = load_secret_key(key_file=key_file, profile=profile)
    for message in key.warnings:
        err(f"warning: {message}")
    return key.value


def optional_key(key_file: str | None, profile: str | None) -> tuple[str | None, str]:
    """For verify: a key when one is configured; an explicit --key-file must work."""
    if key_file is not None:
        return load_key(key_file, profile), ""
    try:
        return load_key(None, profile), ""
    except MissingKeyError as exc:
        return None, f"no secret key found ({exc})"


def manifest_bytes(path: str, *, check: bool, job_type: JobType | None = None) -> bytes:
    """Read a manifest; with ``check``, validation errors stop the command (exit 1)."""
    from ..inputs import MANIFEST_LIMIT, read_source

    source = read_source(path, MANIFEST_LIMIT)
    if check:
        from ..manifest.validate import validate_bytes
        from ..report.findings import RENDERERS, RenderOptions

        result = validate_bytes(source.data, source.name, job_type)
        if not result.valid:
            typer.echo(RENDERERS["text"]([result], RenderOptions(quiet=True)), err=True,
                       nl=False)
            raise FindingsError(f"{source.name} is not a valid manifest; fix it or pass "
                                "--no-validate")
    return source.data


def status_reading(path: str) -> StatusReading:
    """Read get-status output; its findings (and an unreadable input's MT501) go to stderr."""
    from ..errors import StatusFormatError
    from ..inputs import STATUS_LIMIT, read_source
    from ..status import read_status

    try:
        reading = read_status(read_source(path, STATUS_LIMIT).data)
    except StatusFormatError as exc:
        # The located MT501 finding, in the same form as the warnings below.
        for d in exc.diagnostics:
            err_diagnostic(path, d)
        raise
    for d in reading.diagnostics:
        err_diagnostic(path, d)
    return reading


def use_color(enabled_by_format: bool, mode: str) -> bool:
    """Colour only text output; ``auto``: a terminal and no NO_COLOR (no-color.org)."""
    if not enabled_by_format or mode == "never":
        return False
    if mode == "always":  # an explicit request wins over NO_COLOR
        return True
    # no-color.org: NO_COLOR set to a non-empty value disables colour by default.
    return not os.environ.get("NO_COLOR") and sys.stdout.isatty()
