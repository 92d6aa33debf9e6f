"""``rules``: the rule catalogue, or one rule explained with an example."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import UsageError
from .common import ExitCode, FormatOption, ReportFormat


def rules_command(
    rule_id: Annotated[str | None, typer.Argument(
        metavar="[RULE]", help="A rule id (e.g. MT303) to explain; all rules without it.")]
    = None,
    output_format: FormatOption = ReportFormat.TEXT,
) -> int:
    """List every rule (id, name, level, source), or explain one with an example."""
    from ..report.rules import render_rule, render_rules
    from ..rules import RULES

    if rule_id is None:
        typer.echo(render_rules(list(RULES.values()), output_format.value), nl=False)
        return int(ExitCode.OK)
    rule = RULES.get(rule_id.strip().upper())
    if rule is None:
        raise UsageError(f"unknown rule {rule_id!r}; 'manifest-tools rules' lists them all")
    typer.echo(render_rule(rule, output_format.value), nl=False)
    return int(ExitCode.OK)
