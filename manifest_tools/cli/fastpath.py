"""``validate``, ``log``, ``preflight`` and ``prepare`` without typer: the common command lines
parsed from typer's own table.

Importing typer (and the click it vendors) is about a third of a one-file ``validate``.
The options stay declared once, in the command's typer annotations; :func:`describe`
turns the click command typer builds from them into a plain table, stored in
:mod:`.argtable` (a test regenerates it and fails on any drift, as for ``roothelp``).

:func:`parse` reads an argument list with that table, click's way, for the forms people
type: long options with a separate or ``=`` value, single short options, flags, repeated
options, ``--``, ``-`` as a path, integers within their range. It returns ``None`` for
anything else — help, an unknown or combined option, a missing value, a choice not in the
list, no path — and :func:`run` then leaves the run to typer, which prints its usual
message. So every argument list is rejected by typer itself, and
tests/cli/test_fastpath.py checks that whatever this parser accepts, typer accepts with the
same values.

A parsed run binds the name ``typer`` to :mod:`.typerless` (the command module's
annotations are never read), calls the command and maps its outcome to the exit code as
``app.main`` does.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from .argtable import COMMANDS

__all__ = ["COMMANDS", "describe", "parse", "run"]

HELP = frozenset({"-h", "--help"})


def _choice(param: dict[str, Any], value: str) -> str | None:
    choices: list[str] = param["choices"]
    if param["case_sensitive"]:
        return value if value in choices else None
    folded = value.casefold()
    return next((c for c in choices if c.casefold() == folded), None)


def _integer(bounds: list[int | None], value: str) -> int | None:
    """click's int conversion (``int(value)``) within an IntRange's closed bounds."""
    try:
        number = int(value)
    except ValueError:
        return None
    low, high = bounds
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def parse(command: str, args: list[str]) -> dict[str, Any] | None:
    """The click-level values (strings, lists, booleans) of ``args`` for ``command``, or
    ``None`` if this parser leaves the list to typer."""
    params: list[dict[str, Any]] = COMMANDS[command]["params"]
    by_opt = {opt: p for p in params if p["kind"] != "argument" for opt in p["opts"]}
    given: dict[str, Any] = {}
    rest: list[str] = []
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            rest.extend(tokens)
        elif token in HELP:
            return None
        elif not token.startswith("-") or token == "-":
            rest.append(token)
        elif not _option(by_opt, token, tokens, given):
            return None
    if any(p["required"] and p["kind"] != "argument" and p["name"] not in given
           for p in params):
        return None  # a required option left out: typer's message
    arguments = [p for p in params if p["kind"] == "argument"]
    if not arguments:
        return None if rest else given
    argument = arguments[0]
    if len(arguments) > 1 or argument["nargs"] == 1:  # prepare's SOURCE DEVICE_ROOT
        if len(rest) != len(arguments) or any(a["nargs"] != 1 for a in arguments):
            return None
        given.update(zip([a["name"] for a in arguments], rest, strict=True))
        return given
    if argument["required"] and not rest:
        return None
    given[argument["name"]] = rest
    return given


def _option(by_opt: dict[str, dict[str, Any]], token: str, tokens: Iterator[str],
            given: dict[str, Any]) -> bool:
    """Take one option (and its value) into ``given``; False: leave the list to typer."""
    name, eq, attached = token.partition("=")
    if not name.startswith("--") and (eq or len(token) != 2):
        return False  # -oFILE, -qs, -o=FILE: click's business
    param = by_opt.get(name)
    if param is None:
        return False
    if param["kind"] == "flag":
        given[param["name"]] = True
        return not eq
    text = attached if eq else next(tokens, None)
    if text is None or text in HELP:
        return False
    value: str | int | None = text
    if param["choices"] is not None:
        value = _choice(param, text)
    elif param["integer"] is not None:
        value = _integer(param["integer"], text)
    if value is None:
        return False
    if param["multiple"]:
        given.setdefault(param["name"], []).append(value)
    else:
        given[param["name"]] = value
    return True


def _load(path: str) -> Any:
    module, _, attribute = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


def python_values(command: str, given: dict[str, Any]) -> dict[str, Any]:
    """The values typer hands the function: enums for choices, lists or ``None`` for
    repeated options, each parameter's callback applied as click applies it."""
    from . import typerless

    kwargs: dict[str, Any] = {}
    for param in COMMANDS[command]["params"]:
        name = param["name"]
        value = given.get(name, param["default"])
        if param["kind"] == "argument" and param["nargs"] == 1:
            pass
        elif param["kind"] == "argument" or param["multiple"]:
            value = list(value) if value else param["empty"]
        elif param["enum"] is not None and value is not None:
            value = _load(param["enum"])(value)
        if param["callback"] is not None:
            value = _load(param["callback"])(typerless.CONTEXT, value)
        kwargs[name] = value
    return kwargs


