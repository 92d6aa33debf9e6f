"""``status``: what get-status or create-job output says, and what to do next."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import (
    ExitCode,
    FormatOption,
    ReportFormat,
    ShowSecretsOption,
    load,
)


def status_command(
    path: Annotated[str, typer.Argument(metavar="FILE", help="get-status or create-job "
                                        "output, any form ('-': stdin).")],
    output_format: FormatOption = ReportFormat.TEXT,
    show_secrets: ShowSecretsOption = False,
) -> int:
    """Summarise get-status output: where the device is, progress, what to do next."""
    from ..report.status import JOB_RENDERERS, RENDERERS

    given = load(status=path, list_jobs=True).status
    assert given is not None
    if given.jobs is not None:
        typer.echo(JOB_RENDERERS[output_format.value](given.jobs), nl=False)
        return int(ExitCode.OK)
    typer.echo(RENDERERS[output_format.value](given.require(), show_secrets, path), nl=False)
    return int(ExitCode.OK)
