"""`manifest-tools status` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, RunCli

from .test_sign_cli import JOB, KAT_SIGNATURE, STATUS, safe_run

STATUS_FILES = sorted(STATUS.iterdir())
GET_STATUS_FILES = [p for p in STATUS_FILES if p.name.startswith("get-status")]
MEMBER_ORDER = ["JobId", "JobType", "LocationCode", "LocationMessage", "ProgressCode",
                "ProgressMessage", "Carrier", "TrackingNumber", "LogBucket", "LogKey",
                "ErrorCount", "Signature", "SignatureFileContents", "CurrentManifest",
                "CreationDate", "ArtifactList"]
SIGNATURE_CONTENTS = (f"version:2.0\nsigningMethod:HmacSHA1\njobId:{JOB}\n"
                      f"signature:{KAT_SIGNATURE}\n")
KAT_CURRENT = "manifestVersion: 2.0\r\nbucket: myBucket\r\ndeviceId: 49382\r\neraseDevice: yes\r\n"
SECRET_MANIFEST = ("manifestVersion: 2.0\r\nbucket: myBucket\r\ndeviceId: xs3cr3tpassx\r\n"
                   "eraseDevice: yes\r\ntrueCryptPassword: s3cr3tpass\r\npinCode: 4321\r\n")
SECRETS = ("trueCryptPassword: s3cr3tpass", "pinCode: 4321")


def _status(run_cli: RunCli, *args: str, input: bytes | None = None) -> Run:
    return safe_run(run_cli, "status", *args, input=input)


def _sample_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((STATUS / "get-status.json").read_text())
    doc.update(changes)
    return doc


def _as_text(doc: dict[str, Any]) -> str:
    """What ``aws ... --output text`` prints: scalars in sorted key order, TAB-joined."""
    scalars = {k: v for k, v in doc.items() if not isinstance(v, list)}
    out = "\t".join(str(scalars[k]) for k in sorted(scalars)) + "\n"
    for artifact in doc.get("ArtifactList", []):
        out += f"ARTIFACTLIST\t{artifact['Description']}\t{artifact['URL']}\n"
    return out


def _secret_files(tmp_path: Path) -> list[Path]:
    doc = _sample_doc(CurrentManifest=SECRET_MANIFEST)
    as_json = tmp_path / "secret.json"
    as_json.write_text(json.dumps(doc, indent=4))
    as_text = tmp_path / "secret.txt"
    as_text.write_bytes(_as_text(doc).encode())
    as_doc = tmp_path / "secret.doc.txt"
    as_doc.write_bytes(("    " + _as_text(doc).replace("\t", "    ")).encode())
    return [as_json, as_text, as_doc]


# --- the summary ----------------------------------------------------------------------------

@pytest.mark.parametrize("status", GET_STATUS_FILES, ids=lambda p: p.name)
def test_text_summary_of_every_get_status_form(run_cli: RunCli, status: Path) -> None:
    result = _status(run_cli, str(status))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"Job {JOB} (Import)"
    assert "  device:     at AWS - The device is at AWS" in lines
    assert "  progress:   InProgress - Data transfer in progress" in lines
    assert "  shipping:   UPS 1Z9999W99999999999" in lines
    assert "  errors:     0" in lines
    assert "  log:        s3://myBucket/import-log-EX1ID" in lines
    assert f"  signature:  {KAT_SIGNATURE}" in lines
    assert ("  artifact:   Shipping label "
            "https://s3.amazonaws.com/awsimportexport-labels/EX1ID.pdf") in lines
    assert any(line.startswith("  created:    2015-05-27T18:58:21") for line in lines)
    index = lines.index("  manifest:")
    assert lines[index + 1:index + 5] == ["    manifestVersion: 2.0", "    bucket: myBucket",
                                          "    deviceId: 49382", "    eraseDevice: yes"]
    assert "  next:" not in result.out  # InProgress: nothing to do
    if status.name == "get-status.doc.txt":
        assert "TABs lost" in result.out
        assert "MT502" in result.err
    else:
        assert "note:" not in result.out
        assert result.err == ""


def test_text_summary_of_create_job(run_cli: RunCli) -> None:
    result = _status(run_cli, str(STATUS / "create-job.json"))
    assert result.code == 0, result.err
    assert result.out == f"Job {JOB} (Import)\n  signature:  {KAT_SIGNATURE}\n"


@pytest.mark.parametrize("status", STATUS_FILES, ids=lambda p: p.name)
def test_json_of_every_form(run_cli: RunCli, status: Path) -> None:
    result = _status(run_cli, "--format", "json", str(status))
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["JobId"] == JOB and doc["JobType"] == "Import"
    assert doc["Signature"] == KAT_SIGNATURE
    assert doc["SignatureFileContents"] == SIGNATURE_CONTENTS
    if status.name == "create-job.json":
        return
    assert list(doc) == MEMBER_ORDER
    assert doc["ErrorCount"] == 0 and type(doc["ErrorCount"]) is int
    assert doc["CurrentManifest"] == KAT_CURRENT
    assert doc["ProgressCode"] == "InProgress"
    assert doc["LocationCode"] == "AtAWS"
    assert doc["CreationDate"].startswith("2015-05-27T18:58:21")
    assert doc["ArtifactList"] == [{
        "Description": "Shipping label",
        "URL": "https://s3.amazonaws.com/awsimportexport-labels/EX1ID.pdf"}]


def test_json_round_trips_the_json_sample(run_cli: RunCli) -> None:
    result = _status(run_cli, "--format", "json", str(STATUS / "get-status.json"))
    assert json.loads(result.out) == _sample_doc()


def test_stdin(run_cli: RunCli) -> None:
    data = (STATUS / "get-status.txt").read_bytes()
    from_stdin = _status(run_cli, "-", input=data)
    from_file = _status(run_cli, str(STATUS / "get-status.txt"))
    assert from_stdin.code == 0, from_stdin.err
    assert from_stdin.out == from_file.out
    as_json = _status(run_cli, "--format", "json", "-", input=data)
    assert json.loads(as_json.out)["JobId"] == JOB


# --- secrets --------------------------------------------------------------------------------

def test_secrets_redacted_in_text_and_json(run_cli: RunCli, tmp_path: Path) -> None:
    for path in _secret_files(tmp_path):
        text = _status(run_cli, str(path))
        assert text.code == 0, (path, text.err)
        assert "    trueCryptPassword: ****" in text.out.splitlines()
        assert "    pinCode: ****" in text.out.splitlines()
        # Masking is by key name: a value containing the password is shown as it is.
        assert "    deviceId: xs3cr3tpassx" in text.out.splitlines()
        as_json = _status(run_cli, "--format", "json", str(path))
        assert as_json.code == 0
        manifest = json.loads(as_json.out)["CurrentManifest"]
        assert "trueCryptPassword: ****\r\n" in manifest and "pinCode: ****\r\n" in manifest
        assert "deviceId: xs3cr3tpassx\r\n" in manifest
        for run in (text, as_json):
            for secret in SECRETS:
                assert secret not in run.out and secret not in run.err, (path, secret)


def test_show_secrets(run_cli: RunCli, tmp_path: Path) -> None:
    for path in _secret_files(tmp_path):
        text = _status(run_cli, "--show-secrets", str(path))
        assert "    trueCryptPassword: s3cr3tpass" in text.out.splitlines()
        assert "    pinCode: 4321" in text.out.splitlines()
        as_json = _status(run_cli, "--format", "json", "--show-secrets", str(path))
        assert json.loads(as_json.out)["CurrentManifest"] == SECRET_MANIFEST


# --- next steps -----------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["MissingSignature", "InvalidSignature"])
def test_signature_problems_print_the_next_step(run_cli: RunCli, tmp_path: Path,
                                                code: str) -> None:
    path = tmp_path / "status.json"
    path.write_text(json.dumps(_sample_doc(ProgressCode=code)))
    result = _status(run_cli, str(path))
    assert result.code == 0, result.err
    assert f"  progress:   {code} - " in result.out
    (next_line,) = [line for line in result.out.splitlines() if line.startswith("  next:")]
    assert "manifest-tools write-signature" in next_line
    assert "manifest-tools verify" in next_line
    # The job is over (AWS returns the device unprocessed; the dock refuses it again): the
    # advice is a new job, whose output the SIGNATURE is written from.
    assert "this job is over. " in next_line or "this job is over. Find" in next_line
    assert "create a new job ('aws importexport create-job')" in next_line.replace(
        "Create", "create")
    assert "write-signature DEVICE_ROOT --status NEW_STATUS" in next_line
    if code == "InvalidSignature":
        assert f"verify --status {path} --device DEVICE_ROOT" in next_line  # why it failed
        assert "--force" in next_line


# --- unreadable input -----------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    pytest.param(b"this is not get-status output\n", id="prose"),
    pytest.param(b"{\"JobId\": \"EX1ID\",", id="truncated-json"),
    pytest.param(b"[1, 2, 3]\n", id="json-list"),
    pytest.param(b"\xff\xfe\x00\x01", id="binary"),
    pytest.param(b"", id="empty"),
    pytest.param(b"   \n\n", id="blank"),
])
def test_garbage_exits_1_with_mt501(run_cli: RunCli, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "status.out"
    path.write_bytes(data)
    for args in ((str(path),), ("--format", "json", str(path))):
        result = _status(run_cli, *args)
        assert result.code == 1, result.err
        assert result.out == ""
        assert "MT501" in result.err
        assert f"{path}:" in result.err


def test_garbage_on_stdin(run_cli: RunCli) -> None:
    result = _status(run_cli, "-", input=b"garbage\n")
    assert result.code == 1
    assert "MT501" in result.err


def test_missing_file_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = _status(run_cli, str(tmp_path / "none.json"))
    assert result.code == 2
    assert "no such file" in result.err


def test_directory_exits_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = _status(run_cli, str(tmp_path))
    assert result.code == 2
    assert "directory" in result.err
