"""Secrets never leave the tool: the secret key in no output of any command (failures and
``--debug`` included); trueCryptPassword and pinCode values masked (``****``) in every
output and format unless ``--show-secrets``.

The password and PIN are chosen to also be substrings of other values ("123 Main Street",
"Main-bucket", "617-555-0100"): masking is by key name, so those values must stay intact.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from manifest_tools.signature import compute_signature, render_signature_file, sign
from tests.conftest import Run, RunCli
from tests.manifests import ADDRESS

PASSWORD = "Main"
PIN = "0100"
KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"
OTHER_VALUES = ("123 Main Street", "Main-bucket", "617-555-0100")

BASE = """manifestVersion: 2.0
accessKeyId: AKIA2E0A8F3B244C9986
deviceId: HD001
fileSystem: NTFS
{secret}logBucket: example-log-bucket
operations:
  - exportBucket: Main-bucket
""" + ADDRESS
VALID = BASE.format(secret=f"trueCryptPassword: {PASSWORD}\npinCode: {PIN}\n")

# Manifests whose secret lines are wrong in ways that produce diagnostics near them.
HOSTILE_SECRETS = {
    "anchor": f"trueCryptPassword: &{PASSWORD}\npinCode: &{PIN} x\n",
    "alias": f"trueCryptPassword: *{PASSWORD}\npinCode: *{PIN}\n",
    "tag": f"trueCryptPassword: !{PASSWORD} x\npinCode: !{PIN} y\n",
    "duplicate-key": f"pinCode: {PIN}\npinCode: {PIN}\ntrueCryptPassword: {PASSWORD}\n"
                     f"trueCryptPassword: {PASSWORD}\n",
    "list-value": f"trueCryptPassword: [{PASSWORD}, {PIN}]\n",
    "mapping-value": f"pinCode:\n  {PIN}: {PASSWORD}\n  {PIN}: {PASSWORD}\n",
    "nested-anchor": f"trueCryptPassword:\n  - &{PASSWORD} a\n  - *{PIN}\n",
    "control-character": f"trueCryptPassword: {PASSWORD}\x01{PIN}\n",
    "unterminated-quote": f"pinCode: \"{PIN}\ntrueCryptPassword: '{PASSWORD}\n",
    "empty-and-valid": f"trueCryptPassword:\npinCode: {PIN}\n",
}
# Values that wrapped or moved off their line (web forms, pastes): whatever text
# may be the secret is never shown either.
WRAPPED_SECRETS = {
    # `trueCryptPassword:` then `S3cr3t... returnAddress:` on the next line (a web form).
    "wrapped-into-field": f"trueCryptPassword:\n{PASSWORD}word{PIN} generator:\n",
    "wrapped-unknown-key": f"pinCode:\n{PIN}x{PASSWORD}: 1\n",
    "wrapped-key-equals": f"pinCode:\n{PIN}={PASSWORD}\n",
    "wrapped-colon-value": f"trueCryptPassword:\nx{PASSWORD}: {PIN}: y\n",
    "wrapped-after-comment": f"pinCode:\n# the PIN:\n{PIN}{PASSWORD} bucket:\n",
    "wrapped-odd-character": f"pinCode:\n@{PIN}{PASSWORD}\n",
    "nbsp-before-value": f"pinCode:\u00a0{PIN}\u00a0\ntrueCryptPassword:\u00a0{PASSWORD}\n",
    "comment-cut-value": f"trueCryptPassword: {PASSWORD} #{PIN}\npinCode: {PIN}#x #{PASSWORD}\n",
    "smart-quoted": f"trueCryptPassword: \u201c{PASSWORD}\u201d\n",
    "placeholder-form": f"trueCryptPassword: <{PASSWORD}>\npinCode: [{PIN}]\n",
}
# The exit code of each wrapped case (0: only warnings).
WRAPPED_CODES = {"comment-cut-value": 0, "smart-quoted": 0}


def leaked(text: str, *secrets: str) -> list[str]:
    """The secrets still in ``text`` once the other values that contain them are removed;
    also checks that those values are intact wherever they appear."""
    for value in OTHER_VALUES:
        text = text.replace(value, "")
    return [s for s in secrets if s in text]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
@pytest.mark.parametrize("case", sorted(HOSTILE_SECRETS))
def test_validate_never_shows_secret_values(run_cli: RunCli, tmp_path: Path, case: str,
                                            fmt: str) -> None:
    manifest = write(tmp_path, "m.yaml", BASE.format(secret=HOSTILE_SECRETS[case]))
    result = run_cli("validate", "--format", fmt, str(manifest))
    assert result.code == (0 if case == "empty-and-valid" else 1), result
    both = result.out + result.err
    assert leaked(both, PASSWORD, PIN) == [], both
    if case != "unterminated-quote":  # unreadable: no rule runs, so nothing is quoted
        # The neighbouring value that contains the password is reported intact.
        assert "Main-bucket" in both


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
@pytest.mark.parametrize("case", sorted(WRAPPED_SECRETS))
def test_wrapped_or_moved_secret_values_are_never_shown(run_cli: RunCli, tmp_path: Path,
                                                        case: str, fmt: str, debug: bool
                                                        ) -> None:
    manifest = write(tmp_path, "m.yaml", BASE.format(secret=WRAPPED_SECRETS[case]))
    argv = ["--debug"] if debug else []
    result = run_cli(*argv, "validate", "--format", fmt, str(manifest))
    assert result.code == WRAPPED_CODES.get(case, 1), result
    both = result.out + result.err
    assert leaked(both, PASSWORD, PIN) == [], both
    assert "Traceback" not in both
    if fmt == "json":  # each case is reported: hiding must not hide the finding
        assert json.loads(result.out)["files"][0]["diagnostics"]


def test_wrapped_password_is_read_as_its_field(run_cli: RunCli, tmp_path: Path) -> None:
    """The issue's case: one finding on the password line with a hint, the field it ended
    with read as that field (so no returnAddress "missing" follows)."""
    text = BASE.format(secret="").replace(
        "returnAddress:\n", f"trueCryptPassword:\n{PASSWORD}xyz returnAddress:\n", 1)
    manifest = write(tmp_path, "m.yaml", text)
    result = run_cli("validate", "--format", "json", str(manifest))
    found = [d for d in json.loads(result.out)["files"][0]["diagnostics"]
             if d["severity"] == "error"]
    assert [d["rule"] for d in found] == ["MT202"], found
    assert "wrapped" in found[0]["message"] and found[0]["hint"]
    assert found[0]["line"] == text.splitlines().index(f"{PASSWORD}xyz returnAddress:") + 1
    assert leaked(result.out, PASSWORD) == []


def test_status_and_verify_mask_a_wrapped_secret(run_cli: RunCli, tmp_path: Path) -> None:
    wrapped = BASE.format(secret=f"pinCode:\n{PIN}{PASSWORD}\n")
    status = write(tmp_path, "status.json", status_json(wrapped))
    result = run_cli("status", str(status))
    assert leaked(result.out + result.err, PASSWORD, PIN) == [], result
    local = write(tmp_path, "local.yaml", wrapped.replace("HD001", "HD002"))
    result = run_cli("verify", "--status", str(status), "--manifest", str(local),
                     env={"AWS_SECRET_ACCESS_KEY": KEY})
    assert leaked(result.out + result.err, PASSWORD, PIN) == [], result


def status_json(manifest: str, **extra: str) -> str:
    sig = sign(manifest.encode(), "ABCDE", KEY)
    return json.dumps({"JobId": "ABCDE", "JobType": "Export", "ProgressCode": "Pending",
                       "Signature": sig.signature,
                       "SignatureFileContents": render_signature_file(sig).decode(),
                       "CurrentManifest": manifest, **extra})


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_status_masks_secrets_and_keeps_other_values(run_cli: RunCli, tmp_path: Path,
                                                     fmt: str) -> None:
    status = write(tmp_path, "status.json", status_json(VALID))
    result = run_cli("status", "--format", fmt, str(status))
    assert result.code == 0, result
    assert leaked(result.out + result.err, PASSWORD, PIN) == []
    shown = result.out if fmt == "text" else json.loads(result.out)["CurrentManifest"]
    assert "trueCryptPassword: ****" in shown and "pinCode: ****" in shown
    for value in ("123 Main Street", "617-555-0100"):
        assert value in shown
    revealed = run_cli("status", "--format", fmt, "--show-secrets", str(status))
    assert f"trueCryptPassword: {PASSWORD}" in revealed.out
    assert f"pinCode: {PIN}" in revealed.out


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_verify_diff_masks_secrets(run_cli: RunCli, tmp_path: Path, fmt: str) -> None:
    # The local copy differs in both secrets and in a line that contains them.
    local_text = VALID.replace(f"pinCode: {PIN}", "pinCode: 9999").replace(
        f"trueCryptPassword: {PASSWORD}", "trueCryptPassword: Other").replace(
        "Main-bucket", "Main-bucket-2")
    status = write(tmp_path, "status.json", status_json(VALID))
    local = write(tmp_path, "local.yaml", local_text)
    env = {"AWS_SECRET_ACCESS_KEY": KEY}
    result = run_cli("verify", "--status", str(status), "--manifest", str(local),
                     "--format", fmt, env=env)
    assert result.code == 1, result
    both = result.out + result.err
    assert leaked(both.replace("Main-bucket-2", ""), PASSWORD, PIN, "9999", "Other") == []
    assert KEY not in both
    assert "****" in both
    assert "Main-bucket-2" in both  # the changed neighbour is shown, whole
    revealed = run_cli("verify", "--status", str(status), "--manifest", str(local),
                       "--format", fmt, "--show-secrets", env=env)
    assert "9999" in revealed.out and PASSWORD in revealed.out.replace("Main-bucket", "")


# --- the secret key ---------------------------------------------------------------------

def key_file(tmp_path: Path, content: str, mode: int = 0o600) -> Path:
    path = tmp_path / "key"
    path.write_text(content)
    path.chmod(mode)
    return path


def runs_with_key(run_cli: RunCli, tmp_path: Path) -> list[tuple[str, Run]]:
    """Every command that touches the key, succeeding and failing, key from env and file."""
    manifest = write(tmp_path, "m.yaml", VALID)
    invalid = write(tmp_path, "bad.yaml", BASE.format(secret=HOSTILE_SECRETS["anchor"]))
    status = write(tmp_path, "status.json", status_json(VALID))
    wrong_status = write(tmp_path, "wrong.json", status_json(VALID.replace("HD001", "HD002")))
    sig = write(tmp_path, "SIG", render_signature_file(sign(VALID.encode(), "ABCDE", KEY))
                .decode())
    device = tmp_path / "device"
    device.mkdir()
    good = key_file(tmp_path, KEY + "\n")
    env = {"AWS_SECRET_ACCESS_KEY": KEY}
    runs: list[tuple[str, Run]] = []
    for debug in ([], ["--debug"]):
        for name, args in [
            ("sign", ["sign", "--job-id", "ABCDE", str(manifest)]),
            ("sign-invalid", ["sign", "--job-id", "ABCDE", str(invalid)]),
            ("sign-bad-job-id", ["sign", "--job-id", "AB/CD", str(manifest)]),
            ("verify-status", ["verify", "--status", str(status), "--manifest",
                               str(manifest)]),
            ("verify-mismatch", ["verify", "--status", str(wrong_status), "--manifest",
                                 str(manifest)]),
            ("verify-json", ["verify", "--status", str(wrong_status), "--format", "json"]),
            ("verify-signature-file", ["verify", "--signature-file", str(sig), "--manifest",
                                       str(invalid)]),
            ("write-signature", ["write-signature", str(device), "--manifest", str(manifest),
                                 "--job-id", "ABCDE", "--force"]),
            ("write-signature-invalid", ["write-signature", str(device), "--manifest",
                                         str(invalid), "--job-id", "ABCDE"]),
        ]:
            runs.append((f"{name} env", run_cli(*debug, *args, env=env)))
            runs.append((f"{name} key-file",
                         run_cli(*debug, *args, "--key-file", str(good), env={})))
    # Key files whose content is wrong: the messages must not quote them.
    for name, content in [("with-extra-line", f"{KEY}\nsecond line {KEY}\n"),
                          ("credentials-format", f"[default]\naws_secret_access_key = {KEY}\n"),
                          ("with-control", f"{KEY}\x00\n"),
                          ("oversized", KEY * 200)]:
        bad = key_file(tmp_path, content)
        for debug in ([], ["--debug"]):
            runs.append((f"bad key file {name}",
                         run_cli(*debug, "sign", "--job-id", "ABCDE", "--key-file", str(bad),
                                 str(manifest))))
    # The wrong key: the expected signature is printed, never either key.
    wrong = key_file(tmp_path, "X" + KEY[1:])
    runs.append(("wrong key", run_cli("verify", "--status", str(status), "--key-file",
                                      str(wrong))))
    return runs


def test_secret_key_never_printed(run_cli: RunCli, tmp_path: Path) -> None:
    runs = runs_with_key(run_cli, tmp_path)
    codes = {name: run.code for name, run in runs}
    # The matrix covers successes and both kinds of failure.
    assert {0, 1, 2} <= set(codes.values()), codes
    for name, run in runs:
        both = run.out + run.err
        assert KEY not in both, name
        # Nor a recognisable part of it (a line of a multi-line key file, say).
        assert KEY[:16] not in both and KEY[-16:] not in both, name
        assert "X" + KEY[1:] not in both, name
        assert "Traceback" not in both, name


def test_hmac_does_not_reveal_the_key() -> None:
    # The only key-derived values we print are HMACs, which do not contain the key.
    assert KEY not in compute_signature(b"x", "ABCDE", KEY)


@pytest.mark.parametrize("command", ["sign", "verify", "write-signature"])
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_key_file_readable_by_others_warns(run_cli: RunCli, tmp_path: Path, command: str,
                                           mode: int) -> None:
    manifest = write(tmp_path, "m.yaml", VALID)
    path = key_file(tmp_path, KEY, mode)
    device = tmp_path / "device"
    device.mkdir()
    args = {"sign": ["sign", "--job-id", "ABCDE", str(manifest)],
            "verify": ["verify", "--status", str(write(tmp_path, "s.json",
                                                        status_json(VALID)))],
            "write-signature": ["write-signature", str(device), "--manifest", str(manifest),
                                "--job-id", "ABCDE"]}[command]
    result = run_cli(*args, "--key-file", str(path), env={})
    assert result.code == 0, result
    warning = re.search(r"warning: key file \S+ is accessible by others \(mode (\d+)\)",
                        result.err)
    assert warning is not None, result.err
    assert warning.group(1) == f"{mode:04o}"
    assert f"chmod 600 {path}" in result.err
    private = run_cli(*args, "--key-file", str(key_file(tmp_path, KEY, 0o600)), env={})
    assert "accessible by others" not in private.err
