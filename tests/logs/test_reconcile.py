"""Reconciling a log with a device tree with planted differences, on tmp and on real ext4."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from manifest_tools.device.keys import KeyRules
from manifest_tools.logs.model import LogRow
from manifest_tools.logs.read import LogReader
from manifest_tools.logs.reconcile import Reconciliation, reconcile
from manifest_tools.logs.write import LogWriter, format_log

from .conftest import BUCKET, FILES, D, log_for, make_device


def run(log: str, root: Path | None, rules: KeyRules | None = None,
        error_count: int | None = None, jobs: int | None = None) -> Reconciliation:
    reader = LogReader(io.BytesIO(log.encode()), "import-log-TSTD1")
    return reconcile(reader, device=str(root) if root else None, rules=rules,
                     error_count=error_count, jobs=jobs)


def found(result: Reconciliation) -> list[tuple[str, str | None]]:
    return [(d.rule, d.path) for d in result.findings]


def plant(root: Path) -> str:
    """The device as shipped, its log, then the differences planted after the job."""
    make_device(root)
    log = log_for(root)
    # A failed row: AWS could not apply a substitution to this file.
    log = log.replace(f",images/chewie.gif,200,OK,{BUCKET}/images/chewie.gif,"
                      f"{hashlib.md5(FILES['images/chewie.gif']).hexdigest()},2000,"
                      "binary/octet-stream",
                      ",images/chewie.gif,400,InvalidSubstitution,,,2000,")
    (root / "NOTICE.txt").unlink()  # missing file
    tif = bytearray(FILES["images/chewie.tif"])
    tif[40000] ^= 0x01
    (root / "images/chewie.tif").write_bytes(bytes(tif))  # one changed byte
    (root / "images/wookie1.jpg").write_bytes(FILES["images/wookie1.jpg"][:1000])  # cut
    (root / "extra.txt").write_bytes(b"added after the job")  # extra file
    return log


EXPECTED = [
    ("MT705", "images/chewie.gif"),
    ("MT711", "extra.txt"),
    ("MT713", "images/wookie1.jpg"),
    ("MT712", "NOTICE.txt"),
    ("MT714", "images/chewie.tif"),
]
RETRY = ["extra.txt", "images/chewie.gif", "images/chewie.tif", "images/wookie1.jpg"]


def test_a_clean_device_matches(tmp_path: Path) -> None:
    make_device(tmp_path)
    result = run(log_for(tmp_path), tmp_path)
    assert found(result) == [] and result.clean and result.retry == []
    assert result.device is not None
    assert (result.device.files, result.device.hashed, result.device.md5_equal) == (9, 8, 8)


@pytest.mark.parametrize("jobs", [1, 2, 8])
def test_planted_differences(tmp_path: Path, jobs: int) -> None:
    result = run(plant(tmp_path), tmp_path, jobs=jobs)
    assert found(result) == EXPECTED
    assert result.retry == RETRY and not result.clean
    failed = result.findings[0]
    assert "substitution could not be applied" in failed.message and failed.line == 5


def test_planted_differences_on_a_real_ext4(ext4: Path) -> None:
    log = plant(ext4)
    result = run(log, ext4)
    assert found(result) == EXPECTED and result.retry == RETRY


def test_only_files_whose_size_matches_are_hashed(tmp_path: Path) -> None:
    result = run(plant(tmp_path), tmp_path)
    assert result.device is not None
    # 9 files on the device: extra (no row), SIGNATURE (ignored), chewie.gif (failed) and the
    # cut wookie1.jpg are not read; the other 5 are.
    assert result.device.hashed == 5 and result.device.md5_equal == 4


def test_log_alone_without_device(tmp_path: Path) -> None:
    result = run(plant(tmp_path), None, error_count=1)
    assert found(result) == [("MT705", "images/chewie.gif")]
    assert result.retry == ["images/chewie.gif"] and result.device is None
    assert [d.rule for d in run(plant(tmp_path / "x"), None, error_count=2).findings] == \
        ["MT705", "MT706"]


def test_multipart_etag_is_not_compared(tmp_path: Path) -> None:
    make_device(tmp_path, {"big.bin": b"x" * 100})
    out = io.StringIO(newline="")
    LogWriter(out).loaded("big.bin", f"{BUCKET}/big.bin", "0" * 32 + "-3", 100)
    result = run(out.getvalue(), tmp_path)
    assert [(d.rule, d.severity.value) for d in result.findings] == [("MT715", "warning")]
    assert "multipart" in result.findings[0].message and result.clean
    assert result.device is not None and result.device.hashed == 0


def test_matching_by_key_and_key_rules(tmp_path: Path) -> None:
    make_device(tmp_path, {"images/a.jpg": b"a", "backup/old.txt": b"o", "b.psd": b"p"})
    rules = KeyRules.from_manifest({"prefix": "pre/", "ignore": [r"^backup/"],
                                    "substitutions": {"images/": "img/"}})
    rows = [
        # Matched by key: the log names the file differently (e.g. NFD vs NFC on another OS).
        LogRow(0, D, "IMAGES/A.JPG", "200", "OK", f"/{BUCKET}/pre/img/a.jpg",
               hashlib.md5(b"a").hexdigest(), 1, ""),
        LogRow(0, D, "/backup/old.txt", "103", "Ignored", "", "", 1, ""),
        LogRow(0, D, "b.psd", "103", "Ignored", "", "", 1, ""),  # no pattern asked for it
    ]
    result = run(format_log(rows), tmp_path, rules)
    assert found(result) == [("MT716", "b.psd")] and result.retry == ["b.psd"]


def test_key_differs_from_the_rules(tmp_path: Path) -> None:
    make_device(tmp_path, {"a.txt": b"a"})
    rows = [LogRow(0, D, "a.txt", "200", "OK", f"{BUCKET}/other/a.txt",
                   hashlib.md5(b"a").hexdigest(), 1, "")]
    result = run(format_log(rows), tmp_path, KeyRules(prefix="pre/"))
    assert found(result) == [("MT717", "a.txt")] and result.clean


def test_unicode_normalisation_matches(tmp_path: Path) -> None:
    nfd = "cafe\u0301.txt"
    make_device(tmp_path, {nfd: b"c"})
    rows = [LogRow(0, D, "caf\u00e9.txt", "200", "OK", f"{BUCKET}/caf\u00e9.txt",
                   hashlib.md5(b"c").hexdigest(), 1, "")]
    assert found(run(format_log(rows), tmp_path)) == []


def test_duplicate_rows_and_unreadable_file(tmp_path: Path) -> None:
    make_device(tmp_path, {"a.txt": b"a"})
    row = LogRow(0, D, "a.txt", "200", "OK", f"{BUCKET}/a.txt", hashlib.md5(b"a").hexdigest(),
                 1, "")
    os.chmod(tmp_path / "a.txt", 0)
    result = run(format_log([row, row]), tmp_path)
    expected = [("MT719", "a.txt")]
    if os.geteuid() != 0:  # root reads a mode-000 file
        expected.append(("MT718", "a.txt"))
    assert found(result) == expected


def test_symlink_named_by_a_row_is_not_followed(tmp_path: Path) -> None:
    make_device(tmp_path, {"real.txt": b"r"})
    (tmp_path / "link.txt").symlink_to("real.txt")
    rows = [LogRow(0, D, n, "200", "OK", f"{BUCKET}/{n}", hashlib.md5(b"r").hexdigest(), 1,
                   "") for n in ("real.txt", "link.txt")]
    assert found(run(format_log(rows), tmp_path)) == [("MT718", "link.txt")]


def test_not_utf8_name_on_the_device(tmp_path: Path) -> None:
    make_device(tmp_path, {})
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"x")
    result = run("", tmp_path)
    assert ("MT711", os.fsdecode(b"caf\xe9.txt")) in found(result)
    assert result.retry == [os.fsdecode(b"caf\xe9.txt")]


def test_export_log_matches_by_path_only(tmp_path: Path) -> None:
    """An export writes <bucket>/<key> on the device; the import key rules do not apply."""
    make_device(tmp_path, {"mybucket/photos/a.jpg": b"a", "mybucket/photos/b.jpg": b"b"})
    rows = [LogRow(0, D, "/mybucket/photos/a.jpg", "200", "OK", "/mybucket/photos/a.jpg",
                   hashlib.md5(b"a").hexdigest(), 1, "image/jpeg"),
            LogRow(0, D, "mybucket/photos/b.jpg", "200", "OK", "mybucket/photos/b.jpg",
                   hashlib.md5(b"X").hexdigest(), 1, "image/jpeg")]
    reader = LogReader(io.BytesIO(format_log(rows).encode()), "logs/export-log-53TX4")
    result = reconcile(reader, device=str(tmp_path), rules=KeyRules(prefix="ignored/"))
    assert result.kind.value == "export"
    assert found(result) == [("MT714", "mybucket/photos/b.jpg")]
    assert "not written by the export" not in str(result.findings)


def test_md5_findings_come_in_path_order_with_any_number_of_jobs(tmp_path: Path) -> None:
    """Threads finish in any order; the report must not: findings sorted by path."""
    files = {f"d/f{n:03d}.bin": bytes([n]) * (5000 - 40 * n) for n in range(60)}
    root = tmp_path / "dev"
    make_device(root, files)
    log = log_for(root)
    for name, data in files.items():  # every file changed after the job, size kept
        (root / name).write_bytes(bytes([255 - data[0]]) * len(data))
    results = [run(log, root, jobs=jobs) for jobs in (1, 2, 8)]
    paths = [d.path for d in results[0].findings if d.rule == "MT714"]
    assert paths == sorted(files)
    assert all(found(r) == found(results[0]) for r in results)


def test_overflow_of_any_rule_is_reported_in_the_one_wording(tmp_path: Path) -> None:
    """MT719 (rows of the index) is capped and its overflow reported like every rule's, in
    the device checks' wording (diagnostics.Capped); it used to be dropped silently."""
    files = {f"f{i:03}": b"x" for i in range(205)}
    make_device(tmp_path, files)
    log = log_for(tmp_path)
    body = log.split("\r\n", 1)[1]
    result = run(log + body, tmp_path)
    mt719 = [d for d in result.findings if d.rule == "MT719"]
    assert len(mt719) == 201
    # 205 files and the SIGNATURE's row, each listed twice
    assert mt719[-1].message == "6 more MT719 findings not listed (206 in all)"
    assert mt719[-1].severity.value == "warning"
