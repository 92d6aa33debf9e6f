"""``validate`` and ``init``: manifests in, findings out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import InputError, UsageError
from ..inputs import STDIN
from ..manifest.jobtype import JobType
from ..report.reporters import REPORTERS
from .common import ExitCode, JobTypeOption, err, exit_code_for, use_color

if TYPE_CHECKING:
    from ..config import Config
    from ..diagnostics import Diagnostic
    from ..manifest.fix import FixResult
    from ..manifest.validate import FileResult
    from ..report.validate import RenderOptions


# --format's choices: the rows of the reporters' table (typer completes and checks them).
OutputFormat = StrEnum(  # type: ignore[misc]
    "OutputFormat", [(name.upper(), name) for name in REPORTERS])
TEXT_FORMAT = OutputFormat("text")
FORMAT_HELP = "Output format: " + "; ".join(f"{name}: {reporter.help}" for name, reporter
                                            in REPORTERS.items()) + "."


class ColorMode(StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


def _color_option(ctx: typer.Context, mode: ColorMode) -> ColorMode:
    """``--color always`` must survive a pipe: click strips ANSI codes off a non-terminal."""
    if mode is ColorMode.ALWAYS:
        ctx.color = True
    return mode


@dataclass(frozen=True, slots=True)
class Choice:
    """What the run checks: job type, configuration and the command line's rule choice."""

    job_type: JobType | None
    settings: Config
    disable: list[str]
    enable: list[str]
    stdin_name: str | None

    def disabled_for(self, path: str) -> frozenset[str]:
        from ..selection import resolve

        return resolve(self.settings.disabled_for(path), self.disable, self.enable)


def validate(
    paths: Annotated[list[str], typer.Argument(
        metavar="PATH...", help="Manifest files or folders (searched for manifest files); "
        "'-' reads stdin.")],
    job_type: JobTypeOption = None,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", case_sensitive=False, help=FORMAT_HELP)] = TEXT_FORMAT,
    output_file: Annotated[str | None, typer.Option(
        "--output-file", "-o", metavar="FILE", help="Write the --format report to FILE "
        "(whole or not at all); standard output then gets the text report.")] = None,
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
    disable: Annotated[list[str] | None, typer.Option(
        "--disable", metavar="RULE", help="Do not check RULE: an id (MT311) or a prefix "
        "(MT3); repeatable, or a comma list.")] = None,
    enable: Annotated[list[str] | None, typer.Option(
        "--enable", metavar="RULE", help="Check RULE even if the configuration disables it; "
        "ids or prefixes as for --disable.")] = None,
    config: Annotated[str | None, typer.Option(
        "--config", metavar="FILE", help="Read settings from FILE instead of the "
        "pyproject.toml / .manifest-tools.toml found upwards.")] = None,
    isolated: Annotated[bool, typer.Option(
        "--isolated", help="Ignore every configuration file.")] = False,
    stdin_filename: Annotated[str | None, typer.Option(
        "--stdin-filename", metavar="NAME", help="The name standard input ('-') goes by in "
        "every report and in per-file-disable.")] = None,
    statistics: Annotated[bool, typer.Option(
        "--statistics", help="Count the findings of each rule (instead of listing them in "
        "the text report).")] = False,
    exit_zero: Annotated[bool, typer.Option(
        "--exit-zero", help="Exit 0 even when there are findings (2 still means the tool "
        "could not do its job).")] = False,
    fix: Annotated[bool, typer.Option(
        "--fix", help="Fix what is mechanical and certain (misspelt field with one "
        "suggestion, tab or invisible-space indentation, BOM, typographic quotes, "
        "key = value) in place, then report what remains.")] = False,
    diff: Annotated[bool, typer.Option(
        "--diff", help="Print what --fix would change as a unified diff; write nothing. "
        "Exit 1 if a file would change.")] = False,
) -> int:
    """Validate manifests: syntax, schema and cross-field rules, every finding located."""
    from ..config import load_config
    from ..report.validate import RenderOptions, fails
    from ..selection import resolve, split_selectors

    settings = load_config(explicit=config, isolated=isolated)
    choice = Choice(job_type, settings, split_selectors(disable or ()),
                    split_selectors(enable or ()), stdin_filename)
    resolve(frozenset(), choice.disable, choice.enable)  # an unknown rule: exit 2 first
    files, code = _collect(paths, exclude)
    if (fix or diff) and STDIN in files:
        raise UsageError("--fix and --diff change files: give file names, not '-'")
    checked, read_code = _check_all(files, choice)
    code = max(code, read_code)
    if diff:
        return int(max(code, _show_diffs(checked, choice)))
    if fix:
        checked, fix_code = _fix_all(checked, choice)
        code = max(code, fix_code)
    results = [result for result, _ in checked]
    if not results:
        return int(code)
    strict = strict or settings.strict
    colored = use_color(output_format == "text" or output_file is not None, color.value)
    _report(results, str(output_format.value), output_file, statistics,
            RenderOptions(quiet=quiet, color=colored, strict=strict))
    if not exit_zero and any(fails(r, strict) for r in results if r.read_error is None):
        code = max(code, ExitCode.FINDINGS)
    return int(code)


def _collect(paths: list[str], exclude: list[str] | None) -> tuple[list[str], ExitCode]:
    from ..inputs import expand_paths

    files: list[str] = []
    code = ExitCode.OK
    for path in paths:
        found = expand_paths([path], exclude)
        if not found and os.path.isdir(path):
            err(f"{path}: is a directory with no manifest files in it (searched for "
                "manifest*.yaml, *.manifest and any .yaml/.yml below it)")
            code = ExitCode.TROUBLE
        files.extend(found)
    return files, code


