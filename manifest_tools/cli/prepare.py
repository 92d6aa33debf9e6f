"""``prepare``: copy a source tree onto the device with a journal, then SIGNATURE and preflight.

The progress display is :mod:`.progress`'s (files, bytes, rate, time left), shared with
``log``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import FindingsError, UsageError
from .common import (
    ExitCode,
    FormatOption,
    KeyFileOption,
    KeyOption,
    ProfileOption,
    ReportFormat,
    err,
    err_diagnostic,
    load,
)
from .progress import transfer_progress


def _signature(status: str | None, manifest: str, job_id: str | None, key_file: str | None,
               profile: str | None) -> bytes:
    """The SIGNATURE to write: get-status's SignatureFileContents, or signed as ``sign``
    does; refused when it is not a valid SIGNATURE file (as write-signature refuses it)."""
    from .signing import signature_contents

    if (status is None) == (job_id is None):
        raise UsageError("give --status (get-status output) or --job-id (then the manifest is "
                         "signed with your key), not both")
    # AWS's own SignatureFileContents: its value is authoritative (the loader's reading).
    contents, origin, reading = signature_contents(status, None if status else manifest,
                                                   job_id, None, key_file, profile)
    errors = reading.errors
    if reading.parsed is None or errors:
        for d in errors:
            err_diagnostic(origin, d)
        raise FindingsError("refusing to prepare: the contents are not a valid SIGNATURE file")
    return contents


def prepare_command(
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="The folder to copy.")],
    device_root: Annotated[str, typer.Argument(metavar="DEVICE_ROOT", help="The mounted "
                                               "device (or a folder).")],
    manifest: Annotated[str, typer.Option("--manifest", metavar="M",
                                          help="The job's manifest.")],
    journal: Annotated[str, typer.Option("--journal", metavar="FILE", help="The journal, "
                                         "outside the device: created, or resumed from.")],
    status: Annotated[str | None, typer.Option("--status", metavar="S", help="get-status or "
                                               "create-job output: its "
                                               "SignatureFileContents is written.")] = None,
    job_id: Annotated[str | None, typer.Option("--job-id", help="Sign the manifest for this "
                                               "job id with your key instead.")] = None,
    verify: Annotated[bool, typer.Option("--verify", help="Read each file back from the "
                                         "device past the page cache and compare its "
                                         "MD5.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only the preflight and what "
                                          "would be copied; nothing written.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", metavar="N", min=1, max=64,
                                             help="Files copied at once (default: 8; the "
                                             "copy waits on the disks more than on the "
                                             "CPU).")] = None,
    output_format: FormatOption = ReportFormat.TEXT,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress display "
                                              "on stderr (off anyway when stderr is not a "
                                              "terminal).")] = False,
    key_file: KeyFileOption = None,
    profile: ProfileOption = None,
    key: KeyOption = None,
) -> int:
    """Copy files onto the device with a journal; resume; write SIGNATURE; preflight."""
    from ..device.prepare import Hooks, prepare
    from ..report.prepare import RENDERERS
    from .common import no_cyclic_gc

    given = load(manifest=manifest).manifest
    assert given is not None
    data = given.data
    contents = None if dry_run else _signature(status, manifest, job_id, key_file, profile)
    with transfer_progress(not no_progress and not dry_run, "copy") as progress, no_cyclic_gc():
        result = prepare(source, device_root, data, journal, manifest_label=manifest,
                         signature=contents, verify=verify, dry_run=dry_run, jobs=jobs,
                         hooks=Hooks(progress=progress))
    typer.echo(RENDERERS[output_format.value](result), nl=False)
    if result.fatal:
        err(f"error: {result.stopped}")
        return int(ExitCode.TROUBLE)
    return int(ExitCode.OK if result.clean else ExitCode.FINDINGS)
