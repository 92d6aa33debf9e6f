"""Linter conventions through the CLI: suppression comments, rule choice,
per-file settings, one run for every report (--output-file, --stdin-filename, junit,
gitlab, --statistics, --exit-zero), SARIF suppressions and automation details."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from tests.cli.test_formats import _assert_valid_sarif
from tests.conftest import RunCli
from tests.manifests import ADDRESS, IMPORT, IMPORT_FIELDS

# MT304 (bucket name not DNS-compatible) on line 4, MT311 (no notificationEmail) at 1:1.
LEGACY = IMPORT_FIELDS.replace("bucket: example-import-bucket", "bucket: My_Bucket") + ADDRESS


def _write(tmp_path: Path, text: str, name: str = "m.yaml") -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def _json(run_cli: RunCli, *argv: str, input: str | None = None) -> dict[str, Any]:
    result = run_cli("validate", "--isolated", "--format", "json", *argv, input=input)
    assert result.code in (0, 1), result.err
    doc: dict[str, Any] = json.loads(result.out)
    return doc


def _rules(doc: dict[str, Any], key: str = "diagnostics") -> list[str]:
    return [d["rule"] for f in doc["files"] for d in f[key]]


# --- suppression comments ----------------------------------------------------------------


def test_trailing_comment_silences_its_line_and_is_counted(run_cli: RunCli,
                                                           tmp_path: Path) -> None:
    text = LEGACY.replace("bucket: My_Bucket", "bucket: My_Bucket  # manifest-tools: "
                          "disable-line=MT304")
    path = _write(tmp_path, text)
    doc = _json(run_cli, path)
    assert _rules(doc) == ["MT311"]
    assert _rules(doc, "suppressed") == ["MT304"]
    assert doc["files"][0]["suppressed"][0]["suppressed_by"] == {
        "kind": "disable-line", "line": 4,
        "comment": "# manifest-tools: disable-line=MT304"}
    assert doc["silenced"] == 1
    text_run = run_cli("validate", "--isolated", path)
    assert text_run.out.splitlines()[-1] == (
        "1 file checked, all valid: 0 errors, 1 warning, 1 silenced")


def test_comment_alone_on_the_line_before_silences_the_next_field(run_cli: RunCli,
                                                                 tmp_path: Path) -> None:
    text = LEGACY.replace("bucket: My_Bucket", "# manifest-tools: disable-line=mt304\n\n"
                          "# an ordinary comment between\nbucket: My_Bucket")
    doc = _json(run_cli, _write(tmp_path, text))
    assert _rules(doc) == ["MT311"] and _rules(doc, "suppressed") == ["MT304"]


def test_comment_on_the_line_before_does_not_reach_further(run_cli: RunCli,
                                                          tmp_path: Path) -> None:
    text = LEGACY.replace("deviceId: 49382", "# manifest-tools: disable-line=MT304\n"
                          "deviceId: 49382")
    doc = _json(run_cli, _write(tmp_path, text))
    assert sorted(_rules(doc)) == ["MT130", "MT304", "MT311"]


def test_file_wide_comment_anywhere_silences_the_rule_everywhere(run_cli: RunCli,
                                                               tmp_path: Path) -> None:
    text = LEGACY + "# manifest-tools: disable-file=MT311, MT304\n"
    doc = _json(run_cli, _write(tmp_path, text))
    assert _rules(doc) == []
    assert sorted(_rules(doc, "suppressed")) == ["MT304", "MT311"]
    assert doc["files"][0]["valid"] is True


def test_silenced_error_is_counted_as_an_error_and_does_not_fail(run_cli: RunCli,
                                                                tmp_path: Path) -> None:
    text = IMPORT.replace("eraseDevice: yes", "eraseDevice: maybe  # manifest-tools: "
                          "disable-line=MT202,MT310")
    result = run_cli("validate", "--isolated", _write(tmp_path, text))
    assert result.code == 0
    assert result.out.splitlines()[-1] == (
        "1 file checked, all valid: 0 errors, 0 warnings, 2 silenced (1 error)")


def test_unused_suppression_is_reported_with_its_position(run_cli: RunCli,
                                                        tmp_path: Path) -> None:
    text = IMPORT.replace("deviceId: 49382", "deviceId: 49382  # manifest-tools: "
                          "disable-line=MT304")
    result = run_cli("validate", "--isolated", "--strict", _write(tmp_path, text))
    assert result.code == 1
    assert ":3:18: warning MT130 unused suppression: no MT304 finding on line 3" in result.out


def test_unused_suppression_of_a_disabled_rule_is_not_reported(run_cli: RunCli,
                                                             tmp_path: Path) -> None:
    text = IMPORT.replace("deviceId: 49382", "deviceId: 49382  # manifest-tools: "
                          "disable-line=MT304")
    doc = _json(run_cli, "--disable", "MT304", _write(tmp_path, text))
    assert _rules(doc) == []


def test_unknown_rule_id_in_a_comment_is_named(run_cli: RunCli, tmp_path: Path) -> None:
    text = LEGACY.replace("bucket: My_Bucket", "bucket: My_Bucket  # manifest-tools: "
                          "disable-line=MT304,MT999")
    result = run_cli("validate", "--isolated", _write(tmp_path, text))
    assert "warning MT131 suppression comment names an unknown rule 'MT999'" in result.out
    assert "MT304" not in result.out.replace("disable-line", "")


def test_unknown_directive_is_named(run_cli: RunCli, tmp_path: Path) -> None:
    text = IMPORT + "# manifest-tools: disable-next=MT304\n"
    result = run_cli("validate", "--isolated", _write(tmp_path, text))
    assert "MT131 unknown suppression directive 'disable-next=MT304'" in result.out


def test_directive_comment_is_not_a_colon_in_the_value(run_cli: RunCli,
                                                      tmp_path: Path) -> None:
    """': ' inside '# manifest-tools: ...' is in the comment, not the value (no MT117)."""
    text = IMPORT.replace("eraseDevice: yes", "eraseDevice: yes # manifest-tools: "
                          "disable-line=MT310")
    doc = _json(run_cli, _write(tmp_path, text))
    assert _rules(doc) == ["MT130"]


def test_sarif_keeps_silenced_findings_as_suppressed_results(
        run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = LEGACY + "# manifest-tools: disable-file=MT311\n"
    result = run_cli("validate", "--isolated", "--format", "sarif", _write(tmp_path, text))
    doc = _assert_valid_sarif(result.out)
    results = {r["ruleId"]: r for r in doc["runs"][0]["results"]}
    assert "suppressions" not in results["MT304"]
    (suppression,) = results["MT311"]["suppressions"]
    assert suppression["kind"] == "inSource"
    assert suppression["justification"] == "# manifest-tools: disable-file=MT311"


# --- rule choice and per-file settings ---------------------------------------------------


def test_disable_takes_ids_prefixes_and_comma_lists(run_cli: RunCli, tmp_path: Path) -> None:
    path = _write(tmp_path, LEGACY)
    assert sorted(_rules(_json(run_cli, path))) == ["MT304", "MT311"]
    assert _rules(_json(run_cli, "--disable", "MT3", path)) == []
    assert _rules(_json(run_cli, "--disable", "mt304,MT311", path)) == []
    assert _rules(_json(run_cli, "--disable", "MT304", path)) == ["MT311"]


def test_more_specific_enable_wins_over_a_family_disable(run_cli: RunCli,
                                                         tmp_path: Path) -> None:
    path = _write(tmp_path, LEGACY)
    assert _rules(_json(run_cli, "--disable", "MT3", "--enable", "MT311", path)) == ["MT311"]


def test_unknown_selector_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("validate", "--disable", "MT9", _write(tmp_path, LEGACY))
    assert result.code == 2
    assert "'MT9' names no rule" in result.err


def test_enable_takes_back_what_configuration_disabled(run_cli: RunCli, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".manifest-tools.toml").write_text('disable = ["MT3"]\n')
    path = _write(tmp_path, LEGACY)
    monkeypatch.chdir(tmp_path)
    assert json.loads(run_cli("validate", "--format", "json", path).out)["files"][0][
        "diagnostics"] == []
    found = json.loads(run_cli("validate", "--format", "json", "--enable", "MT304",
                               path).out)
    assert _rules(found) == ["MT304"]


def test_per_file_disable_globs_are_relative_to_the_config_file(
        run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.manifest-tools]\nper-file-disable = {"legacy/*.yaml" = ["MT304"]}\n')
    legacy = _write(tmp_path, LEGACY, "legacy/old.yaml")
    deeper = _write(tmp_path, LEGACY, "legacy/sub/old.yaml")
    current = _write(tmp_path, LEGACY, "new/m.yaml")
    monkeypatch.chdir(tmp_path / "new")  # the config is found upwards; globs stay its own
    doc = json.loads(run_cli("validate", "--format", "json", legacy, deeper, current).out)
    by_path = {Path(f["path"]).relative_to(tmp_path).as_posix(): sorted(
        d["rule"] for d in f["diagnostics"]) for f in doc["files"]}
    assert by_path == {"legacy/old.yaml": ["MT311"], "legacy/sub/old.yaml": ["MT304", "MT311"],
                       "new/m.yaml": ["MT304", "MT311"]}
    enabled = json.loads(run_cli("validate", "--format", "json", "--enable", "MT304",
                                 legacy).out)
    assert sorted(_rules(enabled)) == ["MT304", "MT311"]


def test_per_file_disable_applies_to_stdin_by_its_stdin_filename(
        run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".manifest-tools.toml").write_text(
        '[per-file-disable]\n"legacy/*.yaml" = ["MT304", "MT311"]\n')
    monkeypatch.chdir(tmp_path)
    found = run_cli("validate", "--format", "json", "--stdin-filename", "legacy/x.yaml", "-",
                    input=LEGACY)
    assert json.loads(found.out)["files"][0]["path"] == "legacy/x.yaml"
    assert _rules(json.loads(found.out)) == []


def test_bad_per_file_disable_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('per-file-disable = {"*.yaml" = ["MT999"]}\n')
    result = run_cli("validate", "--config", str(config), _write(tmp_path, LEGACY))
    assert result.code == 2 and "'MT999' names no rule" in result.err


# --- one run for every report ------------------------------------------------------------


def test_output_file_gets_the_format_and_stdout_the_text(run_cli: RunCli, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, LEGACY)
    result = run_cli("validate", "--isolated", "--format", "sarif", "--output-file",
                     "out.sarif", path)
    assert result.code == 0
    assert "warning MT304" in result.out and result.out.endswith(
        "1 file checked, all valid: 0 errors, 2 warnings\n")
    doc = _assert_valid_sarif((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} == {"MT304", "MT311"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_output_file_that_cannot_be_written_is_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("validate", "--isolated", "--format", "json", "--output-file",
                     str(tmp_path / "no" / "such" / "dir.json"), _write(tmp_path, LEGACY))
    assert result.code == 2 and "cannot write --output-file" in result.err


def test_sarif_from_stdin_with_a_filename_has_a_relative_uri(run_cli: RunCli) -> None:
    result = run_cli("validate", "--isolated", "--format", "sarif", "--stdin-filename",
                     "manifests/job 1.yaml", "-", input=LEGACY)
    doc = _assert_valid_sarif(result.out)
    run = doc["runs"][0]
    for found in run["results"]:
        location = found["locations"][0]["physicalLocation"]
        # GitHub's ingestion: a relative URI artifact location and a region.
        assert location["artifactLocation"] == {"uri": "manifests/job%201.yaml"}
        assert location["region"]["startLine"] >= 1
    assert run["automationDetails"]["id"] == "manifest-tools/validate/"
    assert run["tool"]["driver"]["fullName"].startswith("manifest-tools ")


def test_stdin_filename_names_stdin_in_text_and_github(run_cli: RunCli) -> None:
    text = run_cli("validate", "--isolated", "--stdin-filename", "m.yaml", "-", input=LEGACY)
    assert "\nm.yaml:4:9: warning MT304" in text.out
    github = run_cli("validate", "--isolated", "--format", "github", "--stdin-filename",
                     "m.yaml", "-", input=LEGACY)
    assert "\n::warning file=m.yaml,line=4,col=9,title=MT304::" in github.out


def test_junit_is_parsed_by_an_xml_parser(run_cli: RunCli, tmp_path: Path) -> None:
    bad = _write(tmp_path, IMPORT.replace("eraseDevice: yes", "eraseDevice: maybe"), "bad.yaml")
    warned = _write(tmp_path, LEGACY + "# manifest-tools: disable-file=MT311\n", "warn.yaml")
    good = _write(tmp_path, IMPORT, "good.yaml")
    result = run_cli("validate", "--isolated", "--format", "junit", bad, warned, good,
                     str(tmp_path / "missing.yaml"))
    assert result.code == 2
    root = ET.fromstring(result.out)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"),
            root.get("skipped")) == ("6", "1", "1", "1")
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    failure = suites[bad].find("testcase/failure")  # and MT310, a warning, passes
    assert failure is not None and failure.get("type") == "MT202"
    assert "eraseDevice" in (failure.get("message") or "")
    assert suites[warned].find("testcase/system-out") is not None
    assert suites[warned].find("testcase/skipped") is not None
    (case,) = suites[good].findall("testcase")
    assert list(case) == []
    assert suites[str(tmp_path / "missing.yaml")].find("testcase/error") is not None


def test_junit_warnings_fail_under_strict(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("validate", "--isolated", "--strict", "--format", "junit",
                     _write(tmp_path, LEGACY))
    assert ET.fromstring(result.out).get("failures") == "2"


def test_gitlab_code_quality_report(run_cli: RunCli, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, LEGACY, "manifests/a.yaml")
    result = run_cli("validate", "--isolated", "--format", "gitlab", "manifests/a.yaml")
    issues = json.loads(result.out)
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("MT311", "minor", {"path": "manifests/a.yaml", "lines": {"begin": 1}}),
        ("MT304", "minor", {"path": "manifests/a.yaml", "lines": {"begin": 4}})]
    assert all(i["description"].startswith(i["check_name"] + " ") for i in issues)
    assert len({i["fingerprint"] for i in issues}) == 2
    # A line added above keeps each finding's fingerprint (GitLab tracks them by it).
    _write(tmp_path, "# a new first line\n" + LEGACY, "manifests/a.yaml")
    moved = json.loads(run_cli("validate", "--isolated", "--format", "gitlab",
                               "manifests/a.yaml").out)
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in issues]
    assert moved[1]["location"]["lines"]["begin"] == 5


def test_statistics_count_findings_per_rule(run_cli: RunCli, tmp_path: Path) -> None:
    one = _write(tmp_path, LEGACY, "a.yaml")
    two = _write(tmp_path, LEGACY.replace("bucket: My_Bucket", "bucket: My_Bucket  "
                                          "# manifest-tools: disable-line=MT304"), "b.yaml")
    result = run_cli("validate", "--isolated", "--statistics", one, two)
    assert result.out.splitlines() == [
        "2  MT311  notification-email  warning",
        "1  MT304  bucket-dns          warning  (1 silenced)",
        "2 files checked, all valid: 0 errors, 3 warnings, 1 silenced"]


def test_statistics_with_a_machine_format_go_to_stderr(run_cli: RunCli,
                                                       tmp_path: Path) -> None:
    result = run_cli("validate", "--isolated", "--statistics", "--format", "json",
                     _write(tmp_path, LEGACY))
    assert json.loads(result.out)["files"]
    assert "1  MT304  bucket-dns" in result.err


def test_exit_zero_keeps_findings_but_not_failure(run_cli: RunCli, tmp_path: Path) -> None:
    path = _write(tmp_path, IMPORT.replace("eraseDevice: yes", "eraseDevice: maybe"))
    assert run_cli("validate", "--isolated", path).code == 1
    result = run_cli("validate", "--isolated", "--exit-zero", path)
    assert result.code == 0 and "error MT202" in result.out
    missing = run_cli("validate", "--isolated", "--exit-zero", str(tmp_path / "nope.yaml"))
    assert missing.code == 2


def test_output_file_is_replaced_atomically_keeping_no_partial_file(
        run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    run_cli("validate", "--isolated", "--format", "json", "-o", str(target),
            _write(tmp_path, LEGACY))
    assert json.loads(target.read_text())["files"][0]["path"].endswith("m.yaml")
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml", "report.json"]


def test_junit_stays_well_formed_for_a_name_xml_cannot_hold(run_cli: RunCli,
                                                            tmp_path: Path) -> None:
    path = _write(tmp_path, IMPORT.replace("eraseDevice: yes", "eraseDevice: maybe"),
                  "odd\x01name.yaml")
    root = ET.fromstring(run_cli("validate", "--isolated", "--format", "junit", path).out)
    assert root.get("failures") == "1"
    suite = root.find("testsuite")
    assert suite is not None and "odd\ufffdname.yaml" in suite.get("name", "")
