"""Where users meet the tool: pre-commit, shell completion, the README's CLI reference and the
version number."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer.main
from ruamel.yaml import YAML

import manifest_tools
from manifest_tools.cli.app import app
from tests import cputime
from tests.conftest import RunCli

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
HOOKS = ROOT / ".pre-commit-hooks.yaml"
VALID = sorted((ROOT / "samples" / "valid").glob("*.yaml"))

# --- pre-commit -------------------------------------------------------------------------


def _hooks() -> list[dict[str, Any]]:
    data = YAML(typ="safe", pure=True).load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _hook() -> dict[str, Any]:
    [hook] = [h for h in _hooks() if h["id"] == "validate-aws-manifest"]
    return hook


def test_pre_commit_hook_fields() -> None:
    hook = _hook()
    assert hook["entry"] == "manifest-tools validate"
    assert hook["language"] == "python"
    assert hook["types"] == ["text"]
    assert hook["name"] and hook["description"]
    # The console script the entry names is the one the package installs.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"]["manifest-tools"] == "manifest_tools.cli.entry:main"


@pytest.mark.parametrize("path", [
    "manifest.yaml", "manifest.yml", "manifest-2024.yaml", "disks/manifest_photos.yml",
    "job.manifest", "disks/EX1ID.manifest", "manifests/s3-import.yaml",
    "jobs/manifests/2024/ebs-import.yml",
    # The samples, placed as a user would keep them (manifests/), by their real names:
    *(f"manifests/{p.name}" for p in VALID),
])
def test_pre_commit_pattern_matches_manifests(path: str) -> None:
    # pre-commit applies `files` with re.search to the repository-relative path.
    assert re.search(_hook()["files"], path), path


@pytest.mark.parametrize("path", [
    "README.md", "pyproject.toml", "manifest_tools/cli.py", "manifest_tools/manifest.py",
    ".pre-commit-hooks.yaml", ".github/workflows/ci.yml", "schemas/s3-import.schema.json",
    "mymanifest.yaml", "manifest.yaml.bak", "samples/status/get-status.yaml",
])
def test_pre_commit_pattern_skips_other_files(path: str) -> None:
    assert not re.search(_hook()["files"], path), path


def test_pre_commit_samples_need_the_documented_override() -> None:
    """samples/valid/ is not a manifests/ folder: the README's override pattern covers it."""
    override = re.search(r"files: (\^samples/\S+)", README)
    assert override, "README shows how to override `files`"
    for sample in VALID:
        rel = sample.relative_to(ROOT).as_posix()
        assert not re.search(_hook()["files"], rel)
        assert re.search(override.group(1), rel), rel


def test_pre_commit_entry_runs_on_the_samples() -> None:
    """What pre-commit runs: the entry, then the staged file names."""
    script = Path(sys.executable).with_name("manifest-tools")
    if not script.exists():
        pytest.skip("console script not installed next to this interpreter")
    valid = subprocess.run([str(script), "validate", *map(str, VALID)],
                           capture_output=True, text=True, cwd=ROOT, timeout=cputime.BACKSTOP)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert f"{len(VALID)} files checked, all valid" in valid.stdout
    bad = ROOT / "samples" / "invalid" / "MT303-expedited-outside-us.yaml"
    invalid = subprocess.run([str(script), "validate", str(bad)], capture_output=True,
                             text=True, cwd=ROOT, timeout=cputime.BACKSTOP)
    assert invalid.returncode == 1
    assert "MT303" in invalid.stdout


def test_readme_shows_a_pre_commit_config() -> None:
    block = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", README, re.DOTALL)
    assert block, "README has a .pre-commit-config.yaml example"
    config = YAML(typ="safe", pure=True).load(block.group(1))
    [repo] = config["repos"]
    # No release is tagged yet: the example pins a full commit hash, not a made-up tag.
    assert re.fullmatch(r"[0-9a-f]{40}", str(repo["rev"])), repo["rev"]
    assert [h["id"] for h in repo["hooks"]] == [_hook()["id"]] == ["validate-aws-manifest"]
    # The try-repo lines name the same repository and hook.
    tries = re.findall(r"^pre-commit try-repo (\S+) (\S+) ", README, re.MULTILINE)
    assert (repo["repo"], _hook()["id"]) in tries, tries
    assert all(hook == _hook()["id"] for _, hook in tries), tries


# --- shell completion -------------------------------------------------------------------


