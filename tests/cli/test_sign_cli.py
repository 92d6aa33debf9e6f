"""`manifest-tools sign` through the real entry point; the key never shows in any output.

The helpers here (``KEY``, ``safe_run``, ``make_key_file``, ``no_key_env``, ...) are shared by
the other SIGNATURE/status CLI tests.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import Run, RunCli

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "samples" / "valid"
STATUS = ROOT / "samples" / "status"

KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
OTHER_KEY = "AKIDotherSecretKeyValueForTests0123456789"
JOB = "EX1ID"
KAT_MANIFEST = (b"manifestVersion: 2.0\r\nbucket: myBucket\r\ndeviceId: 49382\r\n"
                b"eraseDevice: yes\r\n")
KAT_SIGNATURE = "Ara83XX0K7K15HeRcHM9hXMrNpw="
KAT_FILE = (f"version:2.0\nsigningMethod:HmacSHA1\njobId:{JOB}\n"
            f"signature:{KAT_SIGNATURE}\n").encode()


def safe_run(run_cli: RunCli, *argv: str, input: bytes | str | None = None,
             env: Mapping[str, str | None] | None = None) -> Run:
    """Run the CLI and assert what must hold for every command: no key, no traceback."""
    result = run_cli(*argv, input=input, env=env)
    for secret in (KEY, OTHER_KEY):
        assert secret not in result.out, f"secret key in stdout of {argv}"
        assert secret not in result.err, f"secret key in stderr of {argv}"
    assert "Traceback" not in result.err, result.err
    assert "internal error" not in result.err, result.err
    return result


def make_key_file(tmp_path: Path, key: str = KEY, mode: int = 0o600,
                  name: str = "secret-key") -> Path:
    path = tmp_path / name
    path.write_text(key + "\n")
    os.chmod(path, mode)
    return path


def no_key_env(tmp_path: Path) -> dict[str, str | None]:
    """An environment in which no key source exists."""
    return {"AWS_SECRET_ACCESS_KEY": None, "AWS_PROFILE": None,
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-such-credentials"),
            "AWS_CONFIG_FILE": str(tmp_path / "no-such-config")}


def key_env(tmp_path: Path, key: str = KEY) -> dict[str, str | None]:
    return {**no_key_env(tmp_path), "AWS_SECRET_ACCESS_KEY": key}


def kat_manifest(tmp_path: Path) -> Path:
    path = tmp_path / "kat.yaml"
    path.write_bytes(KAT_MANIFEST)
    return path


# --- known answer ---------------------------------------------------------------------------

def test_known_answer_with_no_validate(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", "--key-file", str(make_key_file(tmp_path)),
                      env=no_key_env(tmp_path))
    assert result.code == 0, result.err
    assert result.out.encode() == KAT_FILE


def test_known_answer_without_no_validate_fails_with_located_errors(
        run_cli: RunCli, tmp_path: Path) -> None:
    manifest = kat_manifest(tmp_path)
    result = safe_run(run_cli, "sign", str(manifest), "--job-id", JOB,
                      "--key-file", str(make_key_file(tmp_path)), env=no_key_env(tmp_path))
    assert result.code == 1
    assert result.out == ""
    assert f"{manifest}:1:1: error MT201 returnAddress: required field is missing" in result.err
    assert "--no-validate" in result.err


def test_signature_version_1(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", "--signature-version", "1.0",
                      "--key-file", str(make_key_file(tmp_path)), env=no_key_env(tmp_path))
    assert result.code == 0, result.err
    assert result.out.encode() == KAT_FILE.replace(b"version:2.0", b"version:1.0")




def test_output_file(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "SIGNATURE.out"
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", "--output", str(out),
                      "--key-file", str(make_key_file(tmp_path)), env=no_key_env(tmp_path))
    assert result.code == 0, result.err
    assert result.out == ""
    assert out.read_bytes() == KAT_FILE
    assert f"wrote {out}" in result.err


def test_output_into_missing_folder_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "SIGNATURE"
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", "--output", str(out),
                      "--key-file", str(make_key_file(tmp_path)), env=no_key_env(tmp_path))
    assert result.code == 2
    assert "cannot write" in result.err
    assert not out.exists()


def test_valid_manifest_signs_without_no_validate(run_cli: RunCli, tmp_path: Path) -> None:
    from manifest_tools.signature import compute_signature

    manifest = VALID / "s3-import.yaml"
    result = safe_run(run_cli, "sign", str(manifest), "--job-id", JOB,
                      "--key-file", str(make_key_file(tmp_path)), env=no_key_env(tmp_path))
    assert result.code == 0, result.err
    expected = compute_signature(manifest.read_bytes(), JOB, KEY)
    assert result.out == (f"version:2.0\nsigningMethod:HmacSHA1\njobId:{JOB}\n"
                          f"signature:{expected}\n")


def test_manifest_from_stdin(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", "-", "--job-id", JOB, "--no-validate",
                      "--key-file", str(make_key_file(tmp_path)), input=KAT_MANIFEST,
                      env=no_key_env(tmp_path))
    assert result.code == 0, result.err
    assert result.out.encode() == KAT_FILE


# --- where the key comes from ---------------------------------------------------------------

def test_key_from_environment(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", env=key_env(tmp_path))
    assert result.code == 0, result.err
    assert result.out.encode() == KAT_FILE


def test_key_from_stdin(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", "--key-file", "-", input=KEY + "\n",
                      env=key_env(tmp_path, OTHER_KEY))
    assert result.code == 0, result.err
    assert result.out.encode() == KAT_FILE  # --key-file wins over the environment


def test_key_from_credentials_file_profile(run_cli: RunCli, tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[default]\naws_access_key_id = AKIDDEFAULT\n"
        f"aws_secret_access_key = {OTHER_KEY}\n\n"
        "[importer]\naws_access_key_id = AKIDIMPORTER\n"
        f"aws_secret_access_key = {KEY}\n")
    os.chmod(credentials, 0o600)
    env = {**no_key_env(tmp_path), "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
           # --profile names the profile explicitly: the environment key is not consulted.
           "AWS_SECRET_ACCESS_KEY": OTHER_KEY}
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", "--profile", "importer", env=env)
    assert result.code == 0, result.err
    assert result.out.encode() == KAT_FILE
    # Without --profile the environment variable comes first: a different signature.
    other = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                     "--no-validate", env=env)
    assert other.code == 0, other.err
    assert other.out.encode() != KAT_FILE


def test_missing_key_exits_2_naming_the_three_sources(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", env=no_key_env(tmp_path))
    assert result.code == 2
    assert result.out == ""
    assert "--key-file" in result.err
    assert "AWS_SECRET_ACCESS_KEY" in result.err
    assert str(tmp_path / "no-such-credentials") in result.err


def test_missing_key_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", "--key-file", str(tmp_path / "nope"),
                      env=key_env(tmp_path))
    assert result.code == 2
    assert result.out == ""
    assert str(tmp_path / "nope") in result.err


def test_group_readable_key_file_warns_and_still_signs(run_cli: RunCli, tmp_path: Path) -> None:
    key_file = make_key_file(tmp_path, mode=0o640)
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", "--key-file", str(key_file), env=no_key_env(tmp_path))
    assert result.code == 0, result.err
    assert result.out.encode() == KAT_FILE
    assert "warning" in result.err and "chmod 600" in result.err


def test_private_key_file_gives_no_warning(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", "--key-file", str(make_key_file(tmp_path)),
                      env=no_key_env(tmp_path))
    assert result.code == 0
    assert result.err == ""


def test_key_file_with_more_than_the_key_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    key_file = make_key_file(tmp_path, key=f"AKIDEXAMPLE\n{KEY}")
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", JOB,
                      "--no-validate", "--key-file", str(key_file), env=no_key_env(tmp_path))
    assert result.code == 2
    assert result.out == ""


# --- job ids --------------------------------------------------------------------------------

def test_job_id_with_slash_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), "--job-id", "EX/ID",
                      "--no-validate", "--key-file", str(make_key_file(tmp_path)),
                      env=no_key_env(tmp_path))
    assert result.code == 2
    assert result.out == ""
    assert "'/'" in result.err


USAGE_MISTAKES = [
    pytest.param(("--no-validate",), id="missing --job-id"),
    pytest.param(("--job-id", JOB, "--no-validate", "--signature-version", "3.0"),
                 id="unknown --signature-version"),
]


@pytest.mark.parametrize("args", USAGE_MISTAKES)
def test_usage_mistakes_exit_2(run_cli: RunCli, tmp_path: Path, args: tuple[str, ...]) -> None:
    # safe_run also asserts that they are not reported as internal errors.
    result = safe_run(run_cli, "sign", str(kat_manifest(tmp_path)), *args,
                      "--key-file", str(make_key_file(tmp_path)), env=no_key_env(tmp_path))
    assert result.code == 2
    assert result.out == ""
    assert "--job-id" in result.err or "--signature-version" in result.err


def test_missing_manifest_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(tmp_path / "none.yaml"), "--job-id", JOB,
                      "--key-file", str(make_key_file(tmp_path)), env=no_key_env(tmp_path))
    assert result.code == 2
    assert "no such file" in result.err
