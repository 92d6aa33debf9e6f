"""An unexpected exception inside a command: one line with a hint to report it, exit 2; the
traceback only with ``--debug``, and never with local variables (they hold the key)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests import cputime
from tests.conftest import RunCli

# Modules, not the same-named functions the package exports.
validate = importlib.import_module("manifest_tools.manifest.validate")
signature = importlib.import_module("manifest_tools.signature")

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MANIFEST = SAMPLES / "valid" / "s3-import.yaml"
KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYINTERNALKEY"


def boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom: something nobody expected")


def test_internal_error_is_one_line_and_exit_2(run_cli: RunCli,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "validate_manifest", boom)
    result = run_cli("validate", str(MANIFEST))
    assert result.code == 2
    assert result.err.count("\n") == 1, result.err
    assert "internal error: RuntimeError" in result.err
    assert "please report it" in result.err and "--debug" in result.err
    assert "Traceback" not in result.err + result.out
    assert "boom" not in result.err  # the message could hold anything: not echoed


def test_debug_shows_the_traceback_and_still_exits_2(run_cli: RunCli,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "validate_manifest", boom)
    result = run_cli("--debug", "validate", str(MANIFEST))
    assert result.code == 2
    assert "Traceback (most recent call last)" in result.err
    assert "RuntimeError: boom: something nobody expected" in result.err
    assert result.err.rstrip().splitlines()[-1].startswith("manifest-tools: internal error")


def test_debug_traceback_in_process_never_shows_the_key(run_cli: RunCli,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    # The HMAC step fails while the key is a local variable of several frames.
    monkeypatch.setattr(signature, "hmac_sha1", boom)
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o600)
    for source in (["--key-file", str(key_file)], []):
        result = run_cli("--debug", "sign", "--job-id", "ABCDE", *source, str(MANIFEST),
                         env={"AWS_SECRET_ACCESS_KEY": KEY})
        assert result.code == 2
        assert "Traceback" in result.err
        assert KEY not in result.err + result.out


# In a real process, so that an exception escaping main() would meet typer's own
# sys.excepthook, which prints local variables when pretty exceptions are on.
CHILD = """
import sys
from manifest_tools import signature
def boom(*args, **kwargs):
    raise RuntimeError("boom")
signature.hmac_sha1 = boom
from manifest_tools.cli.app import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
def test_real_process_never_prints_the_key(debug: bool) -> None:
    argv = ["--debug"] if debug else []
    run = subprocess.run([sys.executable, "-c", CHILD, *argv, "sign", "--job-id", "ABCDE",
                          str(MANIFEST)], capture_output=True, text=True, timeout=cputime.BACKSTOP,
                         env={"AWS_SECRET_ACCESS_KEY": KEY, "PATH": "/usr/bin:/bin",
                              "HOME": "/nonexistent", "COLUMNS": "200"})
    assert run.returncode == 2, run.stderr
    assert ("Traceback" in run.stderr) is debug
    assert "internal error: RuntimeError" in run.stderr
    assert KEY not in run.stderr + run.stdout
    # rich's panel of local variables (typer's pretty exceptions) is never shown.
    assert " locals " not in run.stderr
