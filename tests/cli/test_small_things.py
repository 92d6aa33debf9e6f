"""Small things users see: plurals, articles, one spelling of a non-UTF-8 name,
one MT105 per file, hints on MT102 and manifestVersion, verify --device alone, init."""

from __future__ import annotations

import os
import re
from pathlib import Path

from manifest_tools.device.preflight import Preflight, Summary
from manifest_tools.diagnostics import warning
from manifest_tools.manifest.jobtype import JobType
from manifest_tools.manifest.validate import validate_bytes
from manifest_tools.report.preflight import render_text
from tests.conftest import RunCli
from tests.manifests import IMPORT

from .test_sign_cli import KAT_FILE


def test_preflight_summary_counts_in_the_singular() -> None:
    p = Preflight("dev", "m.yaml", JobType.IMPORT, "EXT4", False, Summary(1, 1, 1, 0, 0),
                  (warning("MT603", "not a mount root"),))
    text = render_text(p)
    assert "1 file, 1 byte, 1 key, 0 ignored, 0 skipped, 0 errors, 1 warning" in text
    assert "1 warnings" not in text and "1 files" not in text


def test_job_types_are_named_with_their_article() -> None:
    assert [t.described for t in JobType] == ["an S3 import job", "an S3 export job",
                                              "an EBS import job", "a Glacier import job"]


def test_log_shows_a_non_utf8_name_one_way(run_cli: RunCli, tmp_path: Path) -> None:
    device = tmp_path / "dev"
    device.mkdir()
    with open(os.path.join(os.fsencode(device), b"caf\xe9.txt"), "wb") as handle:
        handle.write(b"hello")
    log = tmp_path / "import-log-EX1ID"
    log.write_text("DateTime,File,Status,Code,Key,MD5,Bytes,Content-Type\n")
    result = run_cli("log", str(log), "--device", str(device))
    assert result.code == 1
    line = next(ln for ln in result.out.splitlines() if "MT711" in ln)
    assert line.startswith("caf\\xe9.txt: error MT711 'caf\\xe9.txt' is on the device")
    assert "udce9" not in result.out


def test_tab_indentation_is_one_mt105_per_file() -> None:
    text = IMPORT.replace("  name:", "\tname:").replace("  city:", "\tcity:").replace(
        "  country:", "\tcountry:")
    found = [d for d in validate_bytes(text.encode(), "m.yaml").diagnostics]
    [tab] = [d for d in found if d.rule == "MT105"]
    assert (tab.line, tab.column) == (7, 1)
    assert tab.message == ("tab character in indentation (and on 2 more lines); indent with "
                           "spaces")


def test_bom_has_a_hint() -> None:
    [d] = validate_bytes(b"\xef\xbb\xbf" + IMPORT.encode(), "m.yaml").diagnostics
    assert d.rule == "MT102"
    assert d.hint is not None and "Encoding 'UTF-8' (not 'UTF-8 with BOM')" in d.hint


def test_verify_device_alone_says_nothing_was_compared(run_cli: RunCli, tmp_path: Path) -> None:
    device = tmp_path / "dev"
    device.mkdir()
    (device / "SIGNATURE").write_bytes(KAT_FILE)
    result = run_cli("verify", "--device", str(device))
    assert result.code == 0
    assert "result: ok" not in result.out
    assert "result: the file is a well-formed SIGNATURE; nothing was compared with the job" \
        in result.out
    assert "skip  job-matches: " in result.out and "give --status FILE" in result.out


def test_init_export_names_the_file_systems_the_validator_accepts(run_cli: RunCli) -> None:
    result = run_cli("init", "--job-type", "export")
    assert "# File system AWS writes on the device: NTFS, EXT2, EXT3, EXT4 or FAT32." \
        in result.out
    assert not re.search(r"^\s*company:", result.out, re.MULTILINE)  # optional: a comment
    assert "  # company: your company" in result.out
    # Filled in, every CHANGE-ME gone, the skeleton is valid; company needs no filling.
    filled = result.out.replace("accessKeyId: CHANGE-ME", "accessKeyId: AKIA2E0A8F3B244C9986")
    filled = re.sub(r"(notificationEmail): CHANGE-ME", r"\1: ops@example.com", filled)
    filled = re.sub(r"(\w+): CHANGE-ME", r"\1: x-value", filled).replace(
        "country: x-value", "country: USA").replace("exportBucket: x-value",
                                                    "exportBucket: example-bucket").replace(
        "logBucket: x-value", "logBucket: example-logs")
    assert validate_bytes(filled.encode(), "m.yaml").valid
