"""``status``: what get-status or create-job output says, and what to do next."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import ExitCode, FormatOption, ReportFormat, ShowSecretsOption, status_reading


def status_command(
    path: Annotated[str, typer.Argument(metavar="FILE", help="get-status or create-job "
                                        "output, any form ('-': stdin).")],
    output_format: FormatOption = ReportFormat.TEXT,
    show_secrets: ShowSecretsOption = False,
) -> int:
    """Summarise get-status output: where the device is, progress, what to do next."""
    from ..report.status import RENDERERS

    reading = status_reading(path)
    typer.echo(RENDERERS[output_format.value](reading, show_secrets, path), nl=False)
    return int(ExitCode.OK)
