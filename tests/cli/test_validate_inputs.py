"""validate as linters are used: folders and --exclude, unreadable files in every
format, --strict that explains itself, configuration files, and the rules command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from manifest_tools.rules import RULES
from tests.conftest import RunCli
from tests.manifests import IMPORT

ROOT = Path(__file__).resolve().parents[2]
WARNS = IMPORT.replace("eraseDevice: yes\n", "")  # valid, one warning (MT310)


def tree(tmp_path: Path) -> Path:
    """A repository-like folder: manifests, a draft folder, other YAML and text."""
    top = tmp_path / "disks"
    for rel, text in [("a.yaml", IMPORT), ("sub/b.yml", IMPORT), ("c.manifest", IMPORT),
                      ("drafts/d.yaml", "bucket: [broken\n"), ("notes.txt", "not a manifest"),
                      (".hidden/e.yaml", "bucket: [broken\n"), ("old.bak.yaml", WARNS)]:
        path = top / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return top


def paths_in(out: str) -> list[str]:
    return sorted(Path(f["path"]).relative_to(Path.cwd()).as_posix() if Path(f["path"])
                  .is_absolute() else f["path"] for f in json.loads(out)["files"])


def test_folder_is_searched_for_manifests(run_cli: RunCli, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate", "--format", "json", "disks")
    assert paths_in(result.out) == ["disks/a.yaml", "disks/c.manifest", "disks/drafts/d.yaml",
                                    "disks/old.bak.yaml", "disks/sub/b.yml"]
    assert result.code == 1  # drafts/d.yaml is broken


def test_exclude_drops_folders_and_files_by_glob(run_cli: RunCli, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate", "--format", "json", "disks", "--exclude", "drafts",
                     "--exclude", "*.bak.yaml")
    assert result.code == 0, result
    assert paths_in(result.out) == ["disks/a.yaml", "disks/c.manifest", "disks/sub/b.yml"]


def test_repository_root_takes_what_the_pre_commit_hook_takes(
        run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for rel in ("manifest.yaml", "x/manifest-2.yml", "job.manifest", "manifests/q/s3.yaml",
                "other.yaml", "docs/config.yml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(IMPORT)
    monkeypatch.chdir(tmp_path)
    result = run_cli("validate", "--format", "json", ".")
    found = sorted(Path(f["path"]).as_posix().removeprefix("./")
                   for f in json.loads(result.out)["files"])
    # Below the folder named, every .yaml counts; the hook's names are also matched.
    assert {"manifest.yaml", "x/manifest-2.yml", "job.manifest", "manifests/q/s3.yaml"} <= set(
        found)


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_missing_file_still_gives_a_complete_document(run_cli: RunCli, tmp_path: Path,
                                                      fmt: str) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(IMPORT)
    result = run_cli("validate", "--format", fmt, str(tmp_path / "gone.yaml"), str(good))
    assert result.code == 2
    assert "gone.yaml: no such file" in result.err
    if fmt == "json":
        files = json.loads(result.out)["files"]
        assert [f["valid"] for f in files] == [False, True]
        assert files[0]["diagnostics"][0]["rule"] == "MT123"
    elif fmt == "sarif":
        run = json.loads(result.out)["runs"][0]
        assert run["invocations"][0]["executionSuccessful"] is False
    else:
        assert result.out.startswith("::error ") and "title=MT123" in result.out


# --- --strict explains itself ----------------------------------------------------------------


def test_strict_prints_failing_warnings_even_when_quiet(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(WARNS)
    quiet = run_cli("validate", "--quiet", str(path))
    assert quiet.code == 0 and quiet.out == ""
    strict = run_cli("validate", "--quiet", "--strict", str(path))
    assert strict.code == 1
    assert "warning MT310" in strict.out
    assert strict.out.splitlines()[-1] == "1 file checked, failed (--strict): 1 warning"


def test_strict_json_says_not_valid(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(WARNS)
    plain = json.loads(run_cli("validate", "--format", "json", str(path)).out)
    assert plain["files"][0]["valid"] is True
    strict = run_cli("validate", "--strict", "--format", "json", str(path))
    assert strict.code == 1
    assert json.loads(strict.out)["files"][0]["valid"] is False


def test_text_output_shows_hints(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(IMPORT.replace("eraseDevice: yes", "eraseDevice = yes"))
    lines = run_cli("validate", str(path)).out.splitlines()
    at = next(n for n, line in enumerate(lines) if " MT116 " in line)
    assert lines[at + 1] == "    hint: write 'eraseDevice: yes'"


# --- configuration ---------------------------------------------------------------------------


def project(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    sub = tmp_path / "disks" / "deep"
    sub.mkdir(parents=True, exist_ok=True)
    (sub / "m.yaml").write_text(WARNS)
    return sub


@pytest.mark.parametrize(("name", "text"), [
    ("pyproject.toml", '[project]\nname = "x"\n\n[tool.manifest-tools]\nstrict = true\n'),
    (".manifest-tools.toml", "strict = true\n"),
])
def test_config_found_upwards_sets_strict(run_cli: RunCli, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, name: str,
                                          text: str) -> None:
    sub = project(tmp_path, name, text)
    monkeypatch.chdir(sub)
    assert run_cli("validate", "m.yaml").code == 1  # the warning fails: strict from config
    assert run_cli("validate", "--isolated", "m.yaml").code == 0


def test_config_disable_drops_a_rule(run_cli: RunCli, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sub = project(tmp_path, ".manifest-tools.toml", 'strict = true\ndisable = ["MT310"]\n')
    monkeypatch.chdir(sub)
    result = run_cli("validate", "--format", "json", "m.yaml")
    assert result.code == 0, result
    assert json.loads(result.out)["files"][0]["diagnostics"] == []


def test_explicit_config_wins_and_pyproject_without_table_is_skipped(
        run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = project(tmp_path, ".manifest-tools.toml", "strict = true\n")
    (sub / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no table: keep looking
    monkeypatch.chdir(sub)
    assert run_cli("validate", "m.yaml").code == 1
    lenient = tmp_path / "lenient.toml"
    lenient.write_text("strict = false\n")
    assert run_cli("validate", "--config", str(lenient), "m.yaml").code == 0


@pytest.mark.parametrize(("text", "words"), [
    ("strict = yes\n", "not valid TOML"),
    ("strikt = true\n", "unknown setting 'strikt'"),
    ('disable = ["MT999"]\n', "unknown rule 'MT999'"),
    ('disable = "MT307"\n', "must be a list"),
    ('strict = "true"\n', "must be true or false"),
])
def test_bad_config_is_exit_2(run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              text: str, words: str) -> None:
    sub = project(tmp_path, ".manifest-tools.toml", text)
    monkeypatch.chdir(sub)
    result = run_cli("validate", "m.yaml")
    assert result.code == 2
    assert words in result.err and "Traceback" not in result.err
    assert run_cli("validate", "--config", str(tmp_path / "none.toml"), "m.yaml").code == 2


# --- manifest-tools rules ----------------------------------------------------------------------


def test_rules_lists_every_rule(run_cli: RunCli) -> None:
    result = run_cli("rules")
    assert result.code == 0
    lines = result.out.splitlines()
    assert len(lines) == len(RULES)
    for line, rule in zip(lines, RULES.values(), strict=True):
        parts = line.split()
        assert parts[:3] == [rule.id, rule.name, rule.level]
        assert line.endswith(rule.source or "-")
    as_json = json.loads(run_cli("rules", "--format", "json").out)
    assert [r["id"] for r in as_json] == list(RULES)


def test_rules_explains_one_with_an_example(run_cli: RunCli) -> None:
    result = run_cli("rules", "mt303")
    assert result.code == 0
    rule = RULES["MT303"]
    assert result.out.startswith(f"MT303 {rule.name}: {rule.short}")
    assert rule.full in result.out
    assert "AWS error it mirrors: InvalidAddressException" in result.out
    assert "example:\n  serviceLevel: expeditedShipping" in result.out


def test_unknown_rule_is_exit_2(run_cli: RunCli) -> None:
    result = run_cli("rules", "MT999")
    assert result.code == 2 and "unknown rule" in result.err


def test_every_rule_example_triggers_its_rule_where_it_is_a_manifest() -> None:
    # The examples are documentation; the ones that are manifest lines must be true.
    from manifest_tools.manifest.validate import validate_bytes

    for rule_id in ("MT116", "MT117", "MT120", "MT121", "MT208", "MT315"):
        example = RULES[rule_id].example
        text = IMPORT if rule_id != "MT315" else IMPORT.replace(
            "accessKeyId: AKIA2E0A8F3B244C9986", example)
        if rule_id != "MT315":
            key = example.split(":")[0].split("=")[0].strip()
            lines = [line for line in text.splitlines() if line.strip().startswith(key + ":")]
            indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
            text = text.replace(lines[0], indent + example)
        rules = {d.rule for d in validate_bytes(text.encode()).diagnostics}
        assert rule_id in rules, (rule_id, rules)


def test_samples_folder_validates_as_a_folder(run_cli: RunCli, tmp_path: Path) -> None:
    folder = tmp_path / "valid"
    shutil.copytree(ROOT / "samples" / "valid", folder)
    result = run_cli("validate", "--format", "json", str(folder))
    assert len(json.loads(result.out)["files"]) == len(list(folder.glob("*.yaml")))
    assert result.code == 0
