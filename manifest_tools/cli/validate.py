"""``validate`` and ``init``: manifests in, findings out."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ..errors import InputError
from ..manifest.jobtype import JobType
from .common import ExitCode, JobTypeOption, err, exit_code_for, use_color, wrong_kind_hint


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"


class ColorMode(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


def _color_option(ctx: typer.Context, mode: ColorMode) -> ColorMode:
    """``--color always`` must survive a pipe: click strips ANSI codes off a non-terminal."""
    if mode is ColorMode.ALWAYS:
        ctx.color = True
    return mode


def validate(
    paths: Annotated[list[str], typer.Argument(metavar="PATH...",
                                               help="Manifest files; '-' reads stdin.")],
    job_type: JobTypeOption = None,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", case_sensitive=False, help="Output format: text, json, sarif (SARIF "
        "2.1.0) or github (GitHub Actions annotations).")] = OutputFormat.TEXT,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Text/github: print errors "
                                        "only, no warnings and no summary.")] = False,
    color: Annotated[ColorMode, typer.Option(
        "--color", case_sensitive=False, callback=_color_option,
        help="Colour text output: auto (on a terminal, unless NO_COLOR is set), always, "
        "never. Other formats are never coloured.")] = ColorMode.AUTO,
) -> int:
    """Validate manifests: syntax, schema and cross-field rules, every finding located."""
    from ..inputs import MANIFEST_LIMIT, read_source
    from ..manifest.validate import FileResult, validate_bytes
    from ..report.findings import RENDERERS, RenderOptions

    results: list[FileResult] = []
    code = ExitCode.OK
    for path in paths:
        try:
            source = read_source(path, MANIFEST_LIMIT)
        except InputError as exc:
            err(str(exc))
            code = max(code, exit_code_for(exc))
            continue
        results.append(validate_bytes(source.data, source.name, job_type))
        if not results[-1].valid:
            wrong_kind_hint(source.name, source.data, "manifest")
    colored = use_color(output_format is OutputFormat.TEXT, color.value)
    options = RenderOptions(quiet=quiet, color=colored)
    if results:
        typer.echo(RENDERERS[output_format.value](results, options), nl=False)
    failed = any(not r.valid or (strict and r.warnings) for r in results)
    if failed:
        code = max(code, ExitCode.FINDINGS)
    return int(code)


def init(job_type: Annotated[JobType, typer.Option("--job-type", case_sensitive=False,
                                                   help="Which job the manifest is for.")]
         = JobType.IMPORT) -> int:
    """Print a commented skeleton manifest that validates; edit the CHANGE-ME values."""
    from ..manifest.skeletons import SKELETONS

    typer.echo(SKELETONS[job_type], nl=False)
    return int(ExitCode.OK)
