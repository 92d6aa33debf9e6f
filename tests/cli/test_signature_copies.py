"""SIGNATURE files as users save them: never written byte for byte when a tool added bytes.

The inputs are what Notepad, ``aws importexport get-status --query SignatureFileContents
--output text > SIGNATURE`` and the same command without ``--output text`` leave on disk.
"""

from __future__ import annotations

import json
from pathlib import Path

from manifest_tools.aws import SIGNATURE_NAME
from manifest_tools.signature import read_signature_copy
from tests.conftest import RunCli

from .test_sign_cli import JOB, KAT_FILE, KAT_MANIFEST, make_key_file, no_key_env, safe_run

NOTEPAD = b"\xef\xbb\xbf" + KAT_FILE.replace(b"\n", b"\r\n")  # Notepad: UTF-8 BOM, CRLF
# --output text prints the value and a newline; the value already ends in one.
CLI_TEXT = KAT_FILE + b"\n"
# Without --output text the CLI prints the value as a JSON string.
CLI_JSON = (json.dumps(KAT_FILE.decode()) + "\n").encode()


def _write(run_cli: RunCli, tmp_path: Path, data: bytes, *more: str) -> tuple[int, str, Path]:
    source = tmp_path / "SIGNATURE.saved"
    source.write_bytes(data)
    device = tmp_path / "device"
    device.mkdir(exist_ok=True)
    result = safe_run(run_cli, "write-signature", str(device), "--signature-file", str(source),
                      *more, env=no_key_env(tmp_path))
    return result.code, result.err, device / SIGNATURE_NAME


def test_notepad_copy_is_rebuilt_and_what_was_removed_is_named(run_cli: RunCli,
                                                               tmp_path: Path) -> None:
    code, err, written = _write(run_cli, tmp_path, NOTEPAD)
    assert code == 0, err
    assert written.read_bytes() == KAT_FILE
    assert "warning MT420" in err
    assert "a UTF-8 byte order mark" in err
    assert "a CR before the line ends (CR LF, as Windows editors save)" in err


def test_cli_text_extra_empty_line_is_removed(run_cli: RunCli, tmp_path: Path) -> None:
    code, err, written = _write(run_cli, tmp_path, CLI_TEXT)
    assert code == 0, err
    assert written.read_bytes() == KAT_FILE
    assert "an empty line at the end (the AWS CLI's --output text prints a newline" in err


def test_exact_file_is_copied_byte_for_byte_without_a_word(run_cli: RunCli,
                                                           tmp_path: Path) -> None:
    code, err, written = _write(run_cli, tmp_path, KAT_FILE)
    assert code == 0, err
    assert written.read_bytes() == KAT_FILE
    assert "MT420" not in err
    # and without a final newline too: AWS's own value may end either way
    (written).unlink()
    code, err, written = _write(run_cli, tmp_path, KAT_FILE.rstrip(b"\n"))
    assert written.read_bytes() == KAT_FILE.rstrip(b"\n")
    assert "MT420" not in err


def test_json_string_copy_is_one_finding_with_the_fix(run_cli: RunCli, tmp_path: Path) -> None:
    code, err, written = _write(run_cli, tmp_path, CLI_JSON)
    assert code == 1
    assert not written.exists()
    assert err.count(" MT4") == 1, err
    assert "error MT421 this is SignatureFileContents saved as a JSON string" in err
    assert "--query SignatureFileContents --output text" in err
    assert "write-signature DEVICE_ROOT --status FILE" in err


def test_verify_does_not_call_a_notepad_copy_ok(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "SIGNATURE.txt"
    source.write_bytes(NOTEPAD)
    manifest = tmp_path / "m.yaml"
    manifest.write_bytes(KAT_MANIFEST)
    result = safe_run(run_cli, "verify", "--signature-file", str(source), "--manifest",
                      str(manifest), "--key-file", str(make_key_file(tmp_path)),
                      env=no_key_env(tmp_path))
    assert result.code == 1
    assert "FAIL  signature-file-bytes" in result.out
    assert "a UTF-8 byte order mark; a CR before the line ends" in result.out
    assert f"write-signature DEVICE_ROOT --signature-file {source}" in result.out
    assert "ok    hmac-local-manifest" in result.out  # the values themselves are right


def test_verify_names_the_json_string_once(run_cli: RunCli, tmp_path: Path) -> None:
    source = tmp_path / "SIGNATURE.json"
    source.write_bytes(CLI_JSON)
    result = safe_run(run_cli, "verify", "--signature-file", str(source),
                      env=no_key_env(tmp_path))
    assert result.code == 1
    assert result.out.count("FAIL ") == 1
    assert "MT421" in result.out and "MT401" not in result.out and "MT402" not in result.out


def test_verify_with_status_compares_the_rebuilt_copy(run_cli: RunCli, tmp_path: Path) -> None:
    status = tmp_path / "status.json"
    status.write_text(json.dumps({"JobId": JOB, "Signature": KAT_FILE.decode().split(
        "signature:")[1].strip(), "SignatureFileContents": KAT_FILE.decode(),
        "ProgressCode": "Pending"}))
    source = tmp_path / "SIGNATURE.txt"
    source.write_bytes(CLI_TEXT)
    result = safe_run(run_cli, "verify", "--status", str(status), "--signature-file",
                      str(source), env=no_key_env(tmp_path))
    assert result.code == 1
    assert "FAIL  signature-file-bytes" in result.out
    assert "ok    device-file-matches" in result.out


def test_copy_reader_keeps_findings_of_a_file_it_cannot_rebuild() -> None:
    copy, found = read_signature_copy(b"\xef\xbb\xbfversion:2.0\r\njobId:EX1ID\r\n")
    assert copy is None
    assert [d.rule for d in found if d.is_error] == ["MT402", "MT402"]


def test_sign_output_refuses_to_replace_a_different_file(run_cli: RunCli,
                                                         tmp_path: Path) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_bytes(KAT_MANIFEST)
    out = tmp_path / "SIGNATURE"
    out.write_bytes(KAT_FILE.replace(b"EX1ID", b"OTHR2"))
    key = make_key_file(tmp_path)
    argv = ("sign", str(manifest), "--job-id", JOB, "--key-file", str(key), "--no-validate",
            "--output", str(out))
    result = safe_run(run_cli, *argv, env=no_key_env(tmp_path))
    assert result.code == 1
    assert f"{out} already exists and differs (job OTHR2; new job EX1ID); use --force" \
        in result.err
    assert out.read_bytes() == KAT_FILE.replace(b"EX1ID", b"OTHR2")
    result = safe_run(run_cli, *argv, "--force", env=no_key_env(tmp_path))
    assert result.code == 0, result.err
    assert out.read_bytes() == KAT_FILE
    assert f"replaced {out}" in result.err
    result = safe_run(run_cli, *argv, env=no_key_env(tmp_path))
    assert result.code == 0
    assert "already holds this SIGNATURE; nothing written" in result.err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".sign-")] == []
