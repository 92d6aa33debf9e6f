"""What every command shares: exit codes, the one exception-to-exit-code map, options, and
the small steps of reading a key, a manifest or get-status output for a command.

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
    from ..credentials import SecretKey
    from ..diagnostics import Diagnostic
    from ..inputs import Source
    from ..sniff import Kind
    from ..status import StatusReading


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


def load_credentials(key_file: str | None, profile: str | None) -> SecretKey:
    """The secret key (and the access key id beside it) from the documented sources."""
    from ..credentials import load_secret_key

    key = load_secret_key(key_file=key_file, profile=profile,
                          stdin=_prompted_stdin(key_file))
    for message in key.warnings:
        err(f"warning: {message}")
    return key


def load_key(key_file: str | None, profile: str | None) -> str:
    """The secret key from the documented sources; never from argv, never printed."""
    return load_credentials(key_file, profile).value


def optional_key(key_file: str | None, profile: str | None) -> tuple[str | None, str]:
    """For verify: a key when one is configured; an explicit --key-file must work."""
    if key_file is not None:
        return load_key(key_file, profile), ""
    try:
        return load_key(None, profile), ""
    except errors.MissingKeyError as exc:
        return None, f"no secret key found ({exc})"


def manifest_bytes(path: str, *, check: bool, job_type: JobType | None = None) -> bytes:
    """Read a manifest; with ``check``, validation errors stop the command (exit 1)."""
    from ..inputs import MANIFEST_LIMIT, read_source

    source = read_source(path, MANIFEST_LIMIT)
    from ..sniff import wrong_kind

    hint = wrong_kind(source.data, "manifest")
    if hint is not None:
        raise errors.FindingsError(f"{source.name}: {hint}")
    if check:
        from ..manifest.validate import validate_bytes
        from ..report.findings import RENDERERS, RenderOptions

        result = validate_bytes(source.data, source.name, job_type)
        if not result.valid:
            typer.echo(RENDERERS["text"]([result], RenderOptions(quiet=True)), err=True,
                       nl=False)
            raise errors.FindingsError(f"{source.name} is not a valid manifest; fix it or pass "
                                "--no-validate")
    return source.data


def wrong_kind_hint(name: str, data: bytes, expected: Kind) -> str | None:
    """Print 'NAME: this looks like X, not Y; use Z' when it does; return the sentence."""
    from ..sniff import wrong_kind

    hint = wrong_kind(data, expected)
    if hint is not None:
        err(f"{name}: {hint}")
    return hint


def status_source(path: str) -> Source:
    from ..inputs import STATUS_LIMIT, read_source

    return read_source(path, STATUS_LIMIT)


def status_from(path: str, data: bytes) -> StatusReading:
    """Read get-status output; its findings go to stderr, an unreadable input's once."""
    from ..sniff import sniff, wrong_kind
    from ..status import read_status

    # list-jobs output can read as a get-status of one job (JobId, JobType): say what it is
    # before it fails on a missing SignatureFileContents.
    if sniff(data) == "list-jobs":
        raise errors.FindingsError(f"{path}: MT510 {wrong_kind(data, 'get-status')}")
    try:
        reading = read_status(data)
    except errors.StatusFormatError as exc:
        hint = wrong_kind(data, "get-status")
        if hint is not None:
            raise errors.FindingsError(f"{path}: MT510 {hint}") from None
        d = exc.diagnostics[0]
        # One located line (main prints it), not the finding and then the error again.
        raise errors.FindingsError(f"{path}:{d.line}:{d.column}: {d.rule} {d.message}") from None
    for d in reading.diagnostics:
        err_diagnostic(path, d)
    return reading


def status_reading(path: str) -> StatusReading:
    """Read get-status output for write-signature and verify (list-jobs output refused)."""
    return status_from(path, status_source(path).data)


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