def run(args: list[str]) -> None:
    """Run ``args`` if :func:`parse` accepts them (never returns then); else return."""
    command = args[0] if args else ""
    if command not in COMMANDS:
        return
    given = parse(command, args[1:])
    if given is None:
        return
    if "typer" not in sys.modules:
        from . import typerless

        sys.modules["typer"] = typerless
    kwargs = python_values(command, given)
    _finish(_load(COMMANDS[command]["function"]), kwargs)


def _finish(function: Callable[..., Any], kwargs: dict[str, Any]) -> NoReturn:
    """The command's outcome as an exit code, as typer's main and ``app.main`` give it."""
    import errno

    from ..errors import ManifestToolsError
    from .exits import fail, internal_error

    try:
        code = function(**kwargs)
    except ManifestToolsError as exc:
        fail(exc)
    except EOFError:
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            internal_error(exc, debug=False)
        from typer._click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)
        sys.stderr = PacifyFlushWrapper(sys.stderr)
        sys.exit(1)
    except Exception as exc:
        internal_error(exc, debug=False)
    sys.exit(code if isinstance(code, int) and code != 0 else 0)


def describe(commands: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The table :mod:`.argtable` stores, made from the click commands typer builds (for
    the test that writes and checks it; imports typer)."""
    import inspect
    import typing
    from enum import Enum

    from .app import COMMANDS as SPECS
    from .app import load_command

    table: dict[str, dict[str, Any]] = {}
    for name in commands:
        module, _, attribute = SPECS[name].partition(":")
        function = getattr(importlib.import_module(f"{__package__}.{module}"), attribute)
        hints = typing.get_type_hints(function, include_extras=True)
        defaults = {k: v.default for k, v in inspect.signature(function).parameters.items()}
        command = load_command(name, SPECS[name])
        params = []
        for p in command.params:
            if p.is_eager and p.name == "key":
                # --key only refuses (exit 2, with why): left out of the table, a list
                # with it is one this parser does not know, and typer refuses it.
                continue
            hint = hints[p.name]
            meta = next(m for m in hint.__metadata__ if hasattr(m, "callback"))
            base = typing.get_args(hint)[0]
            enum = next((t for t in (base, *typing.get_args(base))
                         if isinstance(t, type) and issubclass(t, Enum)), None)
            assert not p.envvar and not getattr(p, "prompt", None) and p.expose_value
            assert not getattr(p, "count", False) and not p.secondary_opts and not p.is_eager
            kind = ("argument" if p.param_type_name == "argument"
                    else "flag" if getattr(p, "is_flag", False) else "value")
            assert p.nargs in ((-1, 1) if kind == "argument" else (1,)) and p.type.name in (
                "str", "text", "boolean", "choice", "integer", "int range"), (name, p.name)
            assert not getattr(p.type, "min_open", False) and not getattr(p.type, "max_open",
                                                                          False)
            assert not getattr(p.type, "clamp", False)
            if callback := meta.callback:
                ctx, _value = inspect.signature(callback).parameters.values()
                assert "Context" in str(ctx.annotation), (name, p.name)
            default = p.default.value if isinstance(p.default, Enum) else p.default
            params.append({
                "name": p.name, "kind": kind, "opts": list(p.opts),
                "multiple": bool(p.multiple), "required": bool(p.required), "nargs": p.nargs,
                "default": default, "empty": None if defaults[p.name] is None else [],
                "choices": list(p.type.choices) if p.type.name == "choice" else None,
                "case_sensitive": getattr(p.type, "case_sensitive", True),
                "integer": [getattr(p.type, "min", None), getattr(p.type, "max", None)]
                if p.type.name in ("integer", "int range") else None,
                "enum": None if enum is None else f"{enum.__module__}:{enum.__qualname__}",
                "callback": None if callback is None
                else f"{callback.__module__}:{callback.__qualname__}",
            })
        table[name] = {"function": f"{function.__module__}:{function.__qualname__}",
                       "params": params}
    return table


def table_text(table: dict[str, dict[str, Any]]) -> str:
    """The source of :mod:`.argtable` for ``table``."""
    import pprint

    lines = ['"""The options of the commands the fast path runs, as typer builds them (see',
             "cli/fastpath.py).", "",
             "Generated from the live app: do not edit; run",
             "`UPDATE_ARGTABLE=1 pytest tests/cli/test_fastpath.py`.", '"""', "",
             "from typing import Any", "",
             "COMMANDS: dict[str, dict[str, Any]] = {"]
    for name, command in table.items():
        lines += [f"    {name!r}: {{", f"        'function': {command['function']!r},",
                  "        'params': ["]
        for param in command["params"]:
            text = pprint.pformat(param, width=86, sort_dicts=False)
            lines += [f"            {line}" for line in text.splitlines()]
            lines[-1] += ","
        lines += ["        ],", "    },"]
    return "\n".join([*lines, "}", ""])
