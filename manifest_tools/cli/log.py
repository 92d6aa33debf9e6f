"""``log``: read a job's import/export log and reconcile it with the device, byte for byte.

The progress display is :mod:`.progress`'s, shared with ``prepare``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import UsageError
from ..outputs import inside
from .common import (
    ExitCode,
    FormatOption,
    ReportFormat,
    load,
    no_cyclic_gc,
)
from .progress import transfer_progress


def log_command(
    log_file: Annotated[str, typer.Argument(metavar="LOGFILE", help="The job's log "
                                            "(import-log-JOBID or export-log-JOBID, or a "
                                            "Glacier log).")],
    device: Annotated[str | None, typer.Option("--device", metavar="ROOT", help="The device "
                                               "that was shipped: reconcile it with the "
                                               "log.")] = None,
    journal: Annotated[str | None, typer.Option("--journal", metavar="FILE", help="The "
                                                "journal prepare kept: reconcile it with the "
                                                "log (no device needed); --retry then lists "
                                                "source paths.")] = None,
    manifest: Annotated[str | None, typer.Option("--manifest", metavar="M", help="The job's "
                                                 "manifest, for prefix, substitutions and "
                                                 "ignore (default: --status's "
                                                 "CurrentManifest).")] = None,
    status: Annotated[str | None, typer.Option("--status", metavar="S", help="get-status "
                                               "output: check ErrorCount and the job "
                                               "id.")] = None,
    retry: Annotated[str | None, typer.Option("--retry", metavar="FILE", help="Write the "
                                              "files to send again, one path per line "
                                              "relative to the device root.")] = None,
    null: Annotated[bool, typer.Option("--null", help="With --retry: separate paths with "
                                       "NUL instead of newlines.")] = False,
    output_format: FormatOption = ReportFormat.TEXT,
    jobs: Annotated[int | None, typer.Option("--jobs", metavar="N", min=1, max=256,
                                             help="Files hashed at once (default: the "
                                             "number of CPUs).")] = None,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress display "
                                              "on stderr (off anyway when stderr is not a "
                                              "terminal).")] = False,
) -> int:
    """Read a job's log: failures, totals; with --device and/or --journal (prepare's record)
    whether every file arrived."""
    from ..logs.check import check_log
    from ..logs.retry import format_retry, write_retry
    from ..report.logs import RENDERERS

    if null and retry is None:
        raise UsageError("--null goes with --retry FILE")
    if retry is not None and device is not None and inside(retry, device):
        raise UsageError(f"--retry {retry} is inside the device; nothing is written to the "
                         "device: write the list elsewhere")
    job = load(manifest=manifest, status=status)
    # The key rules: the manifest's, else get-status's CurrentManifest's.
    rules, found = job.rules_manifest.key_rules if job.rules_manifest else (None, ())
    reading = job.status.require() if job.status is not None else None
    hashing = not no_progress and device is not None
    with transfer_progress(hashing, "MD5") as progress, no_cyclic_gc():
        result = check_log(log_file, device=device, rules=rules, rule_findings=found,
                           status=reading.status if reading else None, jobs=jobs,
                           progress=progress, journal=journal)
    if retry is not None:
        write_retry(retry, format_retry(result.retry, null=null))
    typer.echo(RENDERERS[output_format.value](result, log_file), nl=False)
    return int(ExitCode.OK if result.clean else ExitCode.FINDINGS)
