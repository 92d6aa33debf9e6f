"""`manifest-tools verify` through the real entry point: what it catches and how it says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from manifest_tools.aws import SIGNATURE_NAME
from manifest_tools.signature import compute_signature
from tests.conftest import Run, RunCli

from .test_sign_cli import (
    JOB,
    KAT_FILE,
    KAT_MANIFEST,
    KAT_SIGNATURE,
    KEY,
    OTHER_KEY,
    STATUS,
    VALID,
    key_env,
    make_key_file,
    no_key_env,
    safe_run,
)

STATUS_FILES = sorted(STATUS.iterdir())
GET_STATUS_FILES = [p for p in STATUS_FILES if p.name.startswith("get-status")]
OTHER_FILE = (b"version:2.0\nsigningMethod:HmacSHA1\njobId:OTHR2\n"
              b"signature:LJQDwZaLDu1iltguUShEp49wM8Y=\n")


def _device(tmp_path: Path, contents: bytes | None = KAT_FILE) -> Path:
    device = tmp_path / "device"
    device.mkdir()
    if contents is not None:
        (device / SIGNATURE_NAME).write_bytes(contents)
    return device


def _verify(run_cli: RunCli, *args: str, env: dict[str, str | None],
            input: bytes | str | None = None) -> tuple[Run, dict[str, Any]]:
    """Run verify twice (text and JSON) and return the text run and the JSON document."""
    text = safe_run(run_cli, "verify", *args, env=env, input=input)
    as_json = safe_run(run_cli, "verify", *args, "--format", "json", env=env, input=input)
    assert as_json.code == text.code
    doc = json.loads(as_json.out)
    _check_shape(doc)
    # The text form lists the same checks in the same order.
    listed = [line.split()[1].rstrip(":") for line in text.out.splitlines()
              if line.startswith("  ") and not line.startswith("    ")]
    assert listed == [c["name"] for c in doc["checks"]]
    return text, doc


def _check_shape(doc: dict[str, Any]) -> None:
    assert set(doc) == {"ok", "job_id", "checks"}
    assert isinstance(doc["ok"], bool)
    assert doc["job_id"] is None or isinstance(doc["job_id"], str)
    assert doc["checks"]
    for check in doc["checks"]:
        assert set(check) == {"name", "ok", "detail"}
        assert isinstance(check["name"], str)
        assert check["ok"] in (True, False, None)
        assert isinstance(check["detail"], str) and check["detail"]


def _checks(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in doc["checks"]}


def _status_json(tmp_path: Path, name: str = "status.json", **changes: Any) -> Path:
    doc = json.loads((STATUS / "get-status.json").read_text())
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=4))
    return path


def _local(tmp_path: Path, data: bytes, name: str = "local.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- the happy path -------------------------------------------------------------------------

@pytest.mark.parametrize("status", STATUS_FILES, ids=lambda p: p.name)
def test_after_write_signature_every_check_passes(run_cli: RunCli, tmp_path: Path,
                                                  status: Path) -> None:
    device = tmp_path / "device"
    device.mkdir()
    written = safe_run(run_cli, "write-signature", str(device), "--status", str(status),
                       env=no_key_env(tmp_path))
    assert written.code == 0, written.err
    result, doc = _verify(run_cli, "--status", str(status), "--device", str(device),
                          "--key-file", str(make_key_file(tmp_path)), env=no_key_env(tmp_path))
    assert result.code == 0, result.out + result.err
    assert doc["ok"] is True and doc["job_id"] == JOB
    checks = _checks(doc)
    assert all(c["ok"] is not False for c in doc["checks"]), doc
    for name in ("signature-file-parses", "job-id-matches", "signature-matches",
                 "device-file-matches"):
        assert checks[name]["ok"] is True, checks[name]
    if status in GET_STATUS_FILES:
        assert all(c["ok"] is True for c in doc["checks"]), doc
        assert checks["hmac-current-manifest"]["ok"] is True
        assert checks["progress"]["detail"] == "ProgressCode InProgress"
    else:  # create-job output: no CurrentManifest, no ProgressCode
        assert checks["progress"]["ok"] is None
    assert result.out.startswith(f"verify job {JOB}\n")
    assert result.out.splitlines()[-1].startswith("result: ok")


def test_local_manifest_that_matches(run_cli: RunCli, tmp_path: Path) -> None:
    local = _local(tmp_path, KAT_MANIFEST.replace(b"\r\n", b"\n"))  # LF only: same
    result, doc = _verify(run_cli, "--status", str(STATUS / "get-status.json"),
                          "--manifest", str(local), "--device", str(_device(tmp_path)),
                          env=key_env(tmp_path))
    assert result.code == 0, result.out
    checks = _checks(doc)
    assert checks["manifest-matches"]["ok"] is True
    assert checks["hmac-local-manifest"]["ok"] is True
    assert checks["hmac-current-manifest"]["ok"] is True


# --- what it catches ------------------------------------------------------------------------

def test_tampered_local_manifest(run_cli: RunCli, tmp_path: Path) -> None:
    local = _local(tmp_path, KAT_MANIFEST.replace(b"49382", b"49383"))
    result, doc = _verify(run_cli, "--status", str(STATUS / "get-status.json"),
                          "--manifest", str(local), "--key-file",
                          str(make_key_file(tmp_path)), env=no_key_env(tmp_path))
    assert result.code == 1
    assert doc["ok"] is False
    checks = _checks(doc)
    detail = checks["manifest-matches"]["detail"]
    assert checks["manifest-matches"]["ok"] is False
    assert "--- CurrentManifest\n" in detail and f"+++ {local}\n" in detail
    assert "\n-deviceId: 49382\n" in detail and "\n+deviceId: 49383\n" in detail
    assert "@@" in detail
    assert checks["hmac-local-manifest"]["ok"] is False
    assert checks["hmac-current-manifest"]["ok"] is True
    assert "FAIL  manifest-matches" in result.out
    assert "        +deviceId: 49383" in result.out
    assert result.out.splitlines()[-1].startswith("result: FAILED")


def test_stale_local_manifest(run_cli: RunCli, tmp_path: Path) -> None:
    # The manifest as first submitted; AWS's CurrentManifest is the updated one.
    old = b"manifestVersion: 2.0\r\nbucket: myOldBucket\r\ndeviceId: 49382\r\n"
    local = _local(tmp_path, old)
    result, doc = _verify(run_cli, "--status", str(STATUS / "get-status.yaml"),
                          "--manifest", str(local), env=key_env(tmp_path))
    assert result.code == 1
    checks = _checks(doc)
    detail = checks["manifest-matches"]["detail"]
    assert checks["manifest-matches"]["ok"] is False
    assert "-bucket: myBucket" in detail and "+bucket: myOldBucket" in detail
    assert "-eraseDevice: yes" in detail
    assert checks["hmac-local-manifest"]["ok"] is False
    assert checks["hmac-current-manifest"]["ok"] is True


def test_device_signature_from_another_job(run_cli: RunCli, tmp_path: Path) -> None:
    result, doc = _verify(run_cli, "--status", str(STATUS / "get-status.txt"), "--device",
                          str(_device(tmp_path, OTHER_FILE)), env=key_env(tmp_path))
    assert result.code == 1
    check = _checks(doc)["device-file-matches"]
    assert check["ok"] is False
    assert "OTHR2" in check["detail"] and JOB in check["detail"]
    assert "InvalidSignature" in check["detail"]


def test_wrong_key(run_cli: RunCli, tmp_path: Path) -> None:
    result, doc = _verify(run_cli, "--status", str(STATUS / "get-status.json"),
                          "--manifest", str(_local(tmp_path, KAT_MANIFEST)),
                          "--device", str(_device(tmp_path)),
                          "--key-file", str(make_key_file(tmp_path, OTHER_KEY)),
                          env=no_key_env(tmp_path))
    assert result.code == 1
    checks = _checks(doc)
    assert checks["hmac-current-manifest"]["ok"] is False
    assert checks["hmac-local-manifest"]["ok"] is False
    wrong = compute_signature(KAT_MANIFEST, JOB, OTHER_KEY)
    assert wrong in checks["hmac-current-manifest"]["detail"]
    assert KAT_SIGNATURE in checks["hmac-current-manifest"]["detail"]
    others = [c for c in doc["checks"] if not c["name"].startswith("hmac")]
    assert all(c["ok"] is True for c in others), others


def test_missing_signature_on_device(run_cli: RunCli, tmp_path: Path) -> None:
    result, doc = _verify(run_cli, "--status", str(STATUS / "get-status.json"), "--device",
                          str(_device(tmp_path, None)), env=key_env(tmp_path))
    assert result.code == 1
    check = _checks(doc)["device-file-matches"]
    assert check["ok"] is False
    assert "does not exist" in check["detail"] and "MissingSignature" in check["detail"]


def test_missing_device_root_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "verify", "--status", str(STATUS / "get-status.json"),
                      "--device", str(tmp_path / "nope"), env=key_env(tmp_path))
    assert result.code == 2
    assert "no such folder" in result.err


@pytest.mark.parametrize("code", ["MissingSignature", "InvalidSignature"])
def test_failed_progress_code_gives_advice(run_cli: RunCli, tmp_path: Path, code: str) -> None:
    status = _status_json(tmp_path, ProgressCode=code, ProgressMessage="Signature problem")
    result, doc = _verify(run_cli, "--status", str(status), "--device", str(_device(tmp_path)),
                          env=key_env(tmp_path))
    assert result.code == 1
    check = _checks(doc)["progress"]
    assert check["ok"] is False
    assert code in check["detail"]
    assert "manifest-tools write-signature" in check["detail"]
    others = [c for c in doc["checks"] if c["name"] != "progress"]
    assert all(c["ok"] is True for c in others), others


def test_without_key_hmac_is_skipped_and_exit_depends_on_the_rest(
        run_cli: RunCli, tmp_path: Path) -> None:
    status = str(STATUS / "get-status.json")
    result, doc = _verify(run_cli, "--status", status, "--device", str(_device(tmp_path)),
                          env=no_key_env(tmp_path))
    assert result.code == 0, result.out
    hmac = _checks(doc)["hmac"]
    assert hmac["ok"] is None
    assert "no secret key" in hmac["detail"]
    assert not any(c["name"].startswith("hmac-") for c in doc["checks"])
    assert "skip  hmac" in result.out
    assert "1 skipped" in result.out.splitlines()[-1]
    # The same without a key, but with a wrong device file: the checks that ran decide.
    other = tmp_path / "other"
    other.mkdir()
    (other / SIGNATURE_NAME).write_bytes(OTHER_FILE)
    failed, doc = _verify(run_cli, "--status", status, "--device", str(other),
                          env=no_key_env(tmp_path))
    assert failed.code == 1
    assert _checks(doc)["hmac"]["ok"] is None


def test_explicit_missing_key_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = safe_run(run_cli, "verify", "--status", str(STATUS / "get-status.json"),
                      "--key-file", str(tmp_path / "nope"), env=key_env(tmp_path))
    assert result.code == 2
    assert str(tmp_path / "nope") in result.err


def test_trailing_newline_only_difference_is_reported(run_cli: RunCli, tmp_path: Path) -> None:
    result, doc = _verify(run_cli, "--status", str(STATUS / "get-status.json"), "--device",
                          str(_device(tmp_path, KAT_FILE.rstrip(b"\n"))), env=key_env(tmp_path))
    check = _checks(doc)["device-file-matches"]
    assert "trailing newline" in check["detail"]
    assert check["ok"] is True  # readers accept both (domain notes section 4)
    assert result.code == 0


def test_crlf_device_file_is_reported(run_cli: RunCli, tmp_path: Path) -> None:
    result, doc = _verify(run_cli, "--status", str(STATUS / "get-status.json"), "--device",
                          str(_device(tmp_path, KAT_FILE.replace(b"\n", b"\r\n"))),
                          env=key_env(tmp_path))
    check = _checks(doc)["device-file-matches"]
    assert check["ok"] is False
    assert "line endings" in check["detail"]
    assert result.code == 1


# --- secrets in diffs -----------------------------------------------------------------------

SECRET_CURRENT = ("manifestVersion: 2.0\r\nbucket: myBucket\r\ndeviceId: xs3cr3tpassx\r\n"
                  "eraseDevice: yes\r\ntrueCryptPassword: s3cr3tpass\r\npinCode: 4321\r\n")
SECRET_LOCAL = ("manifestVersion: 2.0\nbucket: myBucket\ndeviceId: xs3cr3tpassx\n"
                "eraseDevice: yes\ntrueCryptPassword: 0th3rpass\npinCode: 8765\n")


def _secret_status(tmp_path: Path) -> Path:
    signature = compute_signature(SECRET_CURRENT.encode(), JOB, KEY)
    return _status_json(
        tmp_path, CurrentManifest=SECRET_CURRENT, Signature=signature,
        SignatureFileContents=(f"version:2.0\nsigningMethod:HmacSHA1\njobId:{JOB}\n"
                               f"signature:{signature}\n"))


def test_diff_masks_secrets_by_key_name(run_cli: RunCli, tmp_path: Path) -> None:
    local = _local(tmp_path, SECRET_LOCAL.encode())
    result, doc = _verify(run_cli, "--status", str(_secret_status(tmp_path)), "--manifest",
                          str(local), env=key_env(tmp_path))
    assert result.code == 1
    checks = _checks(doc)
    assert checks["hmac-current-manifest"]["ok"] is True
    assert checks["manifest-matches"]["ok"] is False
    detail = checks["manifest-matches"]["detail"]
    for secret in ("s3cr3tpass\n", ": s3cr3tpass", "0th3rpass", "4321", "8765"):
        assert secret not in detail
        assert secret not in result.out and secret not in result.err
    # The changed secrets still show as changed lines, masked.
    assert "\n-trueCryptPassword: ****\n" in detail
    assert "\n+trueCryptPassword: ****\n" in detail
    assert "\n-pinCode: ****\n" in detail and "\n+pinCode: ****\n" in detail
    # Masking is by key name: a value that merely contains the password is shown.
    assert "deviceId: xs3cr3tpassx" in detail


def test_diff_when_only_the_password_differs_is_not_empty(run_cli: RunCli,
                                                          tmp_path: Path) -> None:
    local = _local(tmp_path, SECRET_CURRENT.replace("s3cr3tpass\r", "0th3rpass\r").encode())
    result, doc = _verify(run_cli, "--status", str(_secret_status(tmp_path)), "--manifest",
                          str(local), env=key_env(tmp_path))
    assert result.code == 1
    detail = _checks(doc)["manifest-matches"]["detail"]
    assert "-trueCryptPassword: ****\n+trueCryptPassword: ****\n" in detail
    assert "s3cr3tpass\n" not in detail and "0th3rpass" not in detail


def test_show_secrets_shows_them(run_cli: RunCli, tmp_path: Path) -> None:
    local = _local(tmp_path, SECRET_LOCAL.encode())
    result, doc = _verify(run_cli, "--status", str(_secret_status(tmp_path)), "--manifest",
                          str(local), "--show-secrets", env=key_env(tmp_path))
    assert result.code == 1
    detail = _checks(doc)["manifest-matches"]["detail"]
    assert "\n-trueCryptPassword: s3cr3tpass\n" in detail
    assert "\n+trueCryptPassword: 0th3rpass\n" in detail
    assert "\n-pinCode: 4321\n" in detail and "\n+pinCode: 8765\n" in detail


# --- a SIGNATURE file and a manifest, no status ---------------------------------------------

def _signed(tmp_path: Path) -> tuple[Path, Path]:
    manifest = VALID / "s3-import.yaml"
    signature = compute_signature(manifest.read_bytes(), JOB, KEY)
    sig = tmp_path / "SIGNATURE.s3"
    sig.write_text(f"version:2.0\nsigningMethod:HmacSHA1\njobId:{JOB}\nsignature:{signature}\n")
    return sig, manifest


def test_signature_file_and_manifest_with_key(run_cli: RunCli, tmp_path: Path) -> None:
    sig, manifest = _signed(tmp_path)
    result, doc = _verify(run_cli, "--signature-file", str(sig), "--manifest", str(manifest),
                          "--key-file", str(make_key_file(tmp_path)), env=no_key_env(tmp_path))
    assert result.code == 0, result.out
    assert doc["ok"] is True and doc["job_id"] == JOB
    assert [c["name"] for c in doc["checks"]] == ["signature-file-parses", "hmac-local-manifest"]
    assert all(c["ok"] is True for c in doc["checks"])


def test_signature_file_and_manifest_without_key(run_cli: RunCli, tmp_path: Path) -> None:
    sig, manifest = _signed(tmp_path)
    result, doc = _verify(run_cli, "--signature-file", str(sig), "--manifest", str(manifest),
                          env=no_key_env(tmp_path))
    assert result.code == 0, result.out
    checks = _checks(doc)
    assert checks["signature-file-parses"]["ok"] is True
    assert checks["hmac-local-manifest"]["ok"] is None
    assert "no secret key" in checks["hmac-local-manifest"]["detail"]


def test_signature_file_and_other_manifest_fails(run_cli: RunCli, tmp_path: Path) -> None:
    sig, _ = _signed(tmp_path)
    result, doc = _verify(run_cli, "--signature-file", str(sig), "--manifest",
                          str(VALID / "s3-export.yaml"), env=key_env(tmp_path))
    assert result.code == 1
    assert _checks(doc)["hmac-local-manifest"]["ok"] is False


def test_device_with_manifest_without_status(run_cli: RunCli, tmp_path: Path) -> None:
    result, doc = _verify(run_cli, "--device", str(_device(tmp_path)), "--manifest",
                          str(_local(tmp_path, KAT_MANIFEST)), env=key_env(tmp_path))
    assert result.code == 0, result.out
    assert _checks(doc)["hmac-local-manifest"]["ok"] is True


def test_invalid_signature_file_fails(run_cli: RunCli, tmp_path: Path) -> None:
    sig = _local(tmp_path, b"version:2.0\njobId:EX1ID\n", "SIG")
    result, doc = _verify(run_cli, "--signature-file", str(sig), "--manifest",
                          str(_local(tmp_path, KAT_MANIFEST)), env=key_env(tmp_path))
    assert result.code == 1
    check = _checks(doc)["signature-file-parses"]
    assert check["ok"] is False and "MT402" in check["detail"]


# --- input and usage errors -----------------------------------------------------------------

@pytest.mark.parametrize("data", [b"this is not get-status output\n", b"{\"JobId\": ",
                                  b"\xff\xfe\x00garbage", b""])
def test_unreadable_status_exit_1_with_mt501(run_cli: RunCli, tmp_path: Path,
                                             data: bytes) -> None:
    status = _local(tmp_path, data, "status.txt")
    result = safe_run(run_cli, "verify", "--status", str(status), env=key_env(tmp_path))
    assert result.code == 1
    assert "MT501" in result.err
    assert result.out == ""


def test_status_from_stdin(run_cli: RunCli, tmp_path: Path) -> None:
    result, doc = _verify(run_cli, "--status", "-", "--device", str(_device(tmp_path)),
                          env=key_env(tmp_path),
                          input=(STATUS / "get-status.yaml").read_bytes())
    assert result.code == 0, result.out
    assert doc["ok"] is True


@pytest.mark.parametrize("args", [
    pytest.param((), id="nothing"),
    pytest.param(("--device", "D", "--signature-file", "F"), id="device+signature-file"),
    pytest.param(("--manifest", "M"), id="manifest-alone"),
])
def test_usage_errors_exit_2(run_cli: RunCli, tmp_path: Path, args: tuple[str, ...]) -> None:
    result = safe_run(run_cli, "verify", *args, env=key_env(tmp_path))
    assert result.code == 2
    assert result.out == ""


@pytest.mark.parametrize("kind", ["symlink", "directory"])
def test_device_signature_refused_like_write_signature(run_cli: RunCli, tmp_path: Path,
                                                       kind: str) -> None:
    """verify --device and write-signature read the device through one reader: a symlinked
    SIGNATURE (or a directory) that write-signature refuses does not pass verify."""
    device = tmp_path / "device"
    device.mkdir()
    if kind == "symlink":
        real = tmp_path / "elsewhere"
        real.write_bytes(KAT_FILE)
        (device / SIGNATURE_NAME).symlink_to(real)
    else:
        (device / SIGNATURE_NAME).mkdir()
    verified = safe_run(run_cli, "verify", "--status", str(STATUS / "get-status.json"),
                        "--device", str(device), env=key_env(tmp_path))
    written = safe_run(run_cli, "write-signature", str(device), "--status",
                       str(STATUS / "get-status.json"), "--force", env=key_env(tmp_path))
    word = "symbolic link" if kind == "symlink" else "directory"
    for result in (verified, written):
        assert result.code == 2, result
        assert word in result.err and "AWS needs a regular file" in result.err
