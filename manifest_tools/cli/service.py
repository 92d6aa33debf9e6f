"""``manifest-tools service``: the local AWS Import/Export service and its receiving dock.

``run`` serves the 2010-06-01 API that ``aws importexport --endpoint-url`` and boto3 talk
to; ``receive`` and ``return`` are the operator's side of a job (AWS's receiving dock), on
the same data folder.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import UsageError
from .common import ExitCode, err

if TYPE_CHECKING:
    from ..service.store import Store

app = typer.Typer(
    name="service",
    help="A local AWS Import/Export web service for rehearsing whole jobs with the real AWS "
    "CLI or boto3 (--endpoint-url), and its receiving dock.",
    # The root --help's one line (click would cut the help above at 45 characters, "...").
    short_help="Rehearse whole jobs on a local Import/Export service.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

DataOption = Annotated[str | None, typer.Option(
    "--data", metavar="DIR", help="Data folder holding the jobs database (and buckets/); "
    "default: a per-user folder ($XDG_DATA_HOME or ~/.local/share)/manifest-tools/service.")]


@app.command("run")
def run_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Anything but "
                                      "loopback prints a warning.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="TCP port (fixed, for config files); 0 picks a "
                                      "free one.")] = 0,
    data: DataOption = None,
    ephemeral: Annotated[bool, typer.Option(
        "--ephemeral", help="Keep the jobs in a throwaway folder, removed when the service "
        "stops (not with --data).")] = False,
    credentials: Annotated[str | None, typer.Option(
        "--credentials", metavar="FILE", help="AWS shared-credentials file whose profiles "
        "(aws_access_key_id + aws_secret_access_key) are the accounts. Default: "
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and the AWS shared credentials "
        "file.")] = None,
) -> int:
    """Serve the Import/Export API until SIGINT/SIGTERM (requests in flight are finished)."""
    import shutil
    import tempfile

    from ..report.service import endpoint_hint
    from ..service.server import build, is_loopback

    if ephemeral and data is not None:
        raise UsageError("--ephemeral and --data exclude each other")
    folder = tempfile.mkdtemp(prefix="manifest-tools-service-") if ephemeral else data
    try:
        server = build(host, port, folder, credentials)
        if not is_loopback(host):
            err(f"warning: listening on {host}, not loopback: anyone who can reach it and "
                "holds one of the keys can create and read jobs")
        sys.stdout.write(f"manifest-tools service: listening on {server.url}\n"
                         f"{endpoint_hint(server.url)}")
        sys.stdout.flush()
        server.install_signal_handlers()
        server.run()
    finally:
        if ephemeral and folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    err("service stopped")
    return int(ExitCode.OK)


@app.command("jobs")
def jobs_command(
    data: DataOption = None,
    output: Annotated[str, typer.Option("--format", metavar="text|json",
                                        help="text (a table) or json (as GET "
                                        "/_manifest-tools/state).")] = "text",
) -> int:
    """List every account's jobs in a data folder (the service may be running)."""
    import json
    import os

    from ..report.service import jobs_text
    from ..service.control import all_jobs, state
    from ..service.operations import Context

    if output not in ("text", "json"):
        raise UsageError(f"--format must be text or json, not {output!r}")
    folder = data or _default_data()
    if not os.path.isdir(folder):
        raise UsageError(f"no service data folder at {folder}")
    store = _store(folder)
    if output == "json":
        typer.echo(json.dumps(state(Context(store, {}, "")), indent=2))
    else:
        typer.echo(jobs_text(all_jobs(store)), nl=False)
    return int(ExitCode.OK)


def _default_data() -> str:
    from ..service.server import default_data_dir

    return default_data_dir()


def _store(data: str | None) -> Store:
    """The jobs of an existing data folder (receive and return never create one)."""
    from ..service.server import default_data_dir
    from ..service.store import Store

    return Store(data or default_data_dir(), create=False)


@app.command("receive")
def receive_command(
    job_id: Annotated[str, typer.Argument(metavar="JOB_ID", help="The job whose device "
                                          "arrived.")],
    device_root: Annotated[str, typer.Argument(metavar="DEVICE_ROOT",
                                               help="Root folder of the device.")],
    data: DataOption = None,
    copy: Annotated[bool, typer.Option("--copy", help="Also copy each imported file to "
                                       "DIR/buckets/<bucket>/<key>.")] = False,
) -> int:
    """AWS's receiving dock: check the device's SIGNATURE, import it, write the import log.

    Exit 0 when the job ends Success, 1 for SuccessWithErrors, MissingSignature or
    InvalidSignature (get-status says which), 2 when it cannot be received at all.
    """
    from ..report.service import receipt_text
    from ..service.dock import receive
    store = _store(data)
    receipt = receive(store, job_id, device_root, copy=copy)
    typer.echo(receipt_text(receipt), nl=False)
    return int(ExitCode.OK if receipt.progress_code == "Success" else ExitCode.FINDINGS)


@app.command("return")
def return_command(
    job_id: Annotated[str, typer.Argument(metavar="JOB_ID", help="The job whose device is "
                                          "shipped back.")],
    data: DataOption = None,
    carrier: Annotated[str, typer.Option("--carrier", help="Carrier get-status names.")
                       ] = "UPS",
    tracking_number: Annotated[str | None, typer.Option(
        "--tracking-number", help="Tracking number get-status shows.")] = None,
) -> int:
    """Ship a received device back: get-status then says LocationCode Returned."""
    from ..report.service import returned_text
    from ..service.dock import return_device
    store = _store(data)
    typer.echo(returned_text(return_device(store, job_id, carrier, tracking_number)), nl=False)
    return int(ExitCode.OK)
