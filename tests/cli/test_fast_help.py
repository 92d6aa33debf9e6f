"""`manifest-tools --help` and `--version` are answered without importing typer, and the
stored help text is exactly what typer prints (regenerate: UPDATE_HELP=1 pytest this file)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

from manifest_tools._version import __version__
from manifest_tools.cli import roothelp as _roothelp
from tests import cputime

STORED = Path(_roothelp.__file__)
HEADER = ('"""The top-level --help text, generated from the typer app by '
          'tests/cli/test_fast_help.py.\n\nDo not edit: run `UPDATE_HELP=1 pytest '
          'tests/cli/test_fast_help.py`.\n"""\n\n')


def _run(code: str, columns: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env,
                          capture_output=True, text=True, check=False, timeout=cputime.BACKSTOP)


def live_help(columns: int) -> str:
    """What typer itself prints (cli.main, never the fast path)."""
    proc = _run("from manifest_tools.cli.app import main; main(['--help'])", columns)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _module_text(text: str) -> str:
    lines = "".join(f"    {line!r}\n" for line in text.splitlines(keepends=True))
    return HEADER + f"ROOT_HELP = (\n{lines})\n"


def test_stored_help_is_what_typer_prints() -> None:
    live = live_help(120)
    if os.environ.get("UPDATE_HELP"):
        STORED.write_text(_module_text(live), encoding="utf-8")
        importlib.reload(_roothelp)
    assert live == _roothelp.ROOT_HELP, "stale: run UPDATE_HELP=1 pytest " + __file__


def test_help_and_version_do_not_import_typer() -> None:
    for argv, expected in ((["--help"], _roothelp.ROOT_HELP),
                           (["--version"], f"manifest-tools {__version__}\n")):
        proc = _run(f"from manifest_tools.cli.entry import main; main({argv!r})", 100)
        assert proc.returncode == 0
        assert proc.stdout == expected
        imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
        assert "typer" not in imported and "manifest_tools.cli.app" not in imported


def test_narrow_terminal_gets_typer_wrapping() -> None:
    proc = _run("from manifest_tools.cli.entry import main; main(['--help'])", 60)
    assert proc.returncode == 0
    assert proc.stdout == live_help(60) != _roothelp.ROOT_HELP


def test_other_arguments_go_to_the_full_cli() -> None:
    proc = _run("from manifest_tools.cli.entry import main; main(['validate', '--help'])", 100)
    assert proc.returncode == 0
    assert "Usage: manifest-tools validate" in proc.stdout


def test_every_command_has_its_whole_line_in_the_root_help() -> None:
    from manifest_tools.cli.app import COMMANDS, SHORT_HELP

    assert list(SHORT_HELP) == list(COMMANDS)
    listed = _roothelp.ROOT_HELP.split("Commands:\n", 1)[1]
    for name, line in SHORT_HELP.items():
        assert f"  {name} " in listed and " ".join(line.split()[:3]) in listed, name
    assert "..." not in listed  # click's cut of a long first sentence
