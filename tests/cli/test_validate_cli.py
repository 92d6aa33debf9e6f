"""`manifest-tools validate`, `init` and `--version` through the real entry point."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from manifest_tools._version import __version__
from manifest_tools.manifest.jobtype import JobType
from tests.conftest import RunCli

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "samples" / "valid"

BROKEN = (
    "manifestVersion: 2.0\n"
    "bucket: My_Bucket\n"
    "deviceId: 49382\n"
    "eraseDevice: maybe\n"
    "returnAdress: x\n"
    "pinCode: [1234]\n"
)


def test_valid_sample_exits_0_with_summary(run_cli: RunCli) -> None:
    result = run_cli("validate", str(VALID / "s3-import.yaml"))
    assert result.code == 0, result.err
    assert result.out.strip().endswith("1 file checked, all valid: 0 errors, 0 warnings")


def test_findings_are_located_sorted_and_exit_1(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(BROKEN)
    result = run_cli("validate", "--color", "never", str(path))
    assert result.code == 1
    # Hints follow their finding on an indented line (hints in text output too).
    lines = [line for line in result.out.splitlines() if not line.startswith("    hint: ")]
    assert f"{path}:4:14: error MT202 eraseDevice: 'maybe'" in result.out
    assert f"{path}:5:1: error MT204 returnAdress: unknown field; did you mean " \
        "'returnAddress'?" in result.out
    assert f"{path}:2:9: warning MT304" in result.out
    positions = [tuple(int(n) for n in line.split(":")[1:3]) for line in lines[:-1]]
    assert positions == sorted(positions)
    assert "1234" not in result.out  # pinCode never quoted
    assert lines[-1].startswith("1 file checked, 1 invalid")


def test_json_format_is_the_documented_api(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(BROKEN)
    result = run_cli("validate", "--format", "json", str(path), str(VALID / "ebs-import.yaml"))
    assert result.code == 1
    doc = json.loads(result.out)
    first, second = doc["files"]
    assert first["path"] == str(path)
    assert first["job_type"] == "import"
    assert first["valid"] is False
    assert second["valid"] is True and second["job_type"] == "ebs"
    diag = first["diagnostics"][0]
    assert set(diag) == {"rule", "severity", "message", "line", "column", "pointer", "hint"}
    pointers = {d["pointer"] for d in first["diagnostics"]}
    assert "/eraseDevice" in pointers


def test_strict_fails_on_warnings(run_cli: RunCli) -> None:
    compact = str(VALID / "s3-import-compact.yaml")
    assert run_cli("validate", compact).code == 0
    assert run_cli("validate", "--strict", compact).code == 1


def test_quiet_prints_errors_only(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(BROKEN)
    result = run_cli("validate", "--quiet", str(path))
    assert result.code == 1
    assert "warning" not in result.out and "checked" not in result.out
    assert "error MT202" in result.out


def test_stdin_and_job_type_override(run_cli: RunCli) -> None:
    data = (VALID / "s3-import.yaml").read_bytes()
    ok = run_cli("validate", "-", input=data)
    assert ok.code == 0 and "<stdin>" not in ok.out
    forced = run_cli("validate", "--job-type", "export", "--format", "json", "-", input=data)
    assert forced.code == 1
    assert json.loads(forced.out)["files"][0]["job_type"] == "export"


def test_missing_file_is_exit_2_and_others_still_checked(run_cli: RunCli, tmp_path: Path
                                                        ) -> None:
    result = run_cli("validate", str(tmp_path / "nope.yaml"), str(VALID / "s3-import.yaml"))
    assert result.code == 2
    assert "nope.yaml: no such file" in result.err
    assert "1 file checked, all valid" in result.out


def test_directory_is_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    # A folder is searched for manifests; one with none in it is exit 2.
    result = run_cli("validate", str(tmp_path))
    assert result.code == 2
    assert "is a directory with no manifest files" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("argv", [("validate",), ("validate", "--format", "xml", "x"),
                                  ("validate", "--job-type", "snowball", "x"), ("bogus",)])
def test_usage_errors_exit_2_with_usage_not_internal_error(run_cli: RunCli,
                                                          argv: tuple[str, ...]) -> None:
    result = run_cli(*argv)
    assert result.code == 2
    assert "Usage:" in result.err or "Usage:" in result.out
    assert "internal error" not in result.err


def test_undecodable_manifest_is_a_finding_not_a_crash(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"manifestVersion: 2.0\nbucket: \xff\xfe\n")
    result = run_cli("validate", str(path))
    assert result.code == 1
    assert f"{path}:2:9: error MT101" in result.out


# What a user types in place of each CHANGE-ME of an init skeleton, by field.
FILLED = {
    "accessKeyId": "AKIA2E0A8F3B244C9986", "deviceId": "49382",
    "notificationEmail": "jane@example.com", "bucket": "my-import-bucket",
    "logBucket": "my-log-bucket", "exportBucket": "my-export-bucket", "vaultName": "my-vault",
    "archiveComment": "photos 2024", "region": "us-east-1", "trueCryptPassword": "s3cret-pw",
    "name": "Jane Doe", "company": "Example Corp", "street1": "123 Any Street",
    "city": "Anytown", "stateOrProvince": "WA", "postalCode": "98101",
    "phoneNumber": "206-555-0100", "country": "USA",
}


def fill_placeholders(skeleton: str) -> str:
    def fill(match: re.Match[str]) -> str:
        return match.group(1) + FILLED[match.group(2)]

    return re.sub(r"^(\s*(?:- )?(\w+): )CHANGE-ME$", fill, skeleton, flags=re.MULTILINE)


@pytest.mark.parametrize("job_type", list(JobType))
def test_init_skeleton_placeholders_fail_until_filled(run_cli: RunCli, job_type: JobType
                                                     ) -> None:
    skeleton = run_cli("init", "--job-type", job_type.value)
    assert skeleton.code == 0
    assert skeleton.out.startswith("# AWS Import/Export manifest")
    # As printed, every CHANGE-ME is an error (a disk shipped with them comes back) ...
    unfilled = run_cli("validate", "--format", "json", "-", input=skeleton.out)
    assert unfilled.code == 1
    found = json.loads(unfilled.out)["files"][0]["diagnostics"]
    assert {d["rule"] for d in found} == {"MT208"}
    assert len(found) == skeleton.out.count("CHANGE-ME")
    # ... and once they are filled in, it validates with no finding at all, even --strict.
    filled = fill_placeholders(skeleton.out)
    assert "CHANGE-ME" not in filled
    checked = run_cli("validate", "--strict", "--format", "json", "-", input=filled)
    assert checked.code == 0, checked.out
    assert json.loads(checked.out)["files"][0]["job_type"] == job_type.value
    assert json.loads(checked.out)["files"][0]["diagnostics"] == []


def test_version(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"manifest-tools {__version__}"


def test_python_dash_m_entry_point() -> None:
    proc = subprocess.run([sys.executable, "-m", "manifest_tools", "validate",
                           str(VALID / "glacier-import.yaml")], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert "all valid" in proc.stdout


def test_github_and_sarif_formats_render(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(BROKEN)
    github = run_cli("validate", "--format", "github", str(path))
    assert github.code == 1
    assert "::error file=" in github.out and ",line=4,col=14,title=MT202::" in github.out
    assert "::warning file=" in github.out
    sarif = run_cli("validate", "--format", "sarif", str(path))
    doc = json.loads(sarif.out)
    assert doc["version"] == "2.1.0"
    results = doc["runs"][0]["results"]
    assert any(r["ruleId"] == "MT202" and r["level"] == "error"
               and r["locations"][0]["physicalLocation"]["region"]
               == {"startLine": 4, "startColumn": 14} for r in results)
