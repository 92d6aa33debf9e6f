"""`manifest-tools write-signature` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from manifest_tools.aws import SIGNATURE_NAME
from manifest_tools.device.signature import TEMP_PREFIX
from manifest_tools.signature import compute_signature
from manifest_tools.status import read_status
from tests.conftest import Run, RunCli

from .test_sign_cli import (
    JOB,
    KAT_FILE,
    KEY,
    STATUS,
    VALID,
    make_key_file,
    no_key_env,
    safe_run,
)

STATUS_FILES = sorted(STATUS.iterdir())
OTHER_FILE = (b"version:2.0\nsigningMethod:HmacSHA1\njobId:OTHR2\n"
              b"signature:LJQDwZaLDu1iltguUShEp49wM8Y=\n")


def _device(tmp_path: Path, name: str = "device") -> Path:
    device = tmp_path / name
    device.mkdir()
    return device


def _no_temp_files(device: Path) -> None:
    assert [p.name for p in device.iterdir() if p.name.startswith(TEMP_PREFIX)] == []


def _write(run_cli: RunCli, tmp_path: Path, device: Path | str, *args: str,
           input: bytes | str | None = None) -> Run:
    result = safe_run(run_cli, "write-signature", str(device), *args, input=input,
                      env=no_key_env(tmp_path))
    if Path(device).is_dir():
        _no_temp_files(Path(device))
    return result


def _signature_file(tmp_path: Path, data: bytes = KAT_FILE, name: str = "SIG.in") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_from_signature_file(run_cli: RunCli, tmp_path: Path) -> None:
    device = _device(tmp_path)
    result = _write(run_cli, tmp_path, device, "--signature-file", str(_signature_file(tmp_path)))
    assert result.code == 0, result.err
    assert (device / SIGNATURE_NAME).read_bytes() == KAT_FILE
    assert f"wrote {device / SIGNATURE_NAME} for job {JOB}" in result.out
    assert sorted(p.name for p in device.iterdir()) == [SIGNATURE_NAME]


@pytest.mark.parametrize("status", STATUS_FILES, ids=lambda p: p.name)
def test_from_every_status_sample(run_cli: RunCli, tmp_path: Path, status: Path) -> None:
    expected = read_status(status.read_bytes()).status.SignatureFileContents
    assert expected is not None
    device = _device(tmp_path)
    result = _write(run_cli, tmp_path, device, "--status", str(status))
    assert result.code == 0, result.err
    assert (device / SIGNATURE_NAME).read_bytes() == expected.encode("utf-8")
    assert (device / SIGNATURE_NAME).read_bytes() == KAT_FILE  # all samples are job EX1ID
    assert sorted(p.name for p in device.iterdir()) == [SIGNATURE_NAME]


def test_from_status_on_stdin(run_cli: RunCli, tmp_path: Path) -> None:
    device = _device(tmp_path)
    result = _write(run_cli, tmp_path, device, "--status", "-",
                    input=(STATUS / "get-status.txt").read_bytes())
    assert result.code == 0, result.err
    assert (device / SIGNATURE_NAME).read_bytes() == KAT_FILE


def test_from_manifest_and_job_id(run_cli: RunCli, tmp_path: Path) -> None:
    manifest = VALID / "s3-import.yaml"
    device = _device(tmp_path)
    result = _write(run_cli, tmp_path, device, "--manifest", str(manifest), "--job-id", JOB,
                    "--key-file", str(make_key_file(tmp_path)))
    assert result.code == 0, result.err
    signature = compute_signature(manifest.read_bytes(), JOB, KEY)
    assert (device / SIGNATURE_NAME).read_bytes() == (
        f"version:2.0\nsigningMethod:HmacSHA1\njobId:{JOB}\nsignature:{signature}\n").encode()


def test_manifest_without_job_id_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    device = _device(tmp_path)
    result = _write(run_cli, tmp_path, device, "--manifest", str(VALID / "s3-import.yaml"),
                    "--key-file", str(make_key_file(tmp_path)))
    assert result.code == 2
    assert "--job-id" in result.err
    assert list(device.iterdir()) == []


def test_manifest_without_key_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    device = _device(tmp_path)
    result = _write(run_cli, tmp_path, device, "--manifest", str(VALID / "s3-import.yaml"),
                    "--job-id", JOB)
    assert result.code == 2
    assert "AWS_SECRET_ACCESS_KEY" in result.err
    assert list(device.iterdir()) == []


def test_invalid_manifest_is_not_signed(run_cli: RunCli, tmp_path: Path) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_bytes(b"manifestVersion: 2.0\nbucket: myBucket\n")
    device = _device(tmp_path)
    result = _write(run_cli, tmp_path, device, "--manifest", str(manifest), "--job-id", JOB,
                    "--key-file", str(make_key_file(tmp_path)))
    assert result.code == 1
    assert f"{manifest}:" in result.err
    assert list(device.iterdir()) == []


def test_identical_existing_is_left_alone(run_cli: RunCli, tmp_path: Path) -> None:
    device = _device(tmp_path)
    (device / SIGNATURE_NAME).write_bytes(KAT_FILE)
    before = (device / SIGNATURE_NAME).stat()
    result = _write(run_cli, tmp_path, device, "--signature-file", str(_signature_file(tmp_path)))
    assert result.code == 0, result.err
    assert "nothing written" in result.out
    after = (device / SIGNATURE_NAME).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_different_existing_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    device = _device(tmp_path)
    (device / SIGNATURE_NAME).write_bytes(OTHER_FILE)
    result = _write(run_cli, tmp_path, device, "--signature-file", str(_signature_file(tmp_path)))
    assert result.code == 1
    assert "OTHR2" in result.err and JOB in result.err
    assert "--force" in result.err
    assert result.out == ""
    assert (device / SIGNATURE_NAME).read_bytes() == OTHER_FILE


def test_force_replaces(run_cli: RunCli, tmp_path: Path) -> None:
    device = _device(tmp_path)
    (device / SIGNATURE_NAME).write_bytes(OTHER_FILE)
    result = _write(run_cli, tmp_path, device, "--signature-file", str(_signature_file(tmp_path)),
                    "--force")
    assert result.code == 0, result.err
    assert (device / SIGNATURE_NAME).read_bytes() == KAT_FILE
    assert "replaced" in result.out and "OTHR2" in result.out and JOB in result.out
    assert sorted(p.name for p in device.iterdir()) == [SIGNATURE_NAME]


def test_missing_device_root_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    device = tmp_path / "not-mounted"
    result = _write(run_cli, tmp_path, device, "--signature-file", str(_signature_file(tmp_path)))
    assert result.code == 2
    assert str(device) in result.err and "does not exist" in result.err
    assert not device.exists()


def test_device_root_that_is_a_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    device = tmp_path / "plain-file"
    device.write_bytes(b"data")
    result = _write(run_cli, tmp_path, device, "--signature-file", str(_signature_file(tmp_path)))
    assert result.code == 2
    assert "not a directory" in result.err
    assert device.read_bytes() == b"data"


@pytest.mark.parametrize("sources", [
    pytest.param((), id="none"),
    pytest.param(("--status", str(STATUS / "get-status.json"), "--signature-file", "SIG.in"),
                 id="status+signature-file"),
    pytest.param(("--status", str(STATUS / "get-status.json"), "--manifest",
                  str(VALID / "s3-import.yaml"), "--job-id", JOB), id="status+manifest"),
])
def test_zero_or_two_sources_exit_2(run_cli: RunCli, tmp_path: Path,
                                    sources: tuple[str, ...]) -> None:
    _signature_file(tmp_path)
    device = _device(tmp_path)
    args = [str(tmp_path / a) if a == "SIG.in" else a for a in sources]
    result = _write(run_cli, tmp_path, device, *args, "--key-file", str(make_key_file(tmp_path)))
    assert result.code == 2
    assert "exactly one" in result.err
    assert list(device.iterdir()) == []


@pytest.mark.parametrize("contents", [
    pytest.param(b"version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\n", id="missing-signature"),
    pytest.param(KAT_FILE.replace(b"HmacSHA1", b"HmacSHA256"), id="signing-method"),
    pytest.param(KAT_FILE.replace(b"Ara83XX0K7K15HeRcHM9hXMrNpw=", b"not-base64!"),
                 id="bad-base64"),
    pytest.param(KAT_FILE.replace(b"version:2.0", b"version:3.0"), id="version"),
    pytest.param(b"hello world\n", id="garbage"),
])
def test_invalid_contents_exit_1_and_nothing_written(run_cli: RunCli, tmp_path: Path,
                                                     contents: bytes) -> None:
    device = _device(tmp_path)
    source = _signature_file(tmp_path, contents)
    result = _write(run_cli, tmp_path, device, "--signature-file", str(source))
    assert result.code == 1
    assert f"{source}:" in result.err and "error MT4" in result.err  # located in its source
    assert "refusing to write" in result.err
    assert list(device.iterdir()) == []


def test_invalid_contents_do_not_replace_existing(run_cli: RunCli, tmp_path: Path) -> None:
    device = _device(tmp_path)
    (device / SIGNATURE_NAME).write_bytes(KAT_FILE)
    result = _write(run_cli, tmp_path, device, "--signature-file",
                    str(_signature_file(tmp_path, b"jobId:EX1ID\n")), "--force")
    assert result.code == 1
    assert (device / SIGNATURE_NAME).read_bytes() == KAT_FILE


def test_status_with_invalid_signature_contents_exit_1(run_cli: RunCli, tmp_path: Path) -> None:
    doc = json.loads((STATUS / "get-status.json").read_text())
    doc["SignatureFileContents"] = "version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\n"
    status = tmp_path / "status.json"
    status.write_text(json.dumps(doc))
    device = _device(tmp_path)
    result = _write(run_cli, tmp_path, device, "--status", str(status))
    assert result.code == 1
    assert "MT402" in result.err
    assert list(device.iterdir()) == []


def test_status_without_signature_contents_exit_1(run_cli: RunCli, tmp_path: Path) -> None:
    doc = json.loads((STATUS / "get-status.json").read_text())
    del doc["SignatureFileContents"]
    status = tmp_path / "status.json"
    status.write_text(json.dumps(doc))
    device = _device(tmp_path)
    result = _write(run_cli, tmp_path, device, "--status", str(status))
    assert result.code == 1
    assert "SignatureFileContents" in result.err
    assert list(device.iterdir()) == []


def test_unreadable_status_exit_1_with_mt501(run_cli: RunCli, tmp_path: Path) -> None:
    status = _signature_file(tmp_path, b"this is not get-status output\n", "status.txt")
    device = _device(tmp_path)
    result = _write(run_cli, tmp_path, device, "--status", str(status))
    assert result.code == 1
    assert "MT501" in result.err
    assert list(device.iterdir()) == []


def test_missing_signature_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    device = _device(tmp_path)
    result = _write(run_cli, tmp_path, device, "--signature-file", str(tmp_path / "none"))
    assert result.code == 2
    assert "no such file" in result.err
    assert list(device.iterdir()) == []


def test_signature_directory_on_device_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    device = _device(tmp_path)
    (device / SIGNATURE_NAME).mkdir()
    result = _write(run_cli, tmp_path, device, "--signature-file", str(_signature_file(tmp_path)),
                    "--force")
    assert result.code == 2
    assert "directory" in result.err
    assert (device / SIGNATURE_NAME).is_dir()
