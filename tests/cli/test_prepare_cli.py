"""``manifest-tools prepare`` through the CLI: exit codes, the SIGNATURE from --job-id and a
key (as ``sign`` makes it), refusals, the report."""

from __future__ import annotations

import json
from pathlib import Path

from manifest_tools.signature import render_signature_file, sign
from tests.cli.test_sign_cli import KEY, make_key_file, no_key_env
from tests.conftest import RunCli
from tests.manifests import IMPORT


def _job(tmp_path: Path) -> tuple[Path, Path, Path]:
    src, dev = tmp_path / "src", tmp_path / "dev"
    (src / "photos").mkdir(parents=True)
    (src / "photos" / "cat.jpg").write_bytes(b"\xff\xd8cat")
    (src / "notes.txt").write_text("hello\n")
    dev.mkdir()
    manifest = tmp_path / "m.yaml"
    manifest.write_text(IMPORT)
    return src, dev, manifest


def test_job_id_signs_as_sign_does(tmp_path: Path, run_cli: RunCli) -> None:
    src, dev, manifest = _job(tmp_path)
    key = make_key_file(tmp_path)
    r = run_cli("prepare", str(src), str(dev), "--manifest", str(manifest), "--job-id",
                "EX1ID", "--key-file", str(key), "--journal", str(tmp_path / "j"),
                "--format", "json", env=no_key_env(tmp_path))
    assert r.code == 0, r.out + r.err
    doc = json.loads(r.out)
    assert doc["counts"]["copied"] == 2 and doc["signature"] == "written" and doc["clean"]
    expected = render_signature_file(sign(manifest.read_bytes(), "EX1ID", KEY, "2.0"))
    assert (dev / "SIGNATURE").read_bytes() == expected
    assert KEY not in r.out + r.err
    again = run_cli("prepare", str(src), str(dev), "--manifest", str(manifest), "--job-id",
                    "EX1ID", "--key-file", str(key), "--journal", str(tmp_path / "j"),
                    env=no_key_env(tmp_path))
    assert again.code == 0 and "2 already on the device" in again.out


def test_refusals_exit_2_and_write_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    src, dev, manifest = _job(tmp_path)
    status = Path(__file__).resolve().parents[2] / "samples" / "status" / "get-status.json"
    inside = run_cli("prepare", str(src), str(dev), "--manifest", str(manifest), "--status",
                     str(status), "--journal", str(dev / "journal"))
    assert inside.code == 2 and "inside the device" in inside.err
    both = run_cli("prepare", str(src), str(dev), "--manifest", str(manifest), "--status",
                   str(status), "--job-id", "EX1ID", "--journal", str(tmp_path / "j"))
    assert both.code == 2
    assert list(dev.iterdir()) == [] and not (tmp_path / "j").exists()


def test_findings_exit_1_dry_run_exit_0(tmp_path: Path, run_cli: RunCli) -> None:
    src, dev, manifest = _job(tmp_path)
    dry = run_cli("prepare", str(src), str(dev), "--manifest", str(manifest), "--journal",
                  str(tmp_path / "j"), "--dry-run")
    assert dry.code == 0 and "dry run: 2 files (11 bytes) would be copied" in dry.out
    manifest.write_text(IMPORT + "substitutions:\n  notes.txt: photos/cat.jpg\n")
    status = Path(__file__).resolve().parents[2] / "samples" / "status" / "get-status.json"
    collide = run_cli("prepare", str(src), str(dev), "--manifest", str(manifest), "--status",
                      str(status), "--journal", str(tmp_path / "j"))
    assert collide.code == 1 and "MT608" in collide.out and "stopped:" in collide.out
    assert list(dev.iterdir()) == [] and not (tmp_path / "j").exists()