def _complete(run_cli: RunCli, line: str) -> list[str]:
    words = line.split(" ")
    result = run_cli(env={"_MANIFEST_TOOLS_COMPLETE": "complete_bash",
                          "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)})
    assert result.code == 0, result.err
    return result.out.split()


def test_completion_of_format_values(run_cli: RunCli) -> None:
    assert _complete(run_cli, "manifest-tools validate --format ") == [
        "text", "json", "sarif", "github", "junit", "gitlab"]
    assert _complete(run_cli, "manifest-tools verify --format ") == ["text", "json"]


def test_completion_of_job_type_values(run_cli: RunCli) -> None:
    expected = ["import", "export", "ebs", "glacier"]
    assert _complete(run_cli, "manifest-tools validate --job-type ") == expected
    assert _complete(run_cli, "manifest-tools init --job-type ") == expected
    assert _complete(run_cli, "manifest-tools validate --job-type gl") == ["glacier"]


def test_completion_of_commands_and_options(run_cli: RunCli) -> None:
    commands = _complete(run_cli, "manifest-tools ")
    assert {"validate", "init", "sign", "write-signature", "verify", "status"} <= set(commands)
    assert "--color" in _complete(run_cli, "manifest-tools validate --c")


def test_show_completion_prints_a_script(run_cli: RunCli) -> None:
    result = run_cli("--show-completion", "bash")
    assert result.code == 0
    assert "_MANIFEST_TOOLS_COMPLETE=complete_bash" in result.out
    assert "complete " in result.out and "manifest-tools" in result.out


# --- the README documents every command and option ----------------------------------------


def _section(command: str) -> str:
    """The README text under the heading of ``manifest-tools COMMAND``, to the next heading
    of the same or a higher level."""
    lines = README.splitlines()
    for n, line in enumerate(lines):
        heading = re.match(r"(#+) ", line)
        if heading and f"`manifest-tools {command}" in line:
            level = len(heading.group(1))
            body = [line]
            for rest in lines[n + 1:]:
                other = re.match(r"(#+) ", rest)
                if other and len(other.group(1)) <= level:
                    break
                body.append(rest)
            return "\n".join(body)
    raise AssertionError(f"no README heading for `manifest-tools {command}`")


def _root() -> Any:
    """The click group typer builds (typer vendors click: duck-typed, not isinstance)."""
    group = typer.main.get_command(app)
    assert hasattr(group, "commands")
    return group


def _commands(group: Any) -> dict[str, Any]:
    """Every command of the group, loaded (the root group loads its commands lazily)."""
    ctx = group.make_context("manifest-tools", ["--help"], resilient_parsing=True)
    return {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}


def _leaves(commands: dict[str, Any]) -> dict[str, Any]:
    """A command group's commands as ``group sub`` (``service run``), the rest as they are."""
    found: dict[str, Any] = {}
    for name, command in commands.items():
        if hasattr(command, "commands"):
            found.update(_leaves({f"{name} {sub}": c for sub, c in command.commands.items()}))
        else:
            found[name] = command
    return found


def test_every_command_and_option_is_in_the_readme() -> None:
    group = _root()
    commands = _commands(group)
    assert set(commands) == {"validate", "init", "schema", "sign", "write-signature", "verify",
                             "status", "preflight", "prepare", "log", "service", "rules"}
    for name, command in _leaves(commands).items():
        section = _section(name)
        assert command.help, f"{name} has help text"
        for param in command.params:
            if param.param_type_name != "option":
                continue
            assert param.help, f"{name} {param.opts} has help text"
            for opt in [*param.opts, *param.secondary_opts]:
                if opt.startswith("--"):
                    assert re.search(rf"{re.escape(opt)}(?![\w-])", section), (
                        f"README section of `{name}` does not mention {opt}")
            if hasattr(param.type, "choices"):
                for choice in param.type.choices:
                    assert str(choice) in section, f"{name} {param.opts}: {choice}"
    for param in group.params:  # global options
        for opt in param.opts:
            assert f"`{opt}`" in README, opt


def test_readme_section_check_can_fail() -> None:
    with pytest.raises(AssertionError):
        _section("no-such-command")
    assert "--job-id" not in _section("validate")


# --- version ----------------------------------------------------------------------------


def test_version_is_defined_once() -> None:
    assert importlib.metadata.version("manifest-tools") == manifest_tools.__version__
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "manifest_tools._version.__version__"}


def test_version_option(run_cli: RunCli) -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert result.out == f"manifest-tools {manifest_tools.__version__}\n"


def test_a_command_imports_only_its_own_module(tmp_path: Path) -> None:
    """validate must not pay for the other commands: their modules load when they run."""
    code = ("import sys\nfrom manifest_tools.cli.app import main\n"
            "try:\n    main(['validate', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('manifest_tools.'))))")
    proc = subprocess.run([sys.executable, "-c", code, str(VALID[0])], capture_output=True,
                          text=True, check=True, cwd=tmp_path)
    loaded = set(proc.stdout.split())
    assert "manifest_tools.cli.validate" in loaded
    assert not loaded & {"manifest_tools.cli.signing", "manifest_tools.cli.verify",
                         "manifest_tools.cli.status", "manifest_tools.job.verification",
                         "manifest_tools.status", "manifest_tools.signature"}, loaded
