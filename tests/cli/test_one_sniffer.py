"""Every command that takes a file reads it through the job loader and the one wrong-kind
sniffer: the same input of the wrong kind gets the same sentence from each of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.device.test_preflight import BASE, SIGNATURE, device, status_json

NO_KEY = {"AWS_SECRET_ACCESS_KEY": None, "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
          "AWS_PROFILE": None}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    status = tmp_path / "status.json"
    status.write_text(json.dumps(json.loads(status_json(BASE)), indent=4))  # as the CLI prints
    manifest = tmp_path / "m.yaml"
    manifest.write_text(BASE)
    signature = tmp_path / "SIGNATURE.txt"
    signature.write_bytes(SIGNATURE)
    root = device(tmp_path / "dev", {"a": b"1"})
    return {"status": str(status), "manifest": str(manifest), "signature": str(signature),
            "device": str(root)}


def test_get_status_output_given_as_the_manifest(files: dict[str, str],
                                                  run_cli: RunCli) -> None:
    s, sig, dev = files["status"], files["signature"], files["device"]
    runs = [("sign", s, "--job-id", "EX1ID"),
            ("verify", "--manifest", s, "--signature-file", sig),
            ("preflight", dev, "--manifest", s),
            ("write-signature", dev, "--manifest", s, "--job-id", "EX1ID"),
            ("log", sig, "--manifest", s)]
    for argv in runs:
        r = run_cli(*argv, env=NO_KEY)
        assert r.code == 1, (argv, r.err)
        assert f"{s}: this looks like get-status (or create-job) output, not a manifest" \
            in r.err, (argv, r.err)
    validate = run_cli("validate", s, "--format", "json")
    [d] = json.loads(validate.out)["files"][0]["diagnostics"]
    assert validate.code == 1 and d["rule"] == "MT127"
    assert d["message"].startswith("this looks like get-status (or create-job) output")


def test_a_manifest_given_as_get_status_output(files: dict[str, str], run_cli: RunCli) -> None:
    m, dev = files["manifest"], files["device"]
    runs = [("status", m), ("verify", "--status", m),
            ("write-signature", dev, "--status", m),
            ("preflight", dev, "--manifest", m, "--status", m),
            ("log", files["signature"], "--status", m)]
    for argv in runs:
        r = run_cli(*argv, env=NO_KEY)
        assert r.code == 1, (argv, r.err)
        assert f"{m}: MT510 this looks like a manifest, not get-status" in r.err, (argv, r.err)


def test_a_manifest_given_as_a_signature_file(files: dict[str, str], run_cli: RunCli) -> None:
    m = files["manifest"]
    for argv in [("verify", "--signature-file", m),
                 ("write-signature", files["device"], "--signature-file", m)]:
        r = run_cli(*argv, env=NO_KEY)
        assert r.code == 1, (argv, r.err)
        assert f"{m}: MT410 this looks like a manifest, not a SIGNATURE file" in r.err


def test_standard_input_has_one_name_in_every_command(files: dict[str, str],
                                                      run_cli: RunCli) -> None:
    """Before, ``preflight --manifest -`` placed its manifest findings in '-' while
    ``validate -`` (and every read error) said '<stdin>'."""
    bad = BASE.replace("eraseDevice: yes", "eraseDevice: maybe")
    validate = run_cli("validate", "-", "--format", "json", input=bad)
    [d] = [d for d in json.loads(validate.out)["files"][0]["diagnostics"]
           if d["severity"] == "error"]
    assert json.loads(validate.out)["files"][0]["path"] == "<stdin>"
    preflight = run_cli("preflight", files["device"], "--manifest", "-", "--format", "json",
                        input=bad)
    found = [f for f in json.loads(preflight.out)["findings"] if f["rule"] == d["rule"]]
    assert [(f["source"], f["line"], f["column"]) for f in found] == [
        ("<stdin>", d["line"], d["column"])]
