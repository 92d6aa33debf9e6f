"""get-status, SIGNATURE and verify as they reach users, through the real entry point:
write-signature from every rendering, AWS's documentation example, the wrong kind of file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from manifest_tools.aws import SIGNATURE_NAME
from tests.conftest import RunCli
from tests.status.render import renderings, windows_variants
from tests.status.test_read import FULL, MANIFEST, SIGFILE
from tests.test_sniff import list_jobs_renderings

from .test_sign_cli import KEY, STATUS, key_env, make_key_file, no_key_env, safe_run

FIXTURES = Path(__file__).parents[1] / "fixtures"
DOC_EXAMPLE = FIXTURES / "awscli-get-status-example.txt"
ROOT = Path(__file__).parents[2]
VALID = ROOT / "samples" / "valid" / "s3-import.yaml"
DOC_SIGFILE = ("version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\n"
               "signature:ktKDXpdbEXAMPLEyGFJmQO744UHw=\n")


def test_write_signature_from_every_rendering_writes_aws_bytes(run_cli: RunCli,
                                                               tmp_path: Path) -> None:
    count = 0
    for name, _form, text in renderings(FULL):
        for platform, data in windows_variants(text):
            status = tmp_path / f"{name}.{platform}.out"
            status.write_bytes(data)
            device = tmp_path / f"dev-{name}-{platform}"
            device.mkdir()
            result = safe_run(run_cli, "write-signature", str(device), "--status", str(status),
                              env=no_key_env(tmp_path))
            assert result.code == 0, (name, platform, result.err)
            assert (device / SIGNATURE_NAME).read_bytes() == SIGFILE.encode(), (name, platform)
            count += 1
    assert count == 35


def test_write_signature_from_pasted_copy_strips_what_the_copy_added(run_cli: RunCli,
                                                                     tmp_path: Path) -> None:
    text = next(t for n, _f, t in renderings(FULL) if n == "text")
    status = tmp_path / "pasted.txt"
    status.write_text(text.replace("\n", "  \n"))
    device = tmp_path / "dev"
    device.mkdir()
    result = safe_run(run_cli, "write-signature", str(device), "--status", str(status),
                      env=no_key_env(tmp_path))
    assert result.code == 0, result.err
    assert (device / SIGNATURE_NAME).read_bytes() == SIGFILE.encode()
    assert "MT511" in result.err


def test_documentation_example_is_written_with_a_warning(run_cli: RunCli,
                                                         tmp_path: Path) -> None:
    device = tmp_path / "dev"
    device.mkdir()
    result = safe_run(run_cli, "write-signature", str(device), "--status", str(DOC_EXAMPLE),
                      env=no_key_env(tmp_path))
    assert result.code == 0, result.err
    assert (device / SIGNATURE_NAME).read_bytes() == DOC_SIGFILE.encode()
    assert "MT509" in result.err and "EXAMPLE" in result.err
    assert "refusing" not in result.err


def test_documentation_example_status_and_verify(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "status", str(DOC_EXAMPLE), "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["ProgressCode"] == "Pending" and doc["Signature"].startswith("ktKDXpdb")
    assert "password123" not in result.out  # trueCryptPassword masked
    result = safe_run(run_cli, "verify", "--status", str(DOC_EXAMPLE), "--format", "json",
                      env=no_key_env(tmp_path))
    checks = {c["name"]: c for c in json.loads(result.out)["checks"]}
    assert checks["signature-file-parses"]["ok"] is True
    assert checks["signature-matches"]["ok"] is True


# --- the wrong kind of input -------------------------------------------------------------------

def test_status_on_a_manifest_says_what_it_is_once(run_cli: RunCli) -> None:
    result = safe_run(run_cli, "status", str(VALID))
    assert result.code == 1
    assert "this looks like a manifest, not get-status" in result.err
    assert "manifest-tools validate" in result.err and "MT510" in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err


def test_status_errors_are_printed_once(run_cli: RunCli, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("hello world\n")
    result = safe_run(run_cli, "status", str(garbage))
    assert result.code == 1
    assert result.err.count("MT501") == 1, result.err


@pytest.mark.parametrize("name,text", list_jobs_renderings())
def test_status_on_list_jobs_lists_the_jobs(run_cli: RunCli, tmp_path: Path, name: str,
                                            text: str) -> None:
    path = tmp_path / f"jobs.{name}"
    path.write_text(text)
    result = safe_run(run_cli, "status", str(path))
    assert result.code == 0, result.err
    assert result.out.startswith("list-jobs output: 2 jobs\n")
    assert "  EX1ID  Import" in result.out and "EX2ID  Export" in result.out
    assert "(canceled)" in result.out and "get-status --job-id EX1ID" in result.out
    result = safe_run(run_cli, "status", str(path), "--format", "json")
    assert [j["JobId"] for j in json.loads(result.out)["Jobs"]] == ["EX1ID", "EX2ID"]


def test_write_signature_on_list_jobs_says_so(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "jobs.json"
    path.write_text(list_jobs_renderings()[0][1])
    device = tmp_path / "dev"
    device.mkdir()
    result = safe_run(run_cli, "write-signature", str(device), "--status", str(path),
                      env=no_key_env(tmp_path))
    assert result.code == 1 and "this looks like list-jobs output" in result.err
    assert list(device.iterdir()) == []


def test_validate_on_get_status_output_names_the_status_command(run_cli: RunCli) -> None:
    # The advice is the result itself: in the text, JSON and SARIF output, and no
    # misleading "pass --job-type" (MT205) beside it.
    result = safe_run(run_cli, "validate", str(STATUS / "get-status.json"))
    assert result.code == 1
    assert "error MT127 this looks like get-status (or create-job) output, not a manifest" \
        in result.out
    assert "manifest-tools status" in result.out and "MT205" not in result.out
    result = safe_run(run_cli, "validate", "--format", "json", str(STATUS / "get-status.json"))
    [found] = json.loads(result.out)["files"][0]["diagnostics"]
    assert found["rule"] == "MT127" and found["message"].startswith(
        "this looks like get-status (or create-job) output")
    result = safe_run(run_cli, "validate", "--format", "sarif", str(STATUS / "get-status.json"))
    [sarif] = json.loads(result.out)["runs"][0]["results"]
    assert sarif["ruleId"] == "MT127" and "manifest-tools status" in sarif["message"]["text"]


def test_manifest_as_signature_file(run_cli: RunCli, tmp_path: Path) -> None:
    device = tmp_path / "dev"
    device.mkdir()
    result = safe_run(run_cli, "write-signature", str(device), "--signature-file", str(VALID),
                      env=no_key_env(tmp_path))
    assert result.code == 1 and "MT410" in result.err
    assert "this looks like a manifest, not a SIGNATURE file" in result.err
    assert "--manifest" in result.err and list(device.iterdir()) == []
    result = safe_run(run_cli, "verify", "--signature-file", str(STATUS / "get-status.json"),
                      "--manifest", str(VALID), env=no_key_env(tmp_path))
    assert result.code == 1 and "looks like get-status" in result.err


def test_get_status_output_as_the_manifest_to_sign(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(STATUS / "get-status.txt"), "--job-id", "EX1ID",
                      env=key_env(tmp_path))
    assert result.code == 1
    assert "this looks like get-status (or create-job) output, not a manifest" in result.err
    assert "--status" in result.err


# --- verify: fields, next steps ------------------------------------------------------------------

COMPACT_WITH_DEFAULTS = ("manifestVersion:2.0\r\nbucket:myBucket\r\ndeviceId:49382\r\n"
                         "eraseDevice:yes\r\nacl:private\r\nserviceLevel:standard\r\n")


def _status_with_manifest(tmp_path: Path, manifest: str) -> Path:
    path = tmp_path / "status.json"
    path.write_text(json.dumps({**FULL, "CurrentManifest": manifest}))
    return path


def test_verify_same_fields_in_normalised_form_pass(run_cli: RunCli, tmp_path: Path) -> None:
    local = tmp_path / "local.yaml"
    local.write_text(MANIFEST.replace("\r\n", "\n"))
    status = _status_with_manifest(tmp_path, COMPACT_WITH_DEFAULTS)
    result = safe_run(run_cli, "verify", "--status", str(status), "--manifest", str(local),
                      "--format", "json", env=no_key_env(tmp_path))
    check = {c["name"]: c for c in json.loads(result.out)["checks"]}["manifest-matches"]
    assert check["ok"] is True
    assert "same fields and values" in check["detail"]
    assert "acl:private" in check["detail"] and "serviceLevel:standard" in check["detail"]
    assert "+deviceId: 49382" in check["detail"]  # the text diff is still shown


def test_verify_names_the_differing_field_and_the_next_step(run_cli: RunCli,
                                                           tmp_path: Path) -> None:
    local = tmp_path / "local.yaml"
    local.write_text(MANIFEST.replace("49382", "49383"))
    result = safe_run(run_cli, "verify", "--status", str(STATUS / "get-status.json"),
                      "--manifest", str(local), env=no_key_env(tmp_path))
    assert result.code == 1
    assert "deviceId is '49382' in CurrentManifest, '49383' in" in result.out
    assert "next: if AWS's CurrentManifest is right, fix" in result.out
    assert "update-job" in result.out


def test_verify_device_failure_names_the_rewrite(run_cli: RunCli, tmp_path: Path) -> None:
    device = tmp_path / "dev"
    device.mkdir()
    (device / SIGNATURE_NAME).write_bytes(SIGFILE.replace("EX1ID", "EX2ID").encode())
    status = STATUS / "get-status.json"
    result = safe_run(run_cli, "verify", "--status", str(status), "--device", str(device),
                      env=no_key_env(tmp_path))
    assert result.code == 1
    assert f"next: rewrite it: manifest-tools write-signature {device} --status {status} " \
        "--force" in result.out


# --- keys and habits -----------------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--key", "--secret-key"])
@pytest.mark.parametrize("command", [
    ["sign", str(VALID), "--job-id", "EX1ID"],
    ["write-signature", ".", "--manifest", str(VALID), "--job-id", "EX1ID"],
    ["verify", "--status", str(STATUS / "get-status.json")],
])
def test_key_on_the_command_line_only_explains(run_cli: RunCli, tmp_path: Path, option: str,
                                              command: list[str]) -> None:
    result = safe_run(run_cli, *command, option, KEY, env=no_key_env(tmp_path))
    assert result.code == 2
    assert "never goes on the command line" in result.err and "--key-file" in result.err
    assert result.out == ""


def test_key_like_key_file_argument_is_not_echoed(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(VALID), "--job-id", "EX1ID", "--key-file", KEY,
                      env=no_key_env(tmp_path))
    assert result.code == 2
    assert "looks like a secret key" in result.err


def test_a_path_key_file_argument_is_named(run_cli: RunCli, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-key")
    result = safe_run(run_cli, "sign", str(VALID), "--job-id", "EX1ID", "--key-file", missing,
                      env=no_key_env(tmp_path))
    assert result.code == 2 and missing in result.err


@pytest.mark.parametrize("job_id,why", [("ex1id", "not upper case"),
                                        ("EXO1D", "'O'"), ("EX1IDX", "6 characters")])
def test_odd_job_ids_are_warned_at_sign_time(run_cli: RunCli, tmp_path: Path, job_id: str,
                                             why: str) -> None:
    result = safe_run(run_cli, "sign", str(VALID), "--job-id", job_id, env=key_env(tmp_path))
    assert result.code == 0, result.err
    assert "MT406" in result.err and why in result.err
    assert f"jobId:{job_id}\n" in result.out  # signed as given: a warning, not a refusal


def test_issued_job_id_is_not_warned(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "sign", str(VALID), "--job-id", "EX1ID", env=key_env(tmp_path))
    assert result.code == 0 and "MT406" not in result.err


def _manifest_with_key_id(tmp_path: Path, key_id: str) -> Path:
    path = tmp_path / "m.yaml"
    text = VALID.read_text()
    assert "accessKeyId:" in text
    path.write_text("\n".join(f"accessKeyId: {key_id}" if ln.startswith("accessKeyId:")
                              else ln for ln in text.split("\n")))
    return path


def test_access_key_id_mismatch_from_environment(run_cli: RunCli, tmp_path: Path) -> None:
    manifest = _manifest_with_key_id(tmp_path, "AKIAIOSFODNN7EXAMPLE")
    env = {**key_env(tmp_path), "AWS_ACCESS_KEY_ID": "AKIAOTHERACCOUNT0000"}
    result = safe_run(run_cli, "sign", str(manifest), "--job-id", "EX1ID", env=env)
    assert result.code == 0
    assert "MT411" in result.err and "AKIAOTHERACCOUNT0000" in result.err
    assert "InvalidAccessKeyIdException" in result.err
    env["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE"
    assert "MT411" not in safe_run(run_cli, "sign", str(manifest), "--job-id", "EX1ID",
                                   env=env).err


def test_access_key_id_mismatch_from_profile(run_cli: RunCli, tmp_path: Path) -> None:
    manifest = _manifest_with_key_id(tmp_path, "AKIAIOSFODNN7EXAMPLE")
    creds = tmp_path / "credentials"
    creds.write_text(f"[work]\naws_access_key_id = AKIAWORKACCOUNT00000\n"
                     f"aws_secret_access_key = {KEY}\n")
    env = {**no_key_env(tmp_path), "AWS_SHARED_CREDENTIALS_FILE": str(creds)}
    result = safe_run(run_cli, "sign", str(manifest), "--job-id", "EX1ID", "--profile", "work",
                      env=env)
    assert result.code == 0 and "MT411" in result.err and "[work]" in result.err
    # A key file holds no access key id: nothing to compare.
    result = safe_run(run_cli, "sign", str(manifest), "--job-id", "EX1ID", "--key-file",
                      str(make_key_file(tmp_path)), env=no_key_env(tmp_path))
    assert result.code == 0 and "MT411" not in result.err


def test_write_signature_manifest_no_validate(run_cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("manifestVersion: 2.0\nbucket: b\n")  # deviceId and more missing
    device = tmp_path / "dev"
    device.mkdir()
    args = ["write-signature", str(device), "--manifest", str(bad), "--job-id", "EX1ID"]
    result = safe_run(run_cli, *args, env=key_env(tmp_path))
    assert result.code == 1 and "--no-validate" in result.err
    assert list(device.iterdir()) == []
    result = safe_run(run_cli, *args, "--no-validate", env=key_env(tmp_path))
    assert result.code == 0, result.err
    assert (device / SIGNATURE_NAME).read_bytes().startswith(b"version:2.0\n")


@pytest.mark.parametrize("argv", [["-h"], ["status", "-h"], ["write-signature", "-h"],
                                  ["verify", "-h"], ["sign", "-h"], ["validate", "-h"]])
def test_dash_h_is_help(run_cli: RunCli, argv: list[str]) -> None:
    result = run_cli(*argv)
    assert result.code == 0 and result.out.startswith("Usage: manifest-tools")


@pytest.mark.parametrize("name,text", list_jobs_renderings())
def test_verify_and_write_signature_on_list_jobs_say_so(run_cli: RunCli, tmp_path: Path,
                                                        name: str, text: str) -> None:
    """Every rendering (the text form read as a get-status of one job before)."""
    path = tmp_path / f"jobs.{name}"
    path.write_text(text)
    device = tmp_path / "dev"
    device.mkdir()
    for argv in (["verify", "--status", str(path)],
                 ["write-signature", str(device), "--status", str(path)]):
        result = safe_run(run_cli, *argv, env=no_key_env(tmp_path))
        assert result.code == 1, (argv, result.err)
        assert "MT510 this looks like list-jobs output" in result.err, (argv, result.err)
        assert "SignatureFileContents" not in result.err
    assert list(device.iterdir()) == []


@pytest.mark.parametrize("kind,data", [
    ("a manifest", (ROOT / "samples" / "valid" / "s3-import-crlf.yaml").read_bytes()),
    ("get-status (or create-job) output",
     (ROOT / "samples" / "status" / "get-status.txt").read_bytes()),
    ("get-status (or create-job) output",
     (ROOT / "samples" / "status" / "get-status.json").read_bytes()),
    ("list-jobs output", list_jobs_renderings()[1][1].encode()),
])
def test_log_on_another_kind_of_file_says_so_once(run_cli: RunCli, tmp_path: Path, kind: str,
                                                  data: bytes) -> None:
    path = tmp_path / "not-a-log"
    path.write_bytes(data)
    result = safe_run(run_cli, "log", str(path), "--format", "json")
    assert result.code == 1, result.err
    found = json.loads(result.out)["findings"]
    assert [f["rule"] for f in found] == ["MT701"]
    assert found[0]["message"].startswith(f"this looks like {kind}, not an import/export log")
