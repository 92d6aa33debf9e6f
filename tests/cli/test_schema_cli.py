"""Schemas without a checkout: ``schema --job-type T [--path]`` and ``init --modeline``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from manifest_tools.manifest.jobtype import JobType
from tests.cli.test_validate_cli import fill_placeholders
from tests.conftest import RunCli

ROOT = Path(__file__).resolve().parents[2]
ID_BASE = "https://raw.githubusercontent.com/manifest-tools/manifest-tools/main/schemas/"


@pytest.mark.parametrize("job_type", list(JobType))
def test_schema_prints_the_installed_self_contained_schema(run_cli: RunCli,
                                                           job_type: JobType) -> None:
    printed = run_cli("schema", "--job-type", job_type.value)
    assert printed.code == 0
    schema = json.loads(printed.out)
    assert schema["$id"] == ID_BASE + job_type.schema_file
    Draft202012Validator.check_schema(schema)
    assert "common.schema.json" not in printed.out.replace(schema["$id"], "")
    path = run_cli("schema", "--path", "--job-type", job_type.value)
    assert path.code == 0
    assert Path(path.out.strip()).read_text(encoding="utf-8") == printed.out


def test_printed_schema_works_alone_offline(run_cli: RunCli, tmp_path: Path) -> None:
    """Saved anywhere, with no common.schema.json beside it: check-jsonschema needs nothing
    more (no network: its $id is never fetched, every $ref is internal)."""
    exe = Path(sys.executable).parent / "check-jsonschema"
    if not exe.exists():
        pytest.skip("check-jsonschema is not installed next to this Python")
    schema = tmp_path / "import.json"
    schema.write_text(run_cli("schema", "--job-type", "import").out, encoding="utf-8")
    sample = ROOT / "samples" / "standard" / "s3-import.yaml"
    good = subprocess.run([str(exe), "--no-cache", "--schemafile", str(schema), str(sample)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = tmp_path / "bad.yaml"
    text = sample.read_text(encoding="utf-8")
    assert 'eraseDevice: "yes"' in text
    bad.write_text(text.replace('eraseDevice: "yes"', 'eraseDevice: "maybe"'))
    failed = subprocess.run([str(exe), "--no-cache", "--schemafile", str(schema), str(bad)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert failed.returncode == 1 and "eraseDevice" in failed.stdout


def test_schema_needs_a_job_type(run_cli: RunCli) -> None:
    assert run_cli("schema").code == 2


@pytest.mark.parametrize("job_type", list(JobType))
def test_init_modeline_url_names_the_schema_id_and_still_validates(run_cli: RunCli,
                                                                   job_type: JobType) -> None:
    skeleton = run_cli("init", "--job-type", job_type.value, "--modeline", "url").out
    first = skeleton.splitlines()[0]
    assert first == f"# yaml-language-server: $schema={ID_BASE}{job_type.schema_file}"
    checked = run_cli("validate", "--isolated", "--strict", "-",
                      input=fill_placeholders(skeleton))
    assert checked.code == 0, checked.out


def test_init_modeline_path_names_the_installed_file(run_cli: RunCli) -> None:
    first = run_cli("init", "--modeline", "path").out.splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    assert json.loads(Path(first[len(prefix):]).read_text())["$id"].endswith(
        "/s3-import.schema.json")
    assert not run_cli("init").out.startswith(prefix)
