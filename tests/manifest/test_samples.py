"""The samples are test data: valid ones validate, each invalid one yields exactly the findings
``samples/invalid/expected.tsv`` lists, and every manifest rule has an invalid sample."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

import pytest

from manifest_tools.manifest.validate import FileResult, validate_bytes
from manifest_tools.rules import RULES

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
INVALID = SAMPLES / "invalid"
TABLE = INVALID / "expected.tsv"

# Warnings a valid sample may carry (by file name); every other valid sample carries none.
ALLOWED_WARNINGS = {
    "s3-import-compact.yaml": {"MT103"},
    "s3-import-flat-address.yaml": {"MT104"},
    # The AWS CLI's create-job example: flattened address, no accessKeyId.
    "s3-import-awscli-doc.yaml": {"MT104", "MT307"},
    "s3-import-compact-crlf-germany.yaml": {"MT103"},
}
# Rules that cannot have a sample file: a file that cannot be read is not a sample
# (tests/cli/test_validate_inputs.py covers MT123 through the CLI).
NO_SAMPLE = {"MT123"}


class Row(NamedTuple):
    file: str
    rule: str
    severity: str
    line: int
    column: int


def read_table() -> list[Row]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        assert reader.fieldnames == ["file", "rule", "severity", "line", "column"]
        return [Row(r["file"], r["rule"], r["severity"], int(r["line"]), int(r["column"]))
                for r in reader]


ROWS = read_table()
BY_FILE: dict[str, list[Row]] = defaultdict(list)
for _row in ROWS:
    BY_FILE[_row.file].append(_row)


def validate(path: Path) -> FileResult:
    return validate_bytes(path.read_bytes(), str(path))


def findings(result: FileResult) -> list[tuple[str, str, int, int]]:
    return [(d.rule, d.severity.value, d.line, d.column) for d in result.diagnostics]


# --- valid samples ----------------------------------------------------------------------


VALID = sorted((SAMPLES / "valid").glob("*.yaml")) + sorted((SAMPLES / "standard").glob("*.yaml"))


def test_there_are_valid_and_standard_samples() -> None:
    assert len(list((SAMPLES / "valid").glob("*.yaml"))) >= 4
    assert len(list((SAMPLES / "standard").glob("*.yaml"))) >= 4
    for name in ALLOWED_WARNINGS:
        assert (SAMPLES / "valid" / name).is_file(), name


@pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_sample_validates(path: Path) -> None:
    result = validate(path)
    assert result.valid, findings(result)
    assert result.errors == 0
    assert result.job_type is not None
    allowed = ALLOWED_WARNINGS.get(path.name, set()) if path.parent.name == "valid" else set()
    warned = {d.rule for d in result.diagnostics}
    assert warned == allowed, findings(result)


# --- invalid samples --------------------------------------------------------------------


def test_table_lists_every_invalid_sample_and_nothing_else() -> None:
    on_disk = {p.name for p in INVALID.glob("*.yaml")}
    assert on_disk == set(BY_FILE)
    for row in ROWS:
        assert row.severity in ("error", "warning"), row
        assert row.line >= 1 and row.column >= 1, row


@pytest.mark.parametrize("name", sorted(BY_FILE))
def test_sample_is_named_after_a_rule_it_yields(name: str) -> None:
    match = re.fullmatch(r"(MT\d{3})-[a-z0-9-]+\.yaml", name)
    assert match is not None, name
    assert match.group(1) in {row.rule for row in BY_FILE[name]}


@pytest.mark.parametrize("name", sorted(BY_FILE))
def test_invalid_sample_yields_exactly_its_rows(name: str) -> None:
    result = validate(INVALID / name)
    got = findings(result)
    want = [(r.rule, r.severity, r.line, r.column) for r in BY_FILE[name]]
    for row in want:
        assert row in got, (row, got)
    # Each sample is otherwise clean: the table is its complete list of findings.
    assert sorted(got) == sorted(want)


def manifest_rule_ids() -> list[str]:
    return sorted(rule_id for rule_id in RULES if "MT100" <= rule_id <= "MT399")


def test_catalog_has_manifest_rules() -> None:
    ids = manifest_rule_ids()
    assert "MT100" in ids and "MT308" in ids
    assert all(re.fullmatch(r"MT[123]\d\d", rule_id) for rule_id in ids)


@pytest.mark.parametrize("rule_id", [r for r in manifest_rule_ids() if r not in NO_SAMPLE])
def test_every_manifest_rule_has_a_sample(rule_id: str) -> None:
    assert any(row.rule == rule_id for row in ROWS), f"no invalid sample for {rule_id}"


def test_warning_only_samples_are_still_valid() -> None:
    # A sample whose rows are all warnings must not be rejected: warnings never fail a file.
    for name, rows in BY_FILE.items():
        result = validate(INVALID / name)
        has_error = any(row.severity == "error" for row in rows)
        assert result.valid is not has_error, name


@pytest.mark.parametrize("name", sorted(BY_FILE))
def test_rule_table_level_agrees_with_samples(name: str) -> None:
    # SARIF's defaultConfiguration.level and `manifest-tools rules` show Rule.level.
    for row in BY_FILE[name]:
        assert RULES[row.rule].level == row.severity, row


def test_non_us_addresses_need_no_state() -> None:
    # stateOrProvince is "Required for USA and Canada" only.
    for country in ("uk", "ireland", "germany", "japan"):
        path = SAMPLES / "valid" / f"s3-import-{country}.yaml"
        text = path.read_text(encoding="utf-8")
        assert "stateOrProvince:" not in text
        assert validate(path).valid
