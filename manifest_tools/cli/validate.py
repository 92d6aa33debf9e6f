"""``validate`` and ``init``: manifests in, findings out."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import InputError
from ..manifest.jobtype import JobType
from .common import ExitCode, JobTypeOption, err, exit_code_for, use_color

if TYPE_CHECKING:
    from ..manifest.validate import FileResult


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
    paths: Annotated[list[str], typer.Argument(
        metavar="PATH...", help="Manifest files or folders (searched for manifest files); "
        "'-' reads stdin.")],
    job_type: JobTypeOption = None,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", case_sensitive=False, help="Output format: text, json, sarif (SARIF "
        "2.1.0) or github (GitHub Actions annotations).")] = OutputFormat.TEXT,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1); they "
                                         "are then shown even with --quiet.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Text/github: print errors "
                                        "only, no warnings and no summary.")] = False,
    color: Annotated[ColorMode, typer.Option(
        "--color", case_sensitive=False, callback=_color_option,
        help="Colour text output: auto (on a terminal, unless NO_COLOR is set), always, "
        "never. Other formats are never coloured.")] = ColorMode.AUTO,
    exclude: Annotated[list[str] | None, typer.Option(
        "--exclude", metavar="GLOB", help="Skip files and folders whose name or path "
        "matches GLOB (repeatable).")] = None,
    config: Annotated[str | None, typer.Option(
        "--config", metavar="FILE", help="Read settings from FILE instead of the "
        "pyproject.toml / .manifest-tools.toml found upwards.")] = None,
    isolated: Annotated[bool, typer.Option(
        "--isolated", help="Ignore every configuration file.")] = False,
) -> int:
    """Validate manifests: syntax, schema and cross-field rules, every finding located."""
    from ..config import load_config
    from ..inputs import expand_paths
    from ..report.findings import RENDERERS, RenderOptions, fails

    settings = load_config(explicit=config, isolated=isolated)
    strict = strict or settings.strict
    files: list[str] = []
    code = ExitCode.OK
    for path in paths:
        found = expand_paths([path], exclude)
        if not found and os.path.isdir(path):
            err(f"{path}: is a directory with no manifest files in it (searched for "
                "manifest*.yaml, *.manifest and any .yaml/.yml below it)")
            code = ExitCode.TROUBLE
        files.extend(found)
    results, read_code = _check_all(files, job_type, settings.disable)
    code = max(code, read_code)
    if not results:
        return int(code)
    colored = use_color(output_format is OutputFormat.TEXT, color.value)
    options = RenderOptions(quiet=quiet, color=colored, strict=strict)
    typer.echo(RENDERERS[output_format.value](results, options), nl=False)
    if any(fails(r, strict) for r in results if r.read_error is None):
        code = max(code, ExitCode.FINDINGS)
    return int(code)


def _check_all(paths: list[str], job_type: JobType | None, disabled: frozenset[str]
               ) -> tuple[list[FileResult], ExitCode]:
    """Every file's result; a file that cannot be read is an MT123 result (and exit 2)."""
    from ..inputs import MANIFEST_LIMIT, read_source
    from ..manifest.validate import unreadable, validate_bytes

    results: list[FileResult] = []
    code = ExitCode.OK
    for path in paths:
        try:
            source = read_source(path, MANIFEST_LIMIT)
        except InputError as exc:
            err(str(exc))
            code = max(code, exit_code_for(exc))
            results.append(unreadable(path, str(exc)))
            continue
        results.append(validate_bytes(source.data, source.name, job_type, disabled))
    return results, code


def init(job_type: Annotated[JobType, typer.Option("--job-type", case_sensitive=False,
                                                   help="Which job the manifest is for.")]
         = JobType.IMPORT) -> int:
    """Print a commented skeleton manifest; it validates once every CHANGE-ME is filled in."""
    from ..manifest.skeletons import SKELETONS

    typer.echo(SKELETONS[job_type], nl=False)
    return int(ExitCode.OK)
