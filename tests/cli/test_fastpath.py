"""The typer-free fast path of `validate` (cli/fastpath.py): its table is what typer builds
(regenerate: UPDATE_ARGTABLE=1 pytest this file), whatever it accepts typer accepts with
the same values, everything else goes to typer, and a run gives typer's output and exit
code byte for byte without importing typer."""

from __future__ import annotations

import functools
import importlib
import io
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer import _click as click

from manifest_tools.cli import argtable, fastpath, typerless
from manifest_tools.cli.log import log_command
from manifest_tools.cli.preflight import preflight_command
from manifest_tools.cli.prepare import prepare_command
from manifest_tools.cli.validate import validate
from manifest_tools.logs.write import LogWriter
from tests import cputime

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "samples" / "valid" / "s3-import.yaml"
INVALID = sorted((ROOT / "samples" / "invalid").glob("MT2*.yaml"))[0]


def test_stored_table_is_what_typer_builds() -> None:
    live = fastpath.table_text(fastpath.describe(("validate", "log", "preflight", "prepare")))
    stored = Path(argtable.__file__)
    if os.environ.get("UPDATE_ARGTABLE"):
        stored.write_text(live, encoding="utf-8")
        importlib.reload(argtable)
    assert live == stored.read_text(encoding="utf-8"), "stale: run UPDATE_ARGTABLE=1 pytest"


FUNCTIONS: dict[str, Callable[..., Any]] = {"validate": validate, "log": log_command,
                                            "preflight": preflight_command,
                                            "prepare": prepare_command}


@functools.cache
def _typer_command(command: str) -> tuple[Any, list[dict[str, Any]]]:
    """The click command typer builds for ``command`` (built once: building it is most of the
    cost of a call), and the list its calls are recorded in."""
    seen: list[dict[str, Any]] = []

    @functools.wraps(FUNCTIONS[command])
    def record(**kwargs: Any) -> int:
        seen.append(kwargs)
        return 0

    app = typer.Typer(add_completion=False, rich_markup_mode=None,
                      context_settings={"help_option_names": ["-h", "--help"]})
    app.command(command)(record)
    return typer.main.get_command(app), seen


def _typer_values(command: str, args: list[str]) -> dict[str, Any] | None:
    """What typer passes to the command for ``args``, or None if it refuses them."""
    built, seen = _typer_command(command)
    seen.clear()
    try:
        built.main(list(args), prog_name=command, standalone_mode=False)
    except click.exceptions.ClickException:
        return None
    return seen[0] if seen else None  # --help prints and records nothing


def _fast_values(command: str, args: list[str]) -> dict[str, Any] | None:
    given = fastpath.parse(command, args)
    if given is None:
        return None
    try:
        return fastpath.python_values(command, given)
    finally:
        typerless.CONTEXT.color = None


WORDS = ["import-log-X", "--device", "dev", "--keys", "k.csv", "--show-secrets", "--journal",
         "j", "--manifest", "m.yaml",
         "--status", "s.json", "--retry", "r.txt", "--null", "--jobs", "2", "0", "257", "x",
         "+3", " 4", "--jobs=256", "--jobs=1", "--no-progress", "--format=JSON", "TEXT",
         "a.yaml", "b.yaml", "-", "--", "--job-type", "import", "EBS", "Glacier", "s3",
         "--format", "json", "SARIF", "xml", "--format=github", "--format=", "-o", "out.txt",
         "--output-file", "--output-file=r.json", "--strict", "--strict=1", "-q", "--quiet",
         "-qs", "-oout", "--color", "always", "NEVER", "auto", "--color=always", "--exclude",
         "*.bak", "--disable", "MT3", "--enable", "MT311,MT2", "--config", "c.toml",
         "--isolated", "--stdin-filename", "x.yaml", "--statistics", "--exit-zero", "--fix",
         "--diff", "--help", "-h", "--nope", "-x", "--jobs", "--Format", "--job-type=ebs"]


LOG_WORDS = WORDS[:28]
PREPARE_WORDS = [*WORDS[10:28], "--job-id", "JOBID", "--verify", "--dry-run", "--key-file",
                 "k", "--profile", "p", "--key", "secret", "--secret-key", "--jobs", "64",
                 "65"]


