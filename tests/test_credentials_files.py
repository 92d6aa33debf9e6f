"""Credentials files users already have: the AWS Import/Export Web Service Tool's
AWSCredentials.properties, static keys in the AWS CLI's config file, a profile that is not
there. The inputs follow the guide's and the AWS CLI's documented layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from manifest_tools.credentials import load_key_pairs, load_secret_key, properties_pair
from manifest_tools.errors import MissingKeyError
from tests.conftest import RunCli
from tests.manifests import IMPORT

SECRET = "tOoLkEyFoRtHeWeBsErViCeToOlx0123456789AB"
CONFIG_SECRET = "cOnFiGsEcReTkEyFoRpRoFiLeWoRk0123456789"
# AWSCredentials.properties as the guide tells every user to write it (a comment, then the
# two name:value lines).
PROPERTIES = (f"# AWS Import/Export Web Service Tool credentials\r\n"
              f"accessKeyId:AKIAWSTOOLPROPS00001\r\nsecretKey:{SECRET}\r\n")


def _no_files(tmp_path: Path) -> dict[str, str]:
    return {"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "AWS_CONFIG_FILE": str(tmp_path / "none-config")}


def test_properties_file_is_a_key_file_with_its_access_key_id(tmp_path: Path) -> None:
    path = tmp_path / "AWSCredentials.properties"
    path.write_text(PROPERTIES)
    path.chmod(0o600)
    key = load_secret_key(str(path), env=_no_files(tmp_path))
    assert key.value == SECRET and key.access_key_id == "AKIAWSTOOLPROPS00001"
    assert SECRET not in repr(key) + str(key)


@pytest.mark.parametrize("text", [
    "accessKeyId = AKIAWSTOOLPROPS00001\nsecretKey = " + SECRET + "\n",  # Java '=' form
    "! comment\nsecretKey:" + SECRET + "\n",  # no access key id: the secret is enough
])
def test_properties_variants(text: str) -> None:
    pair = properties_pair(text)
    assert pair is not None and pair[1] == SECRET


def test_properties_access_key_id_feeds_mt411(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "AWSCredentials.properties"
    path.write_text(PROPERTIES)
    path.chmod(0o600)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(IMPORT)  # accessKeyId: AKIA2E0A8F3B244C9986
    result = run_cli("sign", str(manifest), "--job-id", "EX1ID", "--key-file", str(path),
                     env={"AWS_SECRET_ACCESS_KEY": None, **_no_files(tmp_path)})
    assert result.code == 0, result.err
    assert ("warning: MT411 the manifest's accessKeyId AKIA2E0A8F3B244C9986 is not the access "
            "key id of the credentials used (AKIAWSTOOLPROPS00001, from --key-file "
            f"{path})") in result.err
    assert SECRET not in result.out + result.err


def test_service_accepts_the_properties_file(tmp_path: Path) -> None:
    path = tmp_path / "AWSCredentials.properties"
    path.write_text(PROPERTIES)
    pairs = load_key_pairs(str(path), env={})
    assert list(pairs) == ["AKIAWSTOOLPROPS00001"]
    assert pairs["AKIAWSTOOLPROPS00001"].value == SECRET
    path.write_text(f"secretKey:{SECRET}\n")
    with pytest.raises(MissingKeyError) as info:
        load_key_pairs(str(path), env={})
    assert "has secretKey but no accessKeyId line" in str(info.value)
    assert SECRET not in str(info.value)


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    config.write_text("[default]\nregion = us-east-1\n\n[profile work]\nregion = eu-west-1\n"
                      f"aws_access_key_id = AKIACONFIGWORK00001\n"
                      f"aws_secret_access_key = {CONFIG_SECRET}\n")
    return config


def test_static_keys_in_the_config_file_serve_profile(tmp_path: Path) -> None:
    env = {**_no_files(tmp_path), "AWS_CONFIG_FILE": str(_config(tmp_path))}
    key = load_secret_key(profile="work", env=env)
    assert key.value == CONFIG_SECRET and key.access_key_id == "AKIACONFIGWORK00001"
    assert key.source.endswith("config [profile work]")


def test_the_credentials_file_wins_over_the_config_file(tmp_path: Path) -> None:
    creds = tmp_path / "credentials"
    creds.write_text(f"[work]\naws_secret_access_key = {SECRET}\n")
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(creds), "AWS_CONFIG_FILE": str(_config(tmp_path))}
    assert load_secret_key(profile="work", env=env).value == SECRET


def test_unknown_profile_names_the_existing_ones_and_no_value(tmp_path: Path) -> None:
    creds = tmp_path / "credentials"
    creds.write_text(f"[default]\naws_secret_access_key = {SECRET}\n[ci]\nregion = x\n")
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(creds), "AWS_CONFIG_FILE": str(_config(tmp_path))}
    with pytest.raises(MissingKeyError) as info:
        load_secret_key(profile="nope", env=env)
    message = str(info.value)
    assert message.startswith(f"no profile [nope]: neither {creds} nor {tmp_path / 'config'} "
                              "has it (profiles there: default, ci, work)")
    assert SECRET not in message and CONFIG_SECRET not in message
    assert "eu-west-1" not in message and "AKIACONFIGWORK00001" not in message


def test_profile_nope_through_the_cli(run_cli: RunCli, tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_text(IMPORT)
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
           "AWS_CONFIG_FILE": str(_config(tmp_path)), "AWS_SECRET_ACCESS_KEY": None}
    result = run_cli("sign", str(manifest), "--job-id", "EX1ID", "--profile", "nope", env=env)
    assert result.code == 2
    assert "no profile [nope]" in result.err and "profiles there: default, work" in result.err
    assert CONFIG_SECRET not in result.err
