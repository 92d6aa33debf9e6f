"""The end of a run that raised: one line and the exit code, the same for a run typer
parsed (``app.main``) and one the fast path parsed (``fastpath``)."""

from __future__ import annotations

import sys
from typing import NoReturn


def fail(exc: BaseException) -> NoReturn:
    """A ManifestToolsError's one line and its exit code (common.EXIT_CODES)."""
    from .common import err, exit_code_for

    code = exit_code_for(exc)
    err(f"error: {_where(exc)}{exc}")
    sys.exit(int(code))


def _where(exc: BaseException) -> str:
    """``source:line:col: `` of an error that is one located finding (the one helper,
    ``diagnostics.location``), else nothing."""
    from ..diagnostics import location
    from ..errors import FindingsError

    found = exc.diagnostics if isinstance(exc, FindingsError) else ()
    where = location(found[0]) if len(found) == 1 else None
    return f"{where}: " if where else ""


def internal_error(exc: BaseException, debug: bool) -> NoReturn:
    """Any other exception: one line with the type name only (its message could hold
    anything), exit 2."""
    from .common import ExitCode, err

    if debug:
        import traceback

        # The standard form: code lines and messages, never local variables (which
        # could hold the secret key); then exit 2 like without --debug.
        traceback.print_exc()
    err(f"internal error: {type(exc).__name__}; this is a bug, please report it with "
        "the command you ran" + ("" if debug else " (run again with --debug for the "
                                 "traceback)"))
    sys.exit(int(ExitCode.TROUBLE))
