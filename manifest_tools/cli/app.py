"""The ``manifest-tools`` application: the root options, the command table, the entry point.

Each command lives in a module of this package named for its family and only collects
options, calls the library and renders; heavy modules are imported inside the commands that
need them, so ``validate`` starts fast. ``entry.py`` answers a bare ``--help``/``--version``
before this module loads. Exit codes come from the one map in :mod:`.common`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, NoReturn

import typer

from .._version import __version__
from ..errors import ManifestToolsError
from . import preflight, service, signing, status, validate, verify
from .common import EXIT_CODES, ExitCode, err, exit_code_for

__all__ = ["EXIT_CODES", "ExitCode", "app", "exit_code_for", "main"]

app = typer.Typer(
    name="manifest-tools",
    help="Validate AWS Import/Export (Disk) manifests, write and verify SIGNATURE files, and "
    "read get-status output. Exit codes: 0 clean, 1 findings, 2 usage or I/O error.",
    no_args_is_help=True,
    # Locals in tracebacks could show the secret key: never pretty-print exceptions.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    result_callback=lambda code, **_: _exit_with(code),
)

# The commands, in the order --help lists them: (name, function).
COMMANDS: list[tuple[str, Callable[..., int]]] = [
    ("validate", validate.validate),
    ("init", validate.init),
    ("sign", signing.sign_command),
    ("write-signature", signing.write_signature_command),
    ("verify", verify.verify_command),
    ("status", status.status_command),
    ("preflight", preflight.preflight_command),
]
for _name, _function in COMMANDS:
    app.command(_name)(_function)
# Command groups, after the single commands: (name, sub-app).
GROUPS: list[tuple[str, typer.Typer]] = [
    ("service", service.app),
]
for _name, _group in GROUPS:
    app.add_typer(_group, name=_name)

_state = {"debug": False}


def _exit_with(code: object) -> None:
    """Commands return their exit code; click's standalone mode would drop it."""
    if isinstance(code, int) and code != 0:
        raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"manifest-tools {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show a full traceback on an "
                                        "internal error.")] = False,
) -> None:
    _state["debug"] = debug


def _fail(exc: BaseException) -> NoReturn:
    code = exit_code_for(exc)
    err(f"error: {exc}")
    sys.exit(int(code))


def main(argv: list[str] | None = None) -> NoReturn:
    """Console entry point: run the app and turn every outcome into a documented exit code.

    typer/click handle usage errors themselves (exit 2); a command's returned code reaches
    ``_exit_with`` through the group's result callback.
    """
    try:
        app(args=argv, prog_name="manifest-tools")
    except ManifestToolsError as exc:
        _fail(exc)
    except Exception as exc:
        # One line, the type name only: an exception's message could hold anything.
        if _state["debug"]:
            import traceback

            # The standard form: code lines and messages, never local variables (which
            # could hold the secret key); then exit 2 like without --debug.
            traceback.print_exc()
        err(f"internal error: {type(exc).__name__}; this is a bug, please report it with "
            "the command you ran" + ("" if _state["debug"] else " (run again with --debug "
                                     "for the traceback)"))
        sys.exit(int(ExitCode.TROUBLE))
    sys.exit(int(ExitCode.OK))
