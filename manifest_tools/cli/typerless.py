"""What a command module gets for the name ``typer`` in a run the fast path parsed.

:mod:`.fastpath` parses a common ``validate``, ``log`` or ``preflight`` command line
from the table typer itself generates (:mod:`.argtable`), so nothing in that process
reads the ``typer.Option`` and ``typer.Argument`` declarations of the command's
annotations: they only have to be evaluable. Binding ``typer`` to this module for such a
run saves importing typer (and its vendored click): ~110 M instructions, about a third of
a one-file ``validate``.

- ``Option`` and ``Argument`` record their arguments and are never read;
- ``echo`` is click's ``echo`` for text on a standard stream (ANSI codes removed unless
  the stream is a terminal or the run forced colour, like click's ``ctx.color``); anything
  else (bytes, a stream click would rewrap) goes to typer's own;
- any other name imports the real typer, which replaces this module from then on.

tests/cli/test_fastpath.py compares ``echo`` with click's on terminals, pipes and forced
colour, and a whole run of each kind with typer's.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

# click's _compat._ansi_re, character for character (compiled when there is an ESC).
_ANSI = r"\033\[[;?0-9]*[a-zA-Z]"


class Declared:
    """A ``typer.Option(...)``/``typer.Argument(...)`` nobody reads in this run."""

    __slots__ = ("args", "kwargs")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs


def Option(*args: Any, **kwargs: Any) -> Declared:
    return Declared(*args, **kwargs)


def Argument(*args: Any, **kwargs: Any) -> Declared:
    return Declared(*args, **kwargs)


class Context:
    """The context a parameter callback gets: ``color`` is click's ``ctx.color``."""

    color: bool | None = None


CONTEXT = Context()


def _plain_text_stream(stream: Any) -> bool:
    """click writes to this stream as it is (no rewrapping): a text stream with an encoding
    that is not ASCII and an error mode (click's _is_compatible_text_stream and
    _stream_is_misconfigured)."""
    import codecs
    import io

    if not isinstance(stream, io.TextIOWrapper) or stream.errors is None:
        return False
    try:
        return codecs.lookup(stream.encoding).name != "ascii"
    except LookupError:
        return True


def echo(message: object = None, nl: bool = True, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    if (message is not None and not isinstance(message, str)) or not _plain_text_stream(
            stream):
        real = _real()
        real.echo(message, nl=nl, err=err, color=CONTEXT.color)
        return
    out = (message or "") + "\n" if nl else message
    if not out:
        stream.flush()
        return
    if CONTEXT.color is None:
        strip = not _isatty(stream) and not stream.__class__.__module__.startswith("ipykernel.")
    else:
        strip = not CONTEXT.color
    if strip and "\033" in out:
        import re

        out = re.sub(_ANSI, "", out)
    stream.write(out)
    stream.flush()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except Exception:
        return False


def _real() -> Any:
    """The real typer, in place of this module from now on."""
    if sys.modules.get("typer") is sys.modules[__name__]:
        del sys.modules["typer"]
    return importlib.import_module("typer")


def __getattr__(name: str) -> Any:
    return getattr(_real(), name)
