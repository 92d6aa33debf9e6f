"""``preflight``: check a device (or a rehearsal folder) against its manifest before shipping.

The progress display is rich's (already installed with typer, declared in pyproject.toml):
imported only here, only when stderr is a terminal and --no-progress is not given.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import InputError, UsageError
from ..outputs import atomic_output, inside
from .common import (
    ExitCode,
    FormatOption,
    ReportFormat,
    ShowSecretsOption,
    load,
    no_cyclic_gc,
)

if TYPE_CHECKING:
    from ..device.preflight import KeysText, Summary


@contextlib.contextmanager
def _keys_file(path: str | None, root: str) -> Iterator[KeysText | None]:
    """A CSV writer for --keys, streamed through the one atomic writer (a failed run leaves
    no partial file); never inside the device."""
    if path is None:
        yield None
        return
    if inside(path, root):
        raise UsageError(f"--keys {path} is inside the device; the preflight never writes "
                         "to the device: write the CSV elsewhere")
    import io

    from ..device.preflight import KeysText
    from ..report.preflight import csv_header, csv_lines

    writing = atomic_output(path)
    try:
        raw = writing.__enter__()
    except OSError as exc:
        raise InputError(f"cannot write --keys {path}: {exc.strerror}", path) from None
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="backslashreplace", newline="")
    try:
        stream.write(csv_header())
        yield KeysText(csv_lines, stream.write)
        stream.flush()
        stream.detach()
    except BaseException as exc:  # the run failed: no file, the temporary one removed
        writing.__exit__(type(exc), exc, exc.__traceback__)
        raise
    try:
        writing.__exit__(None, None, None)
    except OSError as exc:
        raise InputError(f"cannot write --keys {path}: {exc.strerror}", path) from None


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[Summary], object] | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("walking the device")
        started = bar.get_time()

        def update(s: Summary) -> None:
            rate = s.files / max(bar.get_time() - started, 1e-6)
            bar.update(task, description=f"{s.files:,} files, {s.bytes / 1e9:,.2f} GB, "
                       f"{rate:,.0f} files/s")

        yield update


def preflight_command(
    device_root: Annotated[str, typer.Argument(metavar="DEVICE_ROOT",
                                               help="The mounted device (or a folder).")],
    manifest: Annotated[str, typer.Option("--manifest", metavar="M",
                                          help="The job's manifest.")],
    status: Annotated[str | None, typer.Option(
        "--status", metavar="S", help="get-status or create-job output: check the device's "
        "SIGNATURE and the manifest against it.")] = None,
    keys: Annotated[str | None, typer.Option(
        "--keys", metavar="FILE", help="Write a CSV path,key,bytes,action,reason: one row "
        "per file in walk order.")] = None,
    output_format: FormatOption = ReportFormat.TEXT,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too "
                                         "(exit 1).")] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress display "
                                              "on stderr (off anyway when stderr is not a "
                                              "terminal).")] = False,
    show_secrets: ShowSecretsOption = False,
) -> int:
    """Check a device before shipping: SIGNATURE, file system, names, sizes, S3 keys."""
    from ..device.fanout import cpus
    from ..job.preflight import preflight_job
    from ..report.preflight import RENDERERS

    # With --status, the device's SIGNATURE is read through the one device reader, as
    # verify --device reads it.
    job = load(manifest=manifest, status=status,
               device=device_root if status is not None else None)
    with (_keys_file(keys, device_root) as keys_text,
          _progress(not no_progress) as progress, no_cyclic_gc()):
        # A big tree is walked by one forked worker per CPU (the same output, in order).
        result = preflight_job(device_root, job, show_secrets=show_secrets,
                               keys_text=keys_text, progress=progress, jobs=cpus())
    typer.echo(RENDERERS[output_format.value](result, strict), nl=False)
    failed = result.errors or (strict and result.warnings)
    return int(ExitCode.FINDINGS if failed else ExitCode.OK)