Checked = list[tuple["FileResult", bytes | None]]


def _check_all(paths: list[str], choice: Choice) -> tuple[Checked, ExitCode]:
    """Every file's result and bytes; a file that cannot be read is an MT123 result (and
    exit 2). The files are read first, in order, then checked as one batch (on every CPU
    when there are many: manifest.batch)."""
    from ..job.manifest_input import read_manifest
    from ..manifest.batch import validate_batch
    from ..manifest.validate import unreadable

    read: list[tuple[str, bytes | None, FileResult | None]] = []
    code = ExitCode.OK
    for path in paths:
        try:
            source = read_manifest(path)
        except InputError as exc:
            err(str(exc))
            code = max(code, exit_code_for(exc))
            read.append((path, None, unreadable(path, str(exc))))
            continue
        name = choice.stdin_name if path == STDIN and choice.stdin_name else source.label
        read.append((name, source.data, None))
    # Another kind of file (get-status output, a SIGNATURE) is the result's own finding
    # (MT127), in every output format; no separate hint on stderr.
    jobs = [(data, name, choice.job_type,
             choice.disabled_for(name if path == STDIN else path))
            for path, (name, data, _) in zip(paths, read, strict=True) if data is not None]
    results = iter(validate_batch(jobs))
    checked: Checked = []
    for _, data, failed in read:
        checked.append((next(results), data) if failed is None else (failed, None))
    return checked, code


def _check(data: bytes, name: str, path: str, choice: Choice) -> FileResult:
    from ..manifest.validate import validate_bytes

    where = name if path == STDIN else path
    return validate_bytes(data, name, choice.job_type, choice.disabled_for(where))


def _fixed(checked: Checked, choice: Choice
           ) -> Iterator[tuple[int, FileResult, bytes, FixResult]]:
    """Each readable file's certain fixes (see manifest.fix), under the run's rule choice
    and the file's suppression comments."""
    from ..manifest.fix import fix_manifest

    for n, (result, data) in enumerate(checked):
        if data is None or result.read_error is not None:
            continue
        path = result.path

        def recheck(fixed: bytes, path: str = path) -> tuple[Diagnostic, ...]:
            return _check(fixed, path, path, choice).diagnostics

        yield n, result, data, fix_manifest(data, result.diagnostics, recheck)


def _fix_all(checked: Checked, choice: Choice) -> tuple[Checked, ExitCode]:
    """Write each file's fixes (atomically), say what changed, and check it again. A file
    that cannot be written keeps its bytes and findings (exit 2); the others go on."""
    from ..outputs import write_atomic
    from ..report.fixes import SIGNATURE_NOTE, render_changes

    out = list(checked)
    changed = False
    code = ExitCode.OK
    for n, result, _, fixed in _fixed(checked, choice):
        if not fixed.changed:
            continue
        try:
            write_atomic(result.path, fixed.data, "the fixed manifest")
        except InputError as exc:
            err(str(exc))
            code = ExitCode.TROUBLE
            continue
        typer.echo(render_changes(result.path, fixed.changes), err=True, nl=False)
        out[n] = (_check(fixed.data, result.path, result.path, choice), fixed.data)
        changed = True
    if changed:
        err(SIGNATURE_NOTE)
    return out, code


def _show_diffs(checked: Checked, choice: Choice) -> ExitCode:
    from ..report.fixes import render_diff

    code = ExitCode.OK
    for _, result, data, fixed in _fixed(checked, choice):
        if fixed.changed:
            typer.echo(render_diff(result.path, data, fixed.data), nl=False)
            code = ExitCode.FINDINGS
    return code


def _report(results: list[FileResult], fmt: str, output_file: str | None, statistics: bool,
            options: RenderOptions) -> None:
    """The --format report to stdout, or to --output-file with the text report on stdout;
    --statistics replaces the text report's finding lines."""
    from ..report.reporters import renderer
    from ..report.validate import RenderOptions, summary

    if output_file is not None:
        from ..outputs import write_atomic

        plain = RenderOptions(quiet=options.quiet, strict=options.strict)
        write_atomic(output_file, renderer(fmt)(results, plain).encode("utf-8"),
                     "--output-file")
        fmt = "text"
    if not statistics:
        typer.echo(renderer(fmt)(results, options), nl=False)
        return
    from ..report.statistics import render_statistics

    counts = render_statistics(results)
    if fmt == "text":
        typer.echo(counts + summary(results, options.strict))
    else:
        typer.echo(renderer(fmt)(results, options), nl=False)
        typer.echo(counts, err=True, nl=False)


class Modeline(StrEnum):
    NONE = "none"
    URL = "url"
    PATH = "path"


def init(job_type: Annotated[JobType, typer.Option("--job-type", case_sensitive=False,
                                                   help="Which job the manifest is for.")]
         = JobType.IMPORT,
         modeline: Annotated[Modeline, typer.Option(
             "--modeline", case_sensitive=False, help="Start with an editor modeline "
             "('# yaml-language-server: $schema=...') naming the job type's schema: url (its "
             "published $id) or path (the installed file); none by default.")]
         = Modeline.NONE) -> int:
    """Print a commented skeleton manifest; it validates once every CHANGE-ME is filled in."""
    from ..manifest.skeletons import SKELETONS

    if modeline is not Modeline.NONE:
        typer.echo(f"# yaml-language-server: $schema={_schema_location(job_type, modeline)}")
    typer.echo(SKELETONS[job_type], nl=False)
    return int(ExitCode.OK)


def _schema_location(job_type: JobType, modeline: Modeline) -> str:
    if modeline is Modeline.PATH:
        from .schema import schema_path

        return schema_path(job_type)
    from ..schemas_bundle import schema_id

    return schema_id(job_type.schema_file)
