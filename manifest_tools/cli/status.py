"""``status``: what get-status or create-job output says, and what to do next."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import (
    ExitCode,
    FormatOption,
    ReportFormat,
    ShowSecretsOption,
    status_from,
    status_source,
)


def status_command(
    path: Annotated[str, typer.Argument(metavar="FILE", help="get-status or create-job "
                                        "output, any form ('-': stdin).")],
    output_format: FormatOption = ReportFormat.TEXT,
    show_secrets: ShowSecretsOption = False,
) -> int:
    """Summarise get-status output: where the device is, progress, what to do next."""
    from ..report.status import JOB_RENDERERS, RENDERERS
    from ..sniff import sniff

    data = status_source(path).data
    if sniff(data) == "list-jobs":
        from ..status.jobs import read_list_jobs

        typer.echo(JOB_RENDERERS[output_format.value](read_list_jobs(data)), nl=False)
        return int(ExitCode.OK)
    reading = status_from(path, data)
    typer.echo(RENDERERS[output_format.value](reading, show_secrets, path), nl=False)
    return int(ExitCode.OK)