def _argument_lists() -> list[list[str]]:
    rng = random.Random(24)
    # Lists of mostly log's words, one log file among them.
    log = [[*(rng.choice(LOG_WORDS) for _ in range(rng.randint(0, 5))), "import-log-X",
            *(rng.choice(LOG_WORDS[1:]) for _ in range(rng.randint(0, 3)))]
           for _ in range(1000)]
    # preflight's: --manifest is required.
    preflight = [[*(rng.choice(LOG_WORDS) for _ in range(rng.randint(0, 4))), "--manifest",
                  "m.yaml", *(rng.choice(LOG_WORDS) for _ in range(rng.randint(0, 3)))]
                 for _ in range(1000)]
    # prepare's: SOURCE DEVICE_ROOT, --manifest and --journal are required.
    prepare = [[*(rng.choice(PREPARE_WORDS) for _ in range(rng.randint(0, 2))), "src",
                "--manifest", "m.yaml", *(rng.choice(PREPARE_WORDS) for _ in range(
                    rng.randint(0, 1))), "--journal", "j", "dev",
                *(rng.choice(PREPARE_WORDS) for _ in range(rng.randint(0, 2)))]
               for _ in range(1000)]
    lists = [[rng.choice(WORDS) for _ in range(rng.randint(0, 7))] for _ in range(2500)]
    return [
        *lists, *log, *preflight, *prepare, ["a.yaml"], ["-q", "a.yaml", "b.yaml"],
        ["a.yaml", "--format", "json", "-o", "-q"],
        ["--", "--help"], ["--", "-q"], ["-o", "--", "a.yaml"], ["--exclude", "-", "a"],
        ["--strict", "--strict", "a"], ["--format", "json", "--format", "text", "a"],
        ["--color", "always", "a"], ["--job-type", "EBS", "-"], [], ["--strict"],
        ["a", "--format"], ["a", "-o"], ["--disable", "MT3", "--disable", "MT4", "a"],
    ]


@pytest.mark.parametrize("command", ["validate", "log", "preflight", "prepare"])
def test_whatever_the_fast_parser_accepts_typer_accepts_alike(command: str) -> None:
    assert set(argtable.COMMANDS) == set(FUNCTIONS)
    accepted = refused = 0
    for args in _argument_lists():
        fast = _fast_values(command, args)
        if fast is None:  # typer's own parser then runs: nothing to compare
            refused += 1
            continue
        accepted += 1
        slow = _typer_values(command, args)
        assert slow is not None, args
        # --key (it only refuses) is not in the table: the fast path passes nothing for it.
        assert slow.pop("key", None) is None, args
        assert fast == slow, args
        assert [type(v) for v in fast.values()] == [type(v) for v in slow.values()], args
    assert accepted > 100 and refused > 300, (accepted, refused)


def test_common_command_lines_take_the_fast_path() -> None:
    for args in (["a.yaml"], ["-q", "a", "b"], ["--format", "sarif", "-o", "r.sarif", "a"],
                 ["--strict", "--color", "never", "--exclude", "*.bak", "dir"], ["-"],
                 ["--disable", "MT3,MT4", "--config", "c.toml", "a", "--exit-zero"]):
        assert fastpath.parse("validate", args) is not None, args


class _Stream(io.TextIOWrapper):
    def __init__(self, tty: bool, encoding: str = "utf-8") -> None:
        super().__init__(io.BytesIO(), encoding=encoding, errors="strict")
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty

    def text(self) -> str:
        self.flush()
        raw = self.buffer
        assert isinstance(raw, io.BytesIO)
        return raw.getvalue().decode("utf-8")


@pytest.mark.parametrize("tty", [True, False])
@pytest.mark.parametrize("color", [None, True, False])
@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
def test_echo_writes_what_click_writes(monkeypatch: pytest.MonkeyPatch, tty: bool,
                                       color: bool | None, encoding: str) -> None:
    messages: list[tuple[object, bool]] = [
        ("\x1b[31merror\x1b[0m MT201 x", True), ("plain", False), ("", True), ("", False),
        (None, True), (3, True), ("caf\u00e9 \x1b[1mbold\x1b[0m\n", False)]
    for err in (False, True):
        ours, theirs = _Stream(tty, encoding), _Stream(tty, encoding)
        for stream, write in ((ours, typerless.echo), (theirs, None)):
            monkeypatch.setattr(sys, "stderr" if err else "stdout", stream)
            for message, nl in messages:
                if write is None:
                    click.echo(message, nl=nl, err=err, color=color)
                else:
                    monkeypatch.setattr(typerless.CONTEXT, "color", color)
                    write(message, nl=nl, err=err)
        assert ours.text() == theirs.text()


def _run(code: str, stdin: str = "") -> tuple[int, str, str, set[str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], input=stdin,
                          capture_output=True, text=True, check=False,
                          timeout=cputime.BACKSTOP, cwd=ROOT)
    lines = proc.stderr.splitlines()
    imported = {line.split("|")[-1].strip() for line in lines if line.startswith("import time")}
    err = "".join(f"{line}\n" for line in lines if not line.startswith("import time"))
    return proc.returncode, proc.stdout, err, imported


@pytest.mark.parametrize("args", [
    [str(VALID)], ["-q", str(VALID), str(INVALID)], ["--format", "json", str(INVALID)],
    ["--color", "always", str(INVALID)], ["--statistics", str(INVALID)],
    ["--strict", "--format", "sarif", str(VALID)], [str(ROOT / "no-such-file.yaml")],
    ["--disable", "MT9x", str(VALID)], ["-"], ["--diff", str(INVALID)],
    ["--job-type", "ebs", "--format=github", str(VALID), "--exit-zero", str(INVALID)],
])
def test_a_run_is_typer_run_without_typer(args: list[str]) -> None:
    stdin = VALID.read_text(encoding="utf-8")
    fast = _run("from manifest_tools.cli.entry import main; "
                f"main({['validate', *args]!r})", stdin)
    slow = _run(f"from manifest_tools.cli.app import main; main({['validate', *args]!r})",
                stdin)
    assert fast[:3] == slow[:3]
    assert "typer" not in fast[3] and "typer._click" not in fast[3], fast[3]
    assert "typer" in slow[3]


