"""Output formats of ``validate``: SARIF 2.1.0 against the official schema, GitHub workflow
commands with GitHub's escaping, and colour (``--color``, ``NO_COLOR``, terminals)."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker

from manifest_tools.diagnostics import Diagnostic, Severity
from manifest_tools.manifest.jobtype import JobType
from manifest_tools.manifest.validate import FileResult
from manifest_tools.report.reporters import renderer
from manifest_tools.report.validate import (
    README_URL,
    RENDERERS,
    RenderOptions,
    render_github,
    render_sarif,
)
from manifest_tools.rules import RULES
from tests import cputime
from tests.conftest import RunCli

ROOT = Path(__file__).parents[2]
SAMPLES = ROOT / "samples"
MT303 = SAMPLES / "invalid" / "MT303-expedited-outside-us.yaml"
VALID = SAMPLES / "valid" / "s3-import.yaml"
SCHEMA_FILE = ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json"
README = (ROOT / "README.md").read_text(encoding="utf-8")
ESC = "\x1b["

# --- SARIF ------------------------------------------------------------------------------

# RFC 3986 characters; jsonschema checks "uri" formats only with optional packages, so the
# test brings its own check rather than silently skipping it.
_URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_formats = FormatChecker()


@_formats.checks("uri")
def _is_uri(value: object) -> bool:
    return (not isinstance(value, str)
            or (_SCHEME.match(value) is not None and _URI_CHARS.fullmatch(value) is not None))


@_formats.checks("uri-reference")
def _is_uri_reference(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _URI_CHARS.fullmatch(value) is None:
        return False
    # A relative reference must not have a ':' in its first segment (it would be a scheme).
    return _SCHEME.match(value) is not None or ":" not in value.split("/", 1)[0]


def _sarif_validator() -> Draft4Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=_formats)


def _assert_valid_sarif(text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    errors = sorted(_sarif_validator().iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    return doc


def test_fixture_is_the_official_oasis_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["id"] == ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/"
                            "schemas/sarif-schema-2.1.0.json")
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]


def test_format_check_is_active() -> None:
    """The home-made uri checks reject what they must, or the schema tests prove less."""
    validator = _sarif_validator()
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {
        "name": "x", "informationUri": "not a uri"}}}]}
    assert not validator.is_valid(bad)
    bad_ref = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "<stdin>"}}}]}]}]}
    assert not validator.is_valid(bad_ref)


def test_sarif_for_one_finding(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli("validate", "--format", "sarif", "--color", "always",
                     "samples/invalid/MT303-expedited-outside-us.yaml")
    assert result.code == 1
    assert ESC not in result.out
    doc = _assert_valid_sarif(result.out)
    assert doc["$schema"].endswith("/sarif-schema-2.1.0.json")
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "manifest-tools"
    from manifest_tools import __version__

    assert driver["version"] == __version__
    assert run["columnKind"] == "unicodeCodePoints"
    # Every rule is listed, whatever fired, with help text and its default level.
    assert [r["id"] for r in driver["rules"]] == sorted(RULES)
    index = sorted(RULES).index("MT303")
    rule = driver["rules"][index]
    assert rule["id"] == "MT303"
    assert rule["shortDescription"]["text"] == RULES["MT303"].short
    assert rule["fullDescription"]["text"] == RULES["MT303"].full
    assert rule["help"]["text"].startswith(RULES["MT303"].full)
    assert "Example: " in rule["help"]["text"]
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert driver["rules"][sorted(RULES).index("MT304")]["defaultConfiguration"] == {
        "level": "warning"}
    assert rule["helpUri"] == f"{README_URL}#mt303"
    assert run["invocations"] == [{"executionSuccessful": True}]
    [finding] = run["results"]
    assert finding["ruleId"] == "MT303" and finding["ruleIndex"] == index
    assert finding["level"] == "error"
    assert "expeditedShipping" in finding["message"]["text"]
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "samples/invalid/MT303-expedited-outside-us.yaml"}
    assert location["region"] == {"startLine": 7, "startColumn": 15}


def test_every_rule_help_uri_has_a_readme_anchor() -> None:
    for rule_id in RULES:
        assert f'<a id="{rule_id.lower()}"></a>{rule_id}' in README, rule_id


def test_sarif_valid_manifest_lists_every_rule_and_no_result(run_cli: RunCli) -> None:
    result = run_cli("validate", "--format", "sarif", str(VALID))
    assert result.code == 0
    run = _assert_valid_sarif(result.out)["runs"][0]
    assert run["results"] == []
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(RULES)


def test_sarif_many_findings_many_files(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    monkeypatch.chdir(ROOT)
    paths = sorted(str(p.relative_to(ROOT)) for p in (SAMPLES / "invalid").glob("*.yaml"))
    result = run_cli("validate", "--format", "sarif", *paths)
    assert result.code == 1
    run = _assert_valid_sarif(result.out)["runs"][0]
    results = run["results"]
    assert len(results) >= len(paths)
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    levels = {r["level"] for r in results}
    assert levels == {"error", "warning"}
    for r in results:
        assert rule_ids[r["ruleIndex"]] == r["ruleId"]
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("samples/invalid/") and "\\" not in uri
        assert r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    # Every sample's rule (its file name) appears among the results for that file.
    for path in paths:
        expected = Path(path).name.split("-", 1)[0]
        assert any(r["ruleId"] == expected and r["locations"][0]["physicalLocation"]
                   ["artifactLocation"]["uri"] == path for r in results), path


def test_sarif_stdin_has_no_fake_uri(run_cli: RunCli) -> None:
    result = run_cli("validate", "--format", "sarif", "-", input=MT303.read_bytes())
    assert result.code == 1
    run = _assert_valid_sarif(result.out)["runs"][0]
    [finding] = run["results"]
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"description": {"text": "standard input"}}
    assert location["region"] == {"startLine": 7, "startColumn": 15}


def test_sarif_zero_files(run_cli: RunCli, tmp_path: Path) -> None:
    """No file validated: the renderer still makes a valid log (every rule, no result)."""
    doc = _assert_valid_sarif(render_sarif([], RenderOptions()))
    assert doc["runs"][0]["results"] == []
    assert len(doc["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)


def test_missing_file_is_a_complete_sarif_document(run_cli: RunCli, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing file still yields a whole SARIF log (an MT123 result, an
    unsuccessful invocation with a notification) and exit 2."""
    monkeypatch.chdir(ROOT)
    missing = str(tmp_path / "missing.yaml")
    result = run_cli("validate", "--format", "sarif", missing,
                     "samples/invalid/MT303-expedited-outside-us.yaml")
    assert result.code == 2
    assert "missing.yaml" in result.err
    doc = _assert_valid_sarif(result.out)
    run = doc["runs"][0]
    [invocation] = run["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "no such file" in note["message"]["text"]
    assert [r["ruleId"] for r in run["results"]] == ["MT123", "MT303"]
    assert run["results"][0]["level"] == "error"


def test_missing_file_is_a_complete_json_document(run_cli: RunCli, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.yaml")
    result = run_cli("validate", "--format", "json", missing)
    assert result.code == 2
    [entry] = json.loads(result.out)["files"]
    assert entry["path"] == missing and entry["valid"] is False
    assert [d["rule"] for d in entry["diagnostics"]] == ["MT123"]
    assert "no such file" in entry["diagnostics"][0]["message"]


def test_sarif_uris_are_relative_posix_and_encoded(run_cli: RunCli, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    inside = tmp_path / "work"
    (inside / "sub dir").mkdir(parents=True)
    odd = inside / "sub dir" / "a,b:c%.yaml"
    odd.write_bytes(MT303.read_bytes())
    outside = tmp_path / "elsewhere.yaml"
    outside.write_bytes(MT303.read_bytes())
    monkeypatch.chdir(inside)
    result = run_cli("validate", "--format", "sarif", str(odd), str(outside))
    run = _assert_valid_sarif(result.out)["runs"][0]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"]]
    assert uris == ["sub%20dir/a,b%3Ac%25.yaml", outside.as_uri()]


# --- GitHub workflow commands -----------------------------------------------------------


def test_github_annotation_for_mt303(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
                                     ) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli("validate", "--format", "github", "--color", "always",
                     "samples/invalid/MT303-expedited-outside-us.yaml")
    assert result.code == 1
    assert result.out == (
        "::error file=samples/invalid/MT303-expedited-outside-us.yaml,line=7,col=15,"
        "title=MT303::serviceLevel: expeditedShipping is only for US return addresses "
        "(returnAddress.country is 'Canada')\n")


def test_github_escapes_properties_and_message(run_cli: RunCli, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a,b:c.yaml"
    # An unknown key holding '%' and a line break (a quoted YAML key) lands in a message.
    path.write_text('manifestVersion: "2.0"\nbucket: my-bucket\n"bad%\\nkey": x\n',
                    encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate", "--format", "github", "a,b:c.yaml")
    lines = result.out.splitlines()
    assert all(line.startswith(("::error file=a%2Cb%3Ac.yaml,line=",
                                "::warning file=a%2Cb%3Ac.yaml,line="))
               for line in lines), lines
    assert ("::warning file=a%2Cb%3Ac.yaml,line=3,col=1,title=MT203::bad%25%0Akey: unknown "
            "field") in result.out
    assert any(line.startswith("::error ") for line in lines)


def test_github_renderer_escapes_exactly_like_the_toolkit() -> None:
    """actions/toolkit escapeData/escapeProperty, checked on every special character."""
    d = Diagnostic("MT202", Severity.WARNING, "100% sure\r\nnext: a,b", 2, 3)
    out = render_github([FileResult("dir/x,y:z%.yaml", JobType.IMPORT, (d,))],
                        RenderOptions())
    assert out == ("::warning file=dir/x%2Cy%3Az%25.yaml,line=2,col=3,title=MT202::"
                   "100%25 sure%0D%0Anext: a,b\n")


def test_github_stdin_has_no_file_property(run_cli: RunCli) -> None:
    result = run_cli("validate", "--format", "github", "-", input=MT303.read_bytes())
    assert result.out.startswith("::error line=7,col=15,title=MT303::")


def test_github_quiet_drops_warnings(run_cli: RunCli) -> None:
    path = SAMPLES / "invalid" / "MT305-country-code.yaml"
    loud = run_cli("validate", "--format", "github", str(path))
    quiet = run_cli("validate", "--format", "github", "--quiet", str(path))
    assert "::warning " in loud.out
    assert "::warning " not in quiet.out


# --- colour -----------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "env", "coloured"), [
    (("--color", "always"), {}, True),
    (("--color", "always"), {"NO_COLOR": "1"}, True),  # explicit request wins
    (("--color", "never"), {}, False),
    (("--color", "auto"), {}, False),  # not a terminal
    ((), {}, False),
])
def test_color_modes_off_a_terminal(run_cli: RunCli, args: tuple[str, ...],
                                    env: dict[str, str], coloured: bool) -> None:
    result = run_cli("validate", *args, str(MT303), env=env)
    assert result.code == 1
    assert (ESC in result.out) is coloured
    assert "MT303" in result.out
    if coloured:
        assert "\x1b[31merror\x1b[0m" in result.out


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_machine_formats_never_coloured(run_cli: RunCli, fmt: str) -> None:
    result = run_cli("validate", "--format", fmt, "--color", "always", str(MT303))
    assert result.code == 1 and result.out
    assert ESC not in result.out


def _run_on_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run the real entry point with stdout on a pseudo-terminal; return what it printed."""
    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.update(env)
    proc = subprocess.Popen([sys.executable, "-m", "manifest_tools", *args], stdout=slave,
                            stderr=subprocess.PIPE, env=full_env, cwd=ROOT)
    os.close(slave)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], cputime.BACKSTOP)
            if not ready:
                break
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        proc.wait(timeout=cputime.BACKSTOP)
        assert proc.stderr is not None
        proc.stderr.close()
    return b"".join(chunks).decode("utf-8")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_auto_colours_a_terminal_unless_no_color() -> None:
    args = ["validate", str(MT303)]
    on_tty = _run_on_terminal(args, {})
    assert "\x1b[31merror\x1b[0m MT303" in on_tty
    no_color = _run_on_terminal(args, {"NO_COLOR": "1"})
    assert "MT303" in no_color and ESC not in no_color
    # no-color.org: an empty NO_COLOR does not count.
    empty = _run_on_terminal(args, {"NO_COLOR": ""})
    assert ESC in empty
    never = _run_on_terminal([*args[:1], "--color", "never", *args[1:]], {})
    assert "MT303" in never and ESC not in never


def test_a_finding_in_another_input_says_so_in_text_json_and_sarif() -> None:
    # A finding whose line and column point into another input (its source) and that is
    # about a file on a device: every format names the same input and the same device file.
    d = Diagnostic("MT202", Severity.ERROR, "bad value", 11, 14, "/bucket",
                   path="photos/a.jpg", source="job/manifest.yaml")
    results = [FileResult("status.txt", JobType.IMPORT, (d,))]
    text = RENDERERS["text"](results, RenderOptions())
    assert text.startswith("job/manifest.yaml:11:14: photos/a.jpg: error MT202 bad value")
    found = json.loads(RENDERERS["json"](results, RenderOptions()))["files"][0]
    assert found["diagnostics"][0]["source"] == "job/manifest.yaml"
    assert found["diagnostics"][0]["path"] == "photos/a.jpg"
    assert (found["diagnostics"][0]["line"], found["diagnostics"][0]["column"]) == (11, 14)
    doc = _assert_valid_sarif(render_sarif(results, RenderOptions()))
    location = doc["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "job/manifest.yaml"}
    assert location["physicalLocation"]["region"] == {"startLine": 11, "startColumn": 14}
    assert location["logicalLocations"] == [{"fullyQualifiedName": "photos/a.jpg",
                                             "kind": "resource"}]
    assert location["properties"] == {"devicePath": "photos/a.jpg"}
    # The CI formats annotate the same file.
    assert render_github(results, RenderOptions()).startswith(
        "::error file=job/manifest.yaml,line=11,col=14,")
    gitlab = json.loads(renderer("gitlab")(results, RenderOptions()))
    assert gitlab[0]["location"] == {"path": "job/manifest.yaml", "lines": {"begin": 11}}
    junit = renderer("junit")(results, RenderOptions())
    assert 'file="job/manifest.yaml"' in junit and "job/manifest.yaml:11:14: error" in junit
