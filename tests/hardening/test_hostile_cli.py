"""Hostile inputs that ended in 'internal error', hung, grew memory,
overwrote a planted symlink's target, wrote into the device, reached the terminal, or echoed
the secret key. Each case failed on the code before the fix.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import warm
from tests.conftest import RunCli
from tests.manifests import IMPORT

KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"
BACKSTOP = 120  # seconds: only against a hang, never a measure
LOG_HEADER = "DateTime,File,Status,Code,Key,MD5,Bytes,Content-Type\n"


def _tool(*args: str, env: dict[str, str] | None = None) -> warm.ToolRun:
    """The real console entry point in a child process (forked from a warm interpreter:
    tests/warm.py), for inputs that could hang."""
    return warm.tool(*args, env={**os.environ, **(env or {})}, backstop=BACKSTOP)


def _no_internal_error(text: str) -> None:
    assert "internal error" not in text and "Traceback" not in text, text


# --- located errors, never 'internal error' -------------------------------------

@pytest.mark.parametrize(("body", "where", "words"), [
    ('{"JobId": "ABCDE",\n "ErrorCount": 1' + "1" * 5000 + "}", ":2:16:", "4,300 digits"),
    ('{"JobId": "ABCDE",\n "ProgressMessage": "a\\ud800b"}', ":2:23:", "surrogate"),
])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_status_json_numbers_and_surrogates_are_located(run_cli: RunCli, tmp_path: Path,
                                                        body: str, where: str, words: str,
                                                        fmt: str) -> None:
    status = tmp_path / "status.json"
    status.write_text(body, encoding="utf-8")
    result = run_cli("status", "--format", fmt, str(status))
    _no_internal_error(result.out + result.err)
    assert result.code == 1, result
    assert f"{status}{where}" in result.err and "MT501" in result.err and words in result.err


def test_log_field_over_the_csv_limit_is_a_finding(run_cli: RunCli, tmp_path: Path) -> None:
    log = tmp_path / "import-log-ABCDE"
    log.write_text(LOG_HEADER + '2010-07-22 10:00:00,"' + "a" * 140_000 + '",200,Success,k,'
                   "d41d8cd98f00b204e9800998ecf8427e,0,x\n"
                   "2010-07-22 10:00:00,b.txt,200,Success,k/b.txt,"
                   "d41d8cd98f00b204e9800998ecf8427e,0,x\n", encoding="utf-8")
    result = run_cli("log", str(log))
    _no_internal_error(result.out + result.err)
    assert result.code == 1, result
    assert f"{log}:2:21: error MT702" in result.out
    assert "1 rows: 1 loaded" in result.out  # reading went on after the long record


@pytest.mark.parametrize(("content", "words"), [
    (b"\xff\xfe[tool]\nstrict = true\n", "not UTF-8"),
    (b"disable = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested far deeper"),
])
def test_bad_config_is_a_usage_error(run_cli: RunCli, tmp_path: Path, content: bytes,
                                     words: str) -> None:
    config = tmp_path / "manifest-tools.toml"
    config.write_bytes(content)
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(IMPORT, encoding="utf-8")
    result = run_cli("validate", "--config", str(config), str(manifest))
    _no_internal_error(result.out + result.err)
    assert result.code == 2 and words in result.err, result


@pytest.fixture
def deep_tree(tmp_path: Path) -> Iterator[Path]:
    """A folder 1,200 levels deep with a manifest at the bottom (paths stay < PATH_MAX)."""
    top = tmp_path / "deep"
    top.mkdir()
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(1200):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        file = os.open("manifest.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(file, IMPORT.encode())
        os.close(file)
    finally:
        os.close(fd)
    yield top
    # Removed here, bottom up: shutil.rmtree (pytest's clean-up) recurses once per level
    # and would fail on this tree in a later session.
    bottom = top / ("d/" * 1200)
    (bottom / "manifest.yaml").unlink()
    for level in range(1200, 0, -1):
        os.rmdir(top / ("d/" * level))


def test_validate_walks_a_deep_tree_and_writes_complete_json(run_cli: RunCli,
                                                             deep_tree: Path) -> None:
    result = run_cli("validate", "--format", "json", str(deep_tree))
    _no_internal_error(result.out + result.err)
    assert result.code == 0, result.err
    files = json.loads(result.out)["files"]
    assert len(files) == 1 and files[0]["path"].endswith("/d/manifest.yaml")


def test_fifo_named_like_a_manifest_is_unreadable_not_empty(run_cli: RunCli,
                                                            tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    folder.mkdir()
    os.mkfifo(folder / "x.yaml")
    (folder / "ok.yaml").write_text(IMPORT, encoding="utf-8")
    result = _tool("validate", "--format", "json", str(folder))  # a hang would be a failure
    _no_internal_error(result.stdout + result.stderr)
    assert result.returncode == 2, result
    assert "FIFO" in result.stderr and "empty" not in result.stderr + result.stdout
    rules = {f["path"]: [d["rule"] for d in f["diagnostics"]]
             for f in json.loads(result.stdout)["files"]}
    assert rules[str(folder / "x.yaml")] == ["MT123"] and rules[str(folder / "ok.yaml")] == []


def test_non_utf8_secret_in_the_environment_is_a_clear_error(run_cli: RunCli,
                                                             tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(IMPORT, encoding="utf-8")
    result = run_cli("sign", str(manifest), "--job-id", "ABCDE",
                     env={"AWS_SECRET_ACCESS_KEY": "abc\udcffdef"})
    _no_internal_error(result.out + result.err)
    assert result.code == 2 and "AWS_SECRET_ACCESS_KEY is not UTF-8" in result.err
    assert "abc" not in result.err


# --- endless inputs -------------------------------------------------------------

def test_credentials_from_dev_zero_are_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(IMPORT, encoding="utf-8")
    result = _tool("sign", str(manifest), "--job-id", "ABCDE",
                   env={"AWS_SHARED_CREDENTIALS_FILE": "/dev/zero",
                        "AWS_SECRET_ACCESS_KEY": ""})
    assert result.returncode == 2 and "larger than the limit" in result.stderr, result
    served = _tool("service", "run", "--data", str(tmp_path / "data"),
                   "--credentials", "/dev/zero")
    assert served.returncode == 2 and "larger than the limit" in served.stderr, served


def test_credentials_fifo_without_a_writer_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "credentials"
    os.mkfifo(fifo)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(IMPORT, encoding="utf-8")
    result = _tool("sign", str(manifest), "--job-id", "ABCDE",
                   env={"AWS_SHARED_CREDENTIALS_FILE": str(fifo), "AWS_SECRET_ACCESS_KEY": ""})
    assert result.returncode == 2 and "FIFO" in result.stderr, result


def test_log_of_an_endless_device_ends() -> None:
    result = _tool("log", "/dev/urandom")
    assert result.returncode == 2 and "is a device, not a log file" in result.stderr, result


# --- no terminal controls in text output ----------------------------------------

OSC = "\x1b]0;PWNED\x07"
CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"
C1 = "\x9b31m"


def test_status_text_escapes_controls(run_cli: RunCli, tmp_path: Path) -> None:
    status = tmp_path / "status.json"
    status.write_text(json.dumps({"JobId": "ABCDE", "JobType": "Import",
                                  "ProgressCode": "Pending",
                                  "ProgressMessage": f"x{OSC}y{C1}\rz",
                                  "LocationMessage": CLIPBOARD}), encoding="utf-8")
    result = run_cli("status", str(status))
    assert result.code == 0, result
    for control in ("\x1b", "\x07", "\x9b", "\r"):
        assert control not in result.out
    assert "\\x1b]0;PWNED\\x07" in result.out and "\\x9b31m" in result.out


def test_log_text_escapes_controls_in_names(run_cli: RunCli, tmp_path: Path) -> None:
    log = tmp_path / f"import-log-AB{OSC}"
    log.write_text(LOG_HEADER + f"2010-07-22 10:00:00,a{OSC}{C1}.txt,400,IncompleteBody,"
                   f"k{CLIPBOARD},,0,x\n", encoding="utf-8")
    result = run_cli("log", str(log))
    assert result.code == 1, result
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in result.out + result.err


# --- the secret key is never echoed ---------------------------------------------

@pytest.mark.parametrize("argv", [
    ("--key-file", f"./{KEY}"),
    ("--key-file", f"{KEY} "),
    ("--key-file", KEY[:10]),        # a key cut short
    ("--key-file", f"keys/{KEY[:20]}"),
    ("--profile", KEY),
    ("--profile", KEY[:12]),
    (f"-{KEY}",),                     # pasted as an option
    (KEY,),                           # pasted as an extra argument
    (f"--job-type={KEY}",),
])
def test_a_misplaced_key_is_never_echoed(run_cli: RunCli, tmp_path: Path,
                                         argv: tuple[str, ...]) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(IMPORT, encoding="utf-8")
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
           "AWS_SECRET_ACCESS_KEY": ""}
    result = run_cli("sign", str(manifest), "--job-id", "ABCDE", *argv, env=env)
    assert result.code == 2, result
    both = result.out + result.err
    for piece in (KEY, KEY[:10], KEY.strip("/")[:8]):
        assert piece not in both, (argv, both)


def test_a_secret_in_the_access_key_id_variable_is_never_echoed(run_cli: RunCli,
                                                                tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(IMPORT, encoding="utf-8")
    env = {"AWS_SECRET_ACCESS_KEY": "AnotherSecretKeyOf40CharactersXXXXXXXXXX",
           "AWS_ACCESS_KEY_ID": KEY}
    result = run_cli("sign", str(manifest), "--job-id", "ABCDE", env=env)
    assert result.code == 0, result
    assert "MT411" in result.err  # the mismatch is still reported
    assert KEY not in result.out + result.err
    shaped = run_cli("sign", str(manifest), "--job-id", "ABCDE",
                     env={**env, "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"})
    assert "AKIAIOSFODNN7EXAMPLE" in shaped.err  # a real access key id is still named
