"""``validate --fix`` and ``--diff`` through the CLI: certain fixes only, byte for byte
elsewhere, atomic, reported, idempotent, and honest about the SIGNATURE."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

from manifest_tools.manifest.fix import FIXABLE
from tests.conftest import RunCli
from tests.manifests import IMPORT

ROOT = Path(__file__).resolve().parents[2]
INVALID = ROOT / "samples" / "invalid"


def _fixable_samples() -> list[str]:
    with (INVALID / "expected.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    by_file: dict[str, set[str]] = {}
    for row in rows:
        by_file.setdefault(row["file"], set()).add(row["rule"])
    return sorted(name for name, rules in by_file.items() if rules <= FIXABLE)


def test_every_fixable_rule_has_a_fixable_sample() -> None:
    assert {name[:5] for name in _fixable_samples()} == FIXABLE


@pytest.mark.parametrize("name", _fixable_samples())
def test_fix_on_a_copy_of_each_fixable_sample_validates_clean(run_cli: RunCli, tmp_path: Path,
                                                              name: str) -> None:
    copy = tmp_path / name
    shutil.copyfile(INVALID / name, copy)
    result = run_cli("validate", "--isolated", "--fix", str(copy))
    assert result.code == 0, result.out
    assert f"{copy}: fixed 1 finding" in result.err
    assert "a SIGNATURE made from it before the fix no longer matches" in result.err
    assert result.out == "1 file checked, all valid: 0 errors, 0 warnings\n"
    fixed = copy.read_bytes()
    # Only the finding's line changed (the BOM fix: only the three bytes).
    original = (INVALID / name).read_bytes()
    if name.startswith("MT102"):
        assert fixed == original[3:]
    else:
        changed = [n for n, (a, b) in enumerate(zip(original.splitlines(), fixed.splitlines(),
                                                    strict=True)) if a != b]
        assert len(changed) == 1
    again = run_cli("validate", "--isolated", "--fix", str(copy))
    assert again.code == 0 and "fixed" not in again.err
    assert copy.read_bytes() == fixed


def test_fix_keeps_line_endings_compact_form_and_comments(run_cli: RunCli,
                                                          tmp_path: Path) -> None:
    lines = (IMPORT.replace("deviceId: 49382", "deviceId:49382")
             .replace("  city: Boston", "\tcity: Boston  # the office")
             .replace("bucket: example-import-bucket", "bucket = example-import-bucket")
             .splitlines())
    data = ("\r\n".join(lines) + "\r\n").encode()
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    result = run_cli("validate", "--isolated", "--fix", str(path))
    assert result.code == 0
    fixed = path.read_bytes()
    assert fixed == data.replace(b"\tcity", b"  city").replace(b"bucket = ", b"bucket: ")
    assert "warning MT103" in result.out  # AWS's own compact form is kept, still reported


def test_fix_follows_suppression_comments_and_disable(run_cli: RunCli, tmp_path: Path) -> None:
    text = IMPORT + "logBuket: logs  # manifest-tools: disable-line=MT204\n"
    path = tmp_path / "m.yaml"
    path.write_text(text)
    assert run_cli("validate", "--isolated", "--fix", str(path)).code == 0
    assert path.read_text() == text
    other = tmp_path / "n.yaml"
    other.write_text(IMPORT + "logBuket: logs\n")
    result = run_cli("validate", "--isolated", "--disable", "MT204", "--fix", str(other))
    assert other.read_text() == IMPORT + "logBuket: logs\n" and "fixed" not in result.err


def test_fix_does_not_rename_onto_an_existing_field(run_cli: RunCli, tmp_path: Path) -> None:
    text = IMPORT + "logBucket: a\nlogBuket: b\n"
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = run_cli("validate", "--isolated", "--fix", str(path))
    assert result.code == 1 and "error MT204" in result.out
    assert path.read_text() == text


def test_fix_leaves_quotes_it_cannot_straighten_safely(run_cli: RunCli, tmp_path: Path) -> None:
    text = IMPORT.replace("name: Jane Doe", 'name: \u201cJane "JD" Doe\u201d')
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = run_cli("validate", "--isolated", "--fix", str(path))
    assert "warning MT120" in result.out and path.read_text() == text


def test_fix_does_not_touch_a_file_that_is_not_utf8(run_cli: RunCli, tmp_path: Path) -> None:
    data = ("\t" + IMPORT).encode().replace(b"Boston", b"M\xfcnchen")
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    run_cli("validate", "--isolated", "--fix", str(path))
    assert path.read_bytes() == data


def test_fix_keeps_permissions_and_leaves_no_temporary_file(run_cli: RunCli,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(IMPORT.replace("  city", "\tcity"))
    os.chmod(path, 0o600)
    run_cli("validate", "--isolated", "--fix", str(path))
    assert path.read_text() == IMPORT
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["m.yaml"]


def test_fixed_file_no_longer_matches_a_signature_made_before(run_cli: RunCli,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(IMPORT.replace("  city", "\tcity"))
    env = {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
    before = run_cli("sign", str(path), "--job-id", "EX1ID", "--no-validate", env=env)
    run_cli("validate", "--isolated", "--fix", str(path))
    after = run_cli("sign", str(path), "--job-id", "EX1ID", env=env)
    assert before.code == 0 and after.code == 0 and before.out != after.out


def test_diff_shows_the_fix_and_writes_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    text = IMPORT.replace("  city: Boston", "\tcity: Boston")
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = run_cli("validate", "--isolated", "--diff", str(path))
    assert result.code == 1
    assert path.read_text() == text
    assert f"--- {path} (original)\n+++ {path} (fixed)\n" in result.out
    assert "-\tcity: Boston\n+  city: Boston\n" in result.out
    clean = tmp_path / "clean.yaml"
    clean.write_text(IMPORT)
    assert run_cli("validate", "--isolated", "--diff", str(clean)) == type(result)(0, "", "")


def test_diff_shows_crlf_and_a_bom(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + IMPORT.replace("\n", "\r\n").encode())
    result = run_cli("validate", "--isolated", "--diff", str(path))
    assert "-<BOM>manifestVersion: 2.0\\r\n+manifestVersion: 2.0\\r\n" in result.out


def test_fix_refuses_stdin(run_cli: RunCli) -> None:
    result = run_cli("validate", "--fix", "-", input=IMPORT)
    assert result.code == 2 and "give file names, not '-'" in result.err


def test_fix_of_a_file_it_cannot_write_is_exit_2_and_others_are_fixed(
        run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stuck = tmp_path / "m.yaml"
    stuck.write_text(IMPORT.replace("  city", "\tcity"))
    free = tmp_path / "n.yaml"
    free.write_text(IMPORT.replace("  city", "\tcity"))
    real_replace = os.replace

    def replace(source: str, target: str) -> None:  # a read-only folder, even for root
        if str(target) == str(stuck):
            raise PermissionError(13, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    result = run_cli("validate", "--isolated", "--fix", str(stuck), str(free))
    assert result.code == 2
    assert f"cannot write the fixed manifest {stuck}: Permission denied" in result.err
    assert free.read_text() == IMPORT and "\tcity" in stuck.read_text()
    assert "error MT105" in result.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml", "n.yaml"]
