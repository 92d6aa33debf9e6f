"""The ``manifest-tools`` command line: collect options, call the core, render, exit.

This is the only module that imports typer, prints or exits, and it holds the one map from
exceptions to exit codes (``EXIT_CODES``). Heavy modules are imported inside the commands
that need them, so ``--help`` and ``validate`` start fast.
"""

from __future__ import annotations

import os
import sys
from enum import IntEnum, StrEnum
from typing import Annotated, NoReturn

import typer

from ._version import __version__
from .errors import (
    BadSignature,
    DeviceError,
    ExistingSignatureError,
    FindingsError,
    InputError,
    ManifestToolsError,
    MissingKeyError,
    UsageError,
)
from .jobtype import JobType


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


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


class ColorMode(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


app = typer.Typer(
    name="manifest-tools",
    help="Validate AWS Import/Export (Disk) manifests, write and verify SIGNATURE files, and "
    "read get-status output. Exit codes: 0 clean, 1 findings, 2 usage or I/O error.",
    no_args_is_help=True,
    # Locals in tracebacks could show the secret key: never pretty-print exceptions.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"manifest-tools {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show a full traceback on an "
                                        "internal error.")] = False,
) -> None:
    _state["debug"] = debug


def _err(message: str) -> None:
    typer.echo(f"manifest-tools: {message}", err=True)


def _use_color(mode: ColorMode, output_format: OutputFormat) -> bool:
    if output_format is not OutputFormat.TEXT or mode is ColorMode.NEVER:
        return False
    if mode is ColorMode.ALWAYS:
        return True
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


JobTypeOption = Annotated[JobType | None, typer.Option(
    "--job-type", case_sensitive=False,
    help="Job type, instead of detecting it from the fields: import (S3), export (S3), ebs, "
    "glacier.")]


@app.command()
def validate(
    paths: Annotated[list[str], typer.Argument(metavar="PATH...",
                                               help="Manifest files; '-' reads stdin.")],
    job_type: JobTypeOption = None,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", case_sensitive=False, help="Output format.")] = OutputFormat.TEXT,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Text/github: print errors "
                                        "only, no warnings and no summary.")] = False,
    color: Annotated[ColorMode, typer.Option("--color", case_sensitive=False,
                                             help="Colour text output.")] = ColorMode.AUTO,
) -> int:
    """Validate manifests: syntax, schema and cross-field rules, every finding located."""
    from .render import RENDERERS, RenderOptions
    from .source import MANIFEST_LIMIT, read_source
    from .validate import FileResult, validate_bytes

    results: list[FileResult] = []
    code = ExitCode.OK
    for path in paths:
        try:
            source = read_source(path, MANIFEST_LIMIT)
        except InputError as exc:
            _err(str(exc))
            code = max(code, exit_code_for(exc))
            continue
        results.append(validate_bytes(source.data, source.name, job_type))
    options = RenderOptions(quiet=quiet, color=_use_color(color, output_format))
    if results:
        typer.echo(RENDERERS[output_format.value](results, options), nl=False)
    failed = any(not r.valid or (strict and r.warnings) for r in results)
    if failed:
        code = max(code, ExitCode.FINDINGS)
    return int(code)


@app.command()
def init(job_type: Annotated[JobType, typer.Option("--job-type", case_sensitive=False,
                                                   help="Which job the manifest is for.")]
         = JobType.IMPORT) -> int:
    """Print a commented skeleton manifest that validates; edit the CHANGE-ME values."""
    from .skeletons import SKELETONS

    typer.echo(SKELETONS[job_type], nl=False)
    return int(ExitCode.OK)


def _fail(exc: BaseException) -> NoReturn:
    code = exit_code_for(exc)
    _err(f"error: {exc}")
    sys.exit(int(code))


def main(argv: list[str] | None = None) -> NoReturn:
    """Console entry point: run the app and turn every outcome into a documented exit code."""
    import click

    try:
        result = app(args=argv, prog_name="manifest-tools", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(int(ExitCode.TROUBLE))
    except click.exceptions.Abort:
        _err("aborted")
        sys.exit(int(ExitCode.TROUBLE))
    except ManifestToolsError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except Exception as exc:
        if _state["debug"]:
            raise
        _err(f"internal error: {type(exc).__name__}; this is a bug, please report it "
             "(run again with --debug for the traceback)")
        sys.exit(int(ExitCode.TROUBLE))
    sys.exit(result if isinstance(result, int) else 0)
