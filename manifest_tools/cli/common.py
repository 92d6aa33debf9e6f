"""What every command shares: exit codes, the one exception-to-exit-code map, options, and
the job loader's inputs with what they say on stderr.

Only the ``cli`` package imports typer; the core never prints or exits.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from .. import errors
from ..manifest.jobtype import JobType

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from ..job.loader import Job, KeyRequest, ManifestInput


class ExitCode(IntEnum):
    OK = 0  # nothing wrong (warnings allowed unless --strict)
    FINDINGS = 1  # invalid input, failed verification, a refused write
    TROUBLE = 2  # usage error, missing file, missing key, I/O error, internal error


# The one map from exceptions to exit codes; the most specific class listed wins.
EXIT_CODES: dict[type[BaseException], ExitCode] = {
    errors.ExistingSignatureError: ExitCode.FINDINGS,
    errors.BadSignature: ExitCode.FINDINGS,
    errors.FindingsError: ExitCode.FINDINGS,
    errors.DeviceError: ExitCode.TROUBLE,
    errors.InputError: ExitCode.TROUBLE,
    errors.MissingKeyError: ExitCode.TROUBLE,
    errors.UsageError: ExitCode.TROUBLE,
    errors.ManifestToolsError: ExitCode.TROUBLE,
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
    from ..report.terminal import escape_controls

    typer.echo(escape_controls(f"manifest-tools: {message}"), err=True)


def err_diagnostic(origin: str, d: Diagnostic) -> None:
    """One located finding on stderr, ``file:line:column: severity RULE message``; the
    place printed by the one helper (``diagnostics.location``), the finding's own source
    when it has one, else ``origin``."""
    from dataclasses import replace

    from ..diagnostics import location

    where = location(d if d.source is not None else replace(d, source=origin))
    err(f"{where}: {d.severity.value} {d.rule} {d.message}")


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


def _no_key_on_command_line(value: str | None) -> None:
    """--key/--secret-key exist only to say why; the value given is never repeated."""
    if value is not None:
        raise errors.UsageError(
            "a secret key never goes on the command line: other users see it in the process "
            "list and it stays in your shell history. Use --key-file PATH (a file holding "
            "only the key, mode 600), --key-file - (typed at a hidden prompt, or piped), "
            "AWS_SECRET_ACCESS_KEY, or --profile with the AWS credentials file")


KeyOption = Annotated[str | None, typer.Option(
    "--key", "--secret-key", metavar="KEY", callback=_no_key_on_command_line, is_eager=True,
    help="Refused (exit 2): explains why a secret key never goes on the command line.")]


def _prompted_stdin(key_file: str | None) -> BinaryIO | None:
    """``--key-file -`` on a terminal: read the key at a hidden prompt, not echoed."""
    if key_file != "-" or not sys.stdin.isatty():
        return None
    import getpass
    import io

    return io.BytesIO(getpass.getpass("Secret access key (not shown): ").encode("utf-8"))


def key_request(key_file: str | None, profile: str | None, *,
                required: bool) -> KeyRequest:
    """Where the job loader looks for the key; ``--key-file -`` on a terminal is read at a
    hidden prompt."""
    from ..job.loader import KeyRequest

    return KeyRequest(key_file, profile, required, _prompted_stdin(key_file))


def load(*, manifest: str | None = None, status: str | None = None,
         device: str | None = None, signature_file: str | None = None,
         key: KeyRequest | None = None, list_jobs: bool = False) -> Job:
    """The job's inputs through the one loader (``job.loader.load_job``); what they say
    on the way (the key's warnings, get-status's findings) goes to stderr."""
    from ..job.loader import load_job

    job = load_job(manifest=manifest, status=status, device=device,
                   signature_file=signature_file, key=key, list_jobs=list_jobs)
    if job.key is not None and job.key.key is not None:
        for message in job.key.key.warnings:
            err(f"warning: {message}")
    reading = job.status.reading if job.status is not None else None
    if job.status is not None and reading is not None:
        for d in reading.diagnostics:
            err_diagnostic(job.status.label, d)
    return job


def require_valid(manifest: ManifestInput, job_type: JobType | None = None) -> None:
    """Validation errors stop the command (exit 1), after the findings on stderr."""
    result = manifest.validation(job_type)
    if not result.valid:
        from ..report.validate import RENDERERS, RenderOptions

        typer.echo(RENDERERS["text"]([result], RenderOptions(quiet=True)), err=True,
                   nl=False)
        raise errors.FindingsError(f"{manifest.label} is not a valid manifest; fix it or pass "
                                   "--no-validate")


def use_color(enabled_by_format: bool, mode: str) -> bool:
    """Colour only text output; ``auto``: a terminal and no NO_COLOR (no-color.org)."""
    if not enabled_by_format or mode == "never":
        return False
    if mode == "always":  # an explicit request wins over NO_COLOR
        return True
    # no-color.org: NO_COLOR set to a non-empty value disables colour by default.
    return not os.environ.get("NO_COLOR") and sys.stdout.isatty()


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector for a walk or a log read: they make a tuple per file
    or row and no cycles, and each collection would scan them all again (7% of a
    100,000-file preflight, 20% of a 1,000,000-row log read with --device). Reference
    counting still frees everything; the collector resumes after."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
