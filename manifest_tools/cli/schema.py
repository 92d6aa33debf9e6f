"""``schema``: the JSON Schema of a job type, from the installed package (no checkout)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import InputError
from ..manifest.jobtype import JobType
from .common import ExitCode

JobTypeRequired = Annotated[JobType, typer.Option(
    "--job-type", case_sensitive=False, help="Job type: import (S3), export (S3), ebs, "
    "glacier.")]


def schema_path(job_type: JobType) -> str:
    """The installed schema file of a job type (a real file: editors and check-jsonschema
    open it by path)."""
    from importlib import resources
    from pathlib import Path

    found = Path(str(resources.files("manifest_tools.schemas") / job_type.schema_file))
    if not found.is_file():
        raise InputError(f"{found}: the installed schema is missing; reinstall manifest-tools",
                         str(found))
    return str(found)


def schema_command(
    job_type: JobTypeRequired,
    path: Annotated[bool, typer.Option(
        "--path", help="Print the installed file's path instead of the schema.")] = False,
) -> int:
    """Print a job type's JSON Schema (self-contained, with its $id), or its installed path.

    Editors: `manifest-tools init --modeline url|path`, or map files to the path in the
    editor's settings; the command line: check-jsonschema --schemafile "$(manifest-tools
    schema --path --job-type import)" manifest.yaml."""
    found = schema_path(job_type)
    if path:
        typer.echo(found)
        return int(ExitCode.OK)
    with open(found, encoding="utf-8") as handle:
        typer.echo(handle.read(), nl=False)
    return int(ExitCode.OK)
