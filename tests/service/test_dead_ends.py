"""The rehearsal's dead ends: a manifest path sent without file://, the dock on a
folder with no service data, and what to do after a SIGNATURE failure."""

from __future__ import annotations

import json
from pathlib import Path

from tests.warm import tool

from .conftest import SAMPLES, AwsRunner


def test_manifest_path_without_file_scheme_asks_did_you_mean(aws: AwsRunner,
                                                             tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_bytes((SAMPLES / "valid" / "s3-import.yaml").read_bytes())
    result = aws("create-job", "--job-type", "Import", "--manifest", "m.yaml",
                 "--no-validate-only", cwd=tmp_path)
    assert result.code == 255
    assert "(MalformedManifestException)" in result.err
    assert "the whole manifest is 'm.yaml', which names a file: did you mean --manifest " \
           "file://m.yaml?" in result.err
    assert json.loads(aws("list-jobs").out)["Jobs"] == []
    # A one-line manifest that is no path is judged as a manifest, as before.
    other = aws("create-job", "--job-type", "Import", "--manifest", "manifestVersion:2.0",
                "--no-validate-only")
    assert "did you mean" not in other.err


def test_receive_and_return_on_a_folder_without_service_data(tmp_path: Path) -> None:
    empty = tmp_path / "rehearsal"
    empty.mkdir()
    device = tmp_path / "device"
    device.mkdir()
    for args in (["receive", "ABCDE", str(device)], ["return", "ABCDE"]):
        result = tool("service", *args, "--data", str(empty))
        assert result.returncode == 2, result
        assert f"the data folder {empty} holds no service data (no importexport.sqlite3): " \
               "only 'manifest-tools service run' creates one" in result.stderr
        assert "does not exist" not in result.stderr.split("creates one")[0]
        assert list(empty.iterdir()) == []  # no empty database left behind
    missing = tmp_path / "typo"
    result = tool("service", "return", "ABCDE", "--data", str(missing))
    assert result.returncode == 2
    assert f"the data folder {missing} does not exist" in result.stderr
    assert not missing.exists()


def test_signature_failure_advice_is_a_new_job_and_says_where_the_device_is() -> None:
    from manifest_tools.aws import next_step

    returned = next_step("InvalidSignature", "s.json", "/mnt/disk", location="Returned")
    assert returned is not None and returned.startswith(
        "The device's SIGNATURE did not match this job; the device has been returned to you "
        "unprocessed, and this job is over.")
    assert "create a new job ('aws importexport create-job')" in returned
    assert "write-signature /mnt/disk --status NEW_STATUS --force" in returned
    at_aws = next_step("MissingSignature", "s.json", "/mnt/disk", location="AtAWS")
    assert at_aws is not None and "AWS returns the device unprocessed, and this job is over" \
        in at_aws
    assert "--status s.json" not in at_aws  # never the old job's SIGNATURE again
