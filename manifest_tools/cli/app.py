"""The ``manifest-tools`` application: the root options, the command table, the entry point.

Each command lives in a module of this package named for its family and only collects
options, calls the library and renders; a command's module is imported only when it runs
(``COMMANDS``, ``LazyGroup``) and heavy modules only inside the commands that need them, so
``validate`` starts fast. ``entry.py`` answers a bare ``--help``/``--version``
before this module loads. Exit codes come from the one map in :mod:`.common`.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from typing import Annotated, Any, ClassVar, NoReturn

import typer
from typer.core import TyperGroup

from .._version import __version__
from ..errors import ManifestToolsError
from .common import EXIT_CODES, ExitCode, exit_code_for
from .exits import fail, internal_error

__all__ = ["COMMANDS", "EXIT_CODES", "ExitCode", "app", "exit_code_for", "main"]

# The commands, in the order --help lists them: name -> "module:attribute" in this package,
# a command function or a typer app (a command group). A module is imported only when its
# command runs, or when help or completion lists the commands.
COMMANDS: dict[str, str] = {
    "validate": "validate:validate",
    "init": "validate:init",
    "schema": "schema:schema_command",
    "sign": "signing:sign_command",
    "write-signature": "signing:write_signature_command",
    "verify": "verify:verify_command",
    "status": "status:status_command",
    "preflight": "preflight:preflight_command",
    "prepare": "prepare:prepare_command",
    "log": "log:log_command",
    "service": "service:app",
    "rules": "rules:rules_command",
}

# The one line each command gets in the root --help (click would cut each help's first
# sentence at 45 characters, mid-thought).
SHORT_HELP: dict[str, str] = {
    "validate": "Validate manifests (2.0 and 3.0) before shipping.",
    "init": "Print a commented skeleton manifest to fill in.",
    "schema": "Print a job type's JSON Schema.",
    "sign": "Compute a manifest's SIGNATURE file for a job id.",
    "write-signature": "Write the SIGNATURE into a device root, atomically.",
    "verify": "Check a job's SIGNATURE and manifest against get-status.",
    "status": "Summarise get-status or list-jobs output.",
    "preflight": "Check a device before shipping: files, keys, SIGNATURE.",
    "prepare": "Copy files onto the device with a journal; resume.",
    "log": "Read a job's log; reconcile it with the device or journal.",
    "service": "Rehearse whole jobs on a local Import/Export service.",
    "rules": "List every rule, or explain one.",
}


def load_command(name: str, spec: str) -> Any:
    """The click command for ``spec``, built by typer from the function's annotations."""
    module, attribute = spec.split(":")
    obj = getattr(importlib.import_module(f".{module}", __package__), attribute)
    if not isinstance(obj, typer.Typer):
        single = typer.Typer(add_completion=False, rich_markup_mode=None)
        single.command(name)(obj)
        obj = single
    command = typer.main.get_command(obj)
    command.name = name
    command.short_help = SHORT_HELP[name]
    return command


# An option name as typed ('--key-file', '-o'): never a secret.
_OPTION_NAME = re.compile(r"-{1,2}[a-z][a-z0-9-]*")
NOT_SHOWN = "(an argument, not shown: it may be a secret key)"
# click's UsageError, as vendored by typer (which exports only its BadParameter child).
_USAGE_ERROR: type[Any] = next(c for c in typer.BadParameter.__mro__
                               if c.__name__ == "UsageError")


def scrub_usage(message: str, argv: list[str]) -> str:
    """A usage error's message with every argument it quotes taken out, unless it is an
    option's or a command's name or an existing path: click repeats what it could not use
    ('Got unexpected extra argument(s) (KEY)'), and that may be a secret key pasted in the
    wrong place (as an argument, as '-KEY', as '--opt=KEY')."""
    parts: set[str] = set()
    for token in argv:
        for part in (token, *token.split("=", 1)[1:]):
            if _OPTION_NAME.fullmatch(part) or part in COMMANDS:
                continue
            parts.update((part, part.lstrip("-")))
    for part in sorted(parts, key=len, reverse=True):
        if len(part) >= 4 and part in message and not os.path.lexists(part):
            message = message.replace(part, NOT_SHOWN)
    return message


class LazyGroup(TyperGroup):
    """The root group: commands from COMMANDS, each loaded on first use; usage errors
    never repeat an argument that may be a key (:func:`scrub_usage`)."""

    _argv: ClassVar[list[str]] = []  # the arguments of this run (one run per process)

    def main(self, args: Any = None, *more: Any, **options: Any) -> Any:
        LazyGroup._argv = [str(a) for a in (sys.argv[1:] if args is None else args)]
        return super().main(args, *more, **options)

    def make_context(self, *args: Any, **options: Any) -> Any:
        try:
            return super().make_context(*args, **options)
        except _USAGE_ERROR as exc:
            exc.message = scrub_usage(exc.message, self._argv)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _USAGE_ERROR as exc:
            exc.message = scrub_usage(exc.message, self._argv)
            raise

    def list_commands(self, ctx: Any) -> list[str]:
        return [*COMMANDS, *(n for n in super().list_commands(ctx) if n not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.add_command(load_command(cmd_name, COMMANDS[cmd_name]), cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    cls=LazyGroup,
    name="manifest-tools",
    help="AWS Import/Export (Disk) jobs from manifest to log: validate manifests, sign and "
    "write SIGNATURE files, read and verify get-status output, check and prepare the device, "
    "reconcile AWS's job log, and rehearse a job on a local service. Exit codes: 0 clean, "
    "1 findings, 2 usage or I/O error.",
    no_args_is_help=True,
    # Locals in tracebacks could show the secret key: never pretty-print exceptions.
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    # -h as well as --help, on the root and (inherited by click) on every command.
    context_settings={"help_option_names": ["-h", "--help"]},
    result_callback=lambda code, **_: _exit_with(code),
)

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


def main(argv: list[str] | None = None) -> NoReturn:
    """Console entry point: run the app and turn every outcome into a documented exit code.

    typer/click handle usage errors themselves (exit 2); a command's returned code reaches
    ``_exit_with`` through the group's result callback.
    """
    try:
        app(args=argv, prog_name="manifest-tools")
    except ManifestToolsError as exc:
        fail(exc)
    except Exception as exc:
        internal_error(exc, _state["debug"])
    sys.exit(int(ExitCode.OK))