def test_what_the_fast_path_leaves_goes_to_typer() -> None:
    for args in (["validate", "--nope", str(VALID)], ["validate", "-h"], ["validate"]):
        fast = _run(f"from manifest_tools.cli.entry import main; main({args!r})")
        slow = _run(f"from manifest_tools.cli.app import main; main({args!r})")
        assert fast[:3] == slow[:3]
        assert "typer" in fast[3]


def test_a_log_run_is_typer_run_without_typer(tmp_path: Path) -> None:
    import hashlib

    device = tmp_path / "dev"
    device.mkdir()
    rows = []
    for n in range(3):
        data = f"file {n}\n".encode()
        (device / f"f{n}.txt").write_bytes(data)
        md5 = hashlib.md5(data if n else b"other").hexdigest()  # f0's MD5 differs
        rows.append((f"f{n}.txt", md5, len(data)))
    log = tmp_path / "import-log-ABCDE"
    with log.open("w", newline="", encoding="utf-8") as f:
        writer = LogWriter(f)
        for rel, md5, size in rows:
            writer.loaded(rel, f"bucket/{rel}", md5, size)
    for args in ([str(log)], [str(log), "--device", str(device), "--no-progress"],
                 ["--format", "json", str(log), "--device", str(device), "--jobs", "1"],
                 [str(log), "--null"], [str(log), "--jobs", "0"]):
        argv = ["log", *args]
        fast = _run(f"from manifest_tools.cli.entry import main; main({argv!r})")
        slow = _run(f"from manifest_tools.cli.app import main; main({argv!r})")
        assert fast[:3] == slow[:3], args
        assert ("typer" in fast[3]) == (args[-1] == "0"), args  # --jobs 0: typer's error


def test_a_preflight_run_is_typer_run_without_typer(tmp_path: Path) -> None:
    device = tmp_path / "dev"
    (device / "photos").mkdir(parents=True)
    for n in range(3):
        (device / "photos" / f"p {n}.jpg").write_bytes(b"x" * n)
    for extra in ([], ["--format", "json"], ["--keys", str(tmp_path / "keys-{}.csv")]):
        outputs = []
        for entry in ("entry", "app"):
            args = [str(device), "--manifest", str(VALID), "--no-progress",
                    *(a.format(entry) for a in extra)]
            run = _run(f"from manifest_tools.cli.{entry} import main; "
                       f"main({['preflight', *args]!r})")
            keys = tmp_path / f"keys-{entry}.csv"
            outputs.append((*run[:3], keys.read_bytes() if keys.exists() else None))
            assert ("typer" in run[3]) == (entry == "app")
        fast, slow = outputs
        assert fast == slow, extra


def test_a_prepare_run_is_typer_run_without_typer(tmp_path: Path) -> None:
    """A dry run, a copy, a resume of the finished job (the common run: nothing to copy)
    and a refused --key give typer's output and exit code; only the last imports typer."""
    source = tmp_path / "src"
    (source / "photos").mkdir(parents=True)
    for n in range(3):
        (source / "photos" / f"p {n}.jpg").write_bytes(b"x" * n)
    device = tmp_path / "dev"
    device.mkdir()
    status = ROOT / "samples" / "status" / "get-status.json"
    common = [str(source), str(device), "--manifest", str(VALID), "--journal",
              str(tmp_path / "journal"), "--no-progress"]
    runs = {}
    for name, args in (("dry", [*common, "--dry-run", "--status", str(status)]),
                       ("copy", [*common, "--status", str(status)]),
                       ("resume", [*common, "--status", str(status), "--format", "json"]),
                       ("key", [*common, "--key", "s3cr3t-value"])):
        fast = _run(f"from manifest_tools.cli.entry import main; "
                    f"main({['prepare', *args]!r})")
        if name == "copy":  # the same copy again through typer would be a resume
            runs[name] = fast
            continue
        slow = _run(f"from manifest_tools.cli.app import main; main({['prepare', *args]!r})")
        assert fast[:3] == slow[:3], name
        assert ("typer" in fast[3]) == (name == "key"), name
        runs[name] = fast
    assert runs["copy"][0] == 0 and "typer" not in runs["copy"][3], runs["copy"]
    assert runs["resume"][0] == 0 and '"already": 3' in runs["resume"][1], runs["resume"][1]
    assert runs["key"][0] == 2 and "never goes on the command line" in runs["key"][2]
    assert "s3cr3t-value" not in runs["key"][1] + runs["key"][2]
