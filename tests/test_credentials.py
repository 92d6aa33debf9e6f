"""Where the secret key comes from, in which order, and that it never shows."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from manifest_tools.credentials import SecretKey, load_secret_key
from manifest_tools.errors import InputError, ManifestToolsError, MissingKeyError

FILE_KEY = "fileKEYfileKEYfileKEYfileKEYfileKEY12345"
ENV_KEY = "envKEYenvKEYenvKEYenvKEYenvKEYenvKEY1234"
DEFAULT_KEY = "defaultKEYdefaultKEYdefaultKEYdefault123"
WORK_KEY = "work%KEYworkKEYworkKEYworkKEYworkKEY1234"
ALL_KEYS = (FILE_KEY, ENV_KEY, DEFAULT_KEY, WORK_KEY)


@pytest.fixture
def creds(tmp_path: Path) -> Path:
    path = tmp_path / "credentials"
    path.write_text(f"[default]\naws_access_key_id = AKIDEFAULT\naws_secret_access_key = "
                    f"{DEFAULT_KEY}\n\n[work]\naws_secret_access_key={WORK_KEY}\n"
                    "[nokey]\nregion = eu-west-1\n")
    return path


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "key"
    path.write_text(f"  {FILE_KEY}\n\n")
    path.chmod(0o600)
    return path


def env_for(creds: Path, **extra: str) -> dict[str, str]:
    return {"AWS_SHARED_CREDENTIALS_FILE": str(creds), **extra}


def test_key_file_wins_over_everything(key_file: Path, creds: Path) -> None:
    key = load_secret_key(str(key_file), profile="work",
                          env=env_for(creds, AWS_SECRET_ACCESS_KEY=ENV_KEY))
    assert key.value == FILE_KEY
    assert key.source == f"--key-file {key_file}"
    assert key.warnings == ()


def test_key_file_dash_reads_stdin(creds: Path) -> None:
    key = load_secret_key("-", env=env_for(creds, AWS_SECRET_ACCESS_KEY=ENV_KEY),
                          stdin=io.BytesIO(f"{FILE_KEY}\r\n".encode()))
    assert (key.value, key.source) == (FILE_KEY, "--key-file -")


def test_env_wins_over_credentials_file(creds: Path) -> None:
    key = load_secret_key(env=env_for(creds, AWS_SECRET_ACCESS_KEY=ENV_KEY,
                                      AWS_PROFILE="work"))
    assert (key.value, key.source) == (ENV_KEY, "AWS_SECRET_ACCESS_KEY")


def test_empty_env_is_skipped(creds: Path) -> None:
    key = load_secret_key(env=env_for(creds, AWS_SECRET_ACCESS_KEY=" "))
    assert key.value == DEFAULT_KEY


def test_credentials_file_default_section(creds: Path) -> None:
    key = load_secret_key(env=env_for(creds))
    assert (key.value, key.source) == (DEFAULT_KEY, f"{creds} [default]")


def test_profile_from_aws_profile(creds: Path) -> None:
    key = load_secret_key(env=env_for(creds, AWS_PROFILE="work"))
    # RawConfigParser: the '%' in the key is not interpolation.
    assert (key.value, key.source) == (WORK_KEY, f"{creds} [work]")


def test_profile_argument_beats_aws_profile(creds: Path) -> None:
    key = load_secret_key(profile="default", env=env_for(creds, AWS_PROFILE="work"))
    assert key.value == DEFAULT_KEY


def test_explicit_profile_skips_env_key(creds: Path) -> None:
    # As botocore does: a profile named explicitly overrides environment credentials.
    key = load_secret_key(profile="work", env=env_for(creds, AWS_SECRET_ACCESS_KEY=ENV_KEY))
    assert key.value == WORK_KEY


def test_default_credentials_path_uses_home(tmp_path: Path, creds: Path) -> None:
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "credentials").write_bytes(creds.read_bytes())
    key = load_secret_key(env={"HOME": str(tmp_path)})
    assert (key.value, key.source) == (DEFAULT_KEY, "~/.aws/credentials [default]")


def test_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch, creds: Path) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ENV_KEY)
    assert load_secret_key().value == ENV_KEY


@pytest.mark.parametrize("profile", [None, "nokey", "absent"])
def test_nothing_found_names_all_three_sources(tmp_path: Path, creds: Path,
                                               profile: str | None) -> None:
    env = env_for(creds) if profile else env_for(tmp_path / "none")
    with pytest.raises(MissingKeyError) as info:
        load_secret_key(profile=profile, env=env)
    message = str(info.value)
    assert "--key-file" in message
    assert "AWS_SECRET_ACCESS_KEY" in message
    assert "aws_secret_access_key" in message
    assert f"[{profile or 'default'}]" in message
    assert all(key not in message for key in ALL_KEYS)


def test_missing_key_file_names_path(tmp_path: Path, creds: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(MissingKeyError, match=str(missing)):
        load_secret_key(str(missing), env=env_for(creds, AWS_SECRET_ACCESS_KEY=ENV_KEY))


def test_empty_key_file(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_text(" \n")
    with pytest.raises(MissingKeyError, match="empty"):
        load_secret_key(str(path), env={})


def test_key_file_is_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        load_secret_key(str(tmp_path), env={})


def test_key_file_with_several_lines_is_refused_without_echo(tmp_path: Path,
                                                              creds: Path) -> None:
    with pytest.raises(InputError) as info:
        load_secret_key(str(creds), env={})
    assert DEFAULT_KEY not in str(info.value) and WORK_KEY not in str(info.value)
    assert str(creds) in str(info.value)


def test_unreadable_key_file(monkeypatch: pytest.MonkeyPatch, key_file: Path) -> None:
    def deny(*args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", deny)
    with pytest.raises(InputError, match="Permission denied") as info:
        load_secret_key(str(key_file), env={})
    assert info.value.path == str(key_file)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_key_file_readable_by_others_warns(key_file: Path, mode: int) -> None:
    key_file.chmod(mode)
    key = load_secret_key(str(key_file), env={})
    assert key.value == FILE_KEY
    assert len(key.warnings) == 1
    assert f"{mode:04o}" in key.warnings[0] and "chmod 600" in key.warnings[0]
    assert FILE_KEY not in key.warnings[0]


def test_key_file_0400_does_not_warn(key_file: Path) -> None:
    key_file.chmod(0o400)
    assert load_secret_key(str(key_file), env={}).warnings == ()


def test_malformed_credentials_file_does_not_echo_lines(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(f"aws_secret_access_key = {DEFAULT_KEY}\n")  # no section header
    with pytest.raises(InputError) as info:
        load_secret_key(env=env_for(path))
    assert DEFAULT_KEY not in str(info.value)
    assert str(path) in str(info.value)


def test_non_utf8_key_file(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_bytes(b"\xffkey")
    with pytest.raises(InputError, match="UTF-8"):
        load_secret_key(str(path), env={})


def test_secret_never_in_repr_or_str() -> None:
    key = SecretKey(ENV_KEY, "AWS_SECRET_ACCESS_KEY")
    for text in (repr(key), str(key), f"{key}", repr([key]), repr({"k": key})):
        assert ENV_KEY not in text
        assert "AWS_SECRET_ACCESS_KEY" in text


def test_errors_are_library_errors(tmp_path: Path) -> None:
    with pytest.raises(ManifestToolsError):
        load_secret_key(env=env_for(tmp_path / "none"))
    assert os.environ is not None  # env=None path is exercised in another test


# --- the access key id beside the secret -----------------------------------------------------

def test_access_key_id_from_the_same_section(creds: Path) -> None:
    assert load_secret_key(env=env_for(creds)).access_key_id == "AKIDEFAULT"
    assert load_secret_key(profile="work", env=env_for(creds)).access_key_id is None


def test_access_key_id_from_the_environment_with_the_secret(creds: Path) -> None:
    env = env_for(creds, AWS_SECRET_ACCESS_KEY=ENV_KEY, AWS_ACCESS_KEY_ID="AKIDENV")
    assert load_secret_key(env=env).access_key_id == "AKIDENV"
    # A named profile skips the environment: its own id (none for [work]) is the one.
    assert load_secret_key(profile="work", env=env).access_key_id is None


def test_key_file_has_no_access_key_id(key_file: Path, creds: Path) -> None:
    env = env_for(creds, AWS_ACCESS_KEY_ID="AKIDENV")
    assert load_secret_key(str(key_file), env=env).access_key_id is None


def test_a_key_given_as_key_file_is_never_repeated() -> None:
    for given in (FILE_KEY, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"):
        with pytest.raises(MissingKeyError) as info:
            load_secret_key(given, env={})
        assert given not in str(info.value)
        assert "looks like a secret key" in str(info.value)
