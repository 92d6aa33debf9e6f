"""device/preflight.py: one test per finding on generated device trees (folders here; real
file systems in test_filesystems.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from manifest_tools.device import preflight as pf
from manifest_tools.device.preflight import (
    KeyRow,
    Preflight,
    display_path,
    folder_name_problem,
    run_preflight,
)
from manifest_tools.diagnostics import Severity
from manifest_tools.errors import InputError, UsageError
from tests.manifests import ADDRESS

SIG = "Ara83XX0K7K15HeRcHM9hXMrNpw="
SIGNATURE = f"version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\nsignature:{SIG}\n".encode()
BASE = """\
manifestVersion: 2.0
accessKeyId: AKIA2E0A8F3B244C9986
deviceId: 49382
bucket: example-import-bucket
eraseDevice: yes
""" + ADDRESS
EXPORT = """\
manifestVersion: 2.0
accessKeyId: AKIA2E0A8F3B244C9986
deviceId: HD001
fileSystem: EXT4
pinCode: 1234
logBucket: example-log-bucket
operations:
  - exportBucket: example-export-bucket
    targetDirectory: myexport/images
  - exportBucket: example-archive-bucket
""" + ADDRESS


def device(root: Path, files: dict[str, bytes], signature: bool = True) -> Path:
    root.mkdir(exist_ok=True)
    if signature:
        (root / "SIGNATURE").write_bytes(SIGNATURE)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def check(root: Path, extra: str = "", base: str = BASE, **kw: object) -> Preflight:
    return run_preflight(root, (base + extra).encode(), "m.yaml", **kw)  # type: ignore[arg-type]


def rules(result: Preflight, severity: Severity | None = None) -> set[str]:
    return {d.rule for d in result.findings if severity is None or d.severity is severity}


def of(result: Preflight, rule: str) -> list[str | None]:
    return [d.path for d in result.findings if d.rule == rule]


def test_clean_folder_has_only_the_rehearsal_warning(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"a/b.txt": b"data", "c.txt": b"x"})
    result = check(root)
    assert rules(result) == {"MT603"}
    s = result.summary
    assert (s.files, s.bytes, s.keys, s.ignored, s.skipped) == (3, len(SIGNATURE) + 5, 2, 1, 0)


def test_missing_signature_mt601(tmp_path: Path) -> None:
    result = check(device(tmp_path / "dev", {"a": b"1"}, signature=False))
    assert of(result, "MT601") == ["SIGNATURE"]
    assert result.errors == 1


def test_signature_that_is_a_folder_or_link_mt601(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"SIGNATURE/x": b"1"}, signature=False)
    assert "a dir" in next(d.message for d in check(root).findings if d.rule == "MT601")
    other = device(tmp_path / "dev2", {"real": SIGNATURE}, signature=False)
    (other / "SIGNATURE").symlink_to("real")
    result = check(other)
    assert "a symlink" in next(d.message for d in result.findings if d.rule == "MT601")
    assert "MT617" not in rules(result)  # the SIGNATURE link is reported once, as MT601


def test_misplaced_and_misspelt_signature_mt602(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"sub/SIGNATURE": SIGNATURE, "signature": SIGNATURE,
                                     "SIGNATURE.txt": b"x", "SIGNATURES": b"not one"})
    assert sorted(p or "" for p in of(check(root), "MT602")) == [
        "SIGNATURE.txt", "signature", "sub/SIGNATURE"]


def test_root_signature_is_ignored_with_reason(tmp_path: Path) -> None:
    rows: list[KeyRow] = []
    check(device(tmp_path / "dev", {"a": b"1"}), on_rows=rows.extend)
    assert rows[0] == ("SIGNATURE", "SIGNATURE", len(SIGNATURE), "ignored", "signature")
    assert rows[1] == ("a", "a", 1, "import", "")


def test_not_a_mount_root_mt603_and_filesystem(tmp_path: Path) -> None:
    result = check(device(tmp_path / "dev", {}))
    assert of(result, "MT603") == [None]
    assert not result.mount_root


def test_unsupported_filesystem_mt604_is_an_error_at_a_mount_root(tmp_path: Path) -> None:
    # /dev/shm is a tmpfs mount root on Linux: AWS reads no tmpfs.
    shm = Path("/dev/shm")
    if not os.path.ismount(shm):
        pytest.skip("no /dev/shm mount on this machine")
    result = run_preflight(shm, BASE.encode(), "m.yaml")
    assert result.filesystem == "TMPFS"
    assert [d.severity for d in result.findings if d.rule == "MT604"] == [Severity.ERROR]


def test_unsupported_filesystem_in_a_folder_is_a_warning(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not os.path.ismount(shm):
        pytest.skip("no /dev/shm mount on this machine")
    folder = shm / f"mt-preflight-{os.getpid()}"
    folder.mkdir()
    try:
        result = run_preflight(folder, BASE.encode(), "m.yaml")
    finally:
        folder.rmdir()
    assert [d.severity for d in result.findings if d.rule == "MT604"] == [Severity.WARNING]


def test_invalid_utf8_name_mt605_is_skipped_and_shown_escaped(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {})
    os.close(os.open(os.fsencode(root) + b"/caf\xe9\n.txt", os.O_CREAT | os.O_WRONLY))
    rows: list[KeyRow] = []
    result = check(root, on_rows=rows.extend)
    assert of(result, "MT605") == ["caf\\xe9\\n.txt"]
    assert rows[1] == ("caf\\xe9\\n.txt", "", 0, "skipped", "MT605")
    assert result.summary.skipped == 1
    assert result.summary.keys == 0


def test_file_over_5_tb_mt606(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {})
    big = root / "huge.bin"
    with open(big, "wb") as f:
        try:
            f.truncate(5 * 1024**4 + 1)  # sparse: no blocks are written
        except OSError:
            pytest.skip("this file system cannot hold a sparse 5 TB file")
    rows: list[KeyRow] = []
    result = check(root, on_rows=rows.extend)
    assert of(result, "MT606") == ["huge.bin"]
    assert rows[1][3] == "skipped"
    assert rows[1][4] == "MT606"


def test_key_over_1024_bytes_mt607_counts_utf8_bytes(tmp_path: Path) -> None:
    name = "\u00e9" * 100  # 200 bytes of UTF-8 per folder name
    deep = "/".join([name] * 5) + "/f"  # 5 * 201 + 1 = 1006 bytes of path
    root = device(tmp_path / "dev", {deep: b"1"})
    assert check(root, "prefix: 12345678901234567\n").summary.keys == 1  # 1023 bytes
    result = check(root, "prefix: 123456789012345678901\n")  # 1027 bytes
    assert of(result, "MT607") == [deep]
    assert result.summary.keys == 0


def test_key_collision_after_substitution_mt608_names_both(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"a b.txt": b"1", "a_b.txt": b"2", "other": b"3"})
    result = check(root, "substitutions:\n  ' ': _\n")
    [message] = [d.message for d in result.findings if d.rule == "MT608"]
    assert "a b.txt and a_b.txt" in message
    assert "'a_b.txt'" in message
    assert "MT613" not in rules(result)


def test_substitution_emptying_a_name_mt609(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"tmp/x.txt": b"1", "keep/tmp.txt": b"2"})
    result = check(root, "substitutions:\n  tmp: ''\n")
    assert of(result, "MT609") == ["tmp/x.txt"]  # key '/x.txt'; '.txt' is still a name


def test_characters_s3_advises_against_mt610(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"a{1}.txt": b"1", "plain name.txt": b"2"})
    assert of(check(root), "MT610") == ["a{1}.txt"]


def test_ignore_patterns_and_unusable_pattern_mt611(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"a.bak": b"1", "backup/x": b"2", "keep.txt": b"3"})
    rows: list[KeyRow] = []
    result = check(root, "ignore:\n  - \\.bak$\n  - ^backup/\n  - \\p{L}\n",
                   on_rows=rows.extend)
    assert [(r[0], r[3], r[4]) for r in rows] == [
        ("SIGNATURE", "ignored", "signature"), ("a.bak", "ignored", "ignore:\\.bak$"),
        ("backup/x", "ignored", "ignore:^backup/"), ("keep.txt", "import", "")]
    [bad] = [d for d in result.findings if d.rule == "MT611"]
    assert not bad.message.startswith("m.yaml")  # the place is in source/line/column
    assert (bad.source, bad.line, bad.column, bad.pointer) == ("m.yaml", 17, 5, "/ignore/2")


def test_empty_substitution_mt612(tmp_path: Path) -> None:
    result = check(device(tmp_path / "dev", {"a": b"1"}), "substitutions:\n  '': x\n")
    assert "MT612" in rules(result, Severity.ERROR)


def test_case_only_collision_mt613(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"Photo.JPG": b"1", "photo.jpg": b"2"})
    result = check(root)
    assert of(result, "MT613") == ["Photo.JPG"]
    assert "MT608" not in rules(result)


def test_device_over_16_tb_mt614(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {})
    for n in range(4):
        with open(root / f"part{n}", "wb") as f:
            try:
                f.truncate(4 * 1024**4 + 1)  # sparse
            except OSError:
                pytest.skip("this file system cannot hold sparse 4 TB files")
    result = check(root)
    assert of(result, "MT614") == [None]


def test_empty_file_and_folder_mt615_mt616(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"empty.txt": b"", "full/x": b"1"})
    (root / "void").mkdir()
    result = check(root)
    assert of(result, "MT615") == ["empty.txt"]
    assert of(result, "MT616") == ["void"]


def test_special_files_mt617_and_never_followed(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"real/x": b"1"})
    (root / "link").symlink_to("real")
    (root / "loop").symlink_to("loop")
    os.mkfifo(root / "fifo")
    rows: list[KeyRow] = []
    result = check(root, on_rows=rows.extend)
    assert sorted(p or "" for p in of(result, "MT617")) == ["fifo", "link", "loop"]
    assert [r[0] for r in rows if r[3] == "import"] == ["real/x"]


def test_unreadable_folder_mt618(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = device(tmp_path / "dev", {"locked/x": b"1", "open/y": b"2"})
    real_open = os.open

    def refuse(path: object, flags: int, *args: object, **kw: object) -> int:
        if path in (b"locked", "locked"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse)  # the walk calls os.open
    result = check(root)
    assert of(result, "MT618") == ["locked"]
    assert result.summary.keys == 1  # open/y was still walked


def status_json(manifest: str, contents: bytes = SIGNATURE) -> bytes:
    import json

    return json.dumps({"JobId": "EX1ID", "JobType": "Import", "Signature": SIG,
                       "SignatureFileContents": contents.decode(), "ProgressCode": "Pending",
                       "CurrentManifest": manifest}).encode()


def test_status_failures_become_mt619(tmp_path: Path) -> None:
    """The verifier's failed checks are merged as findings; a check about the SIGNATURE
    says so itself (``Check.about_signature``), no name is guessed from."""
    from manifest_tools.job.preflight import check_finding
    from manifest_tools.job.verification import Check

    root = device(tmp_path / "dev", {"a": b"1"})
    failed = [Check("device-file-matches", False, "differs", about_signature=True),
              Check("manifest-matches", False, "differs too")]
    result = check(root, extra_findings=[check_finding(c) for c in failed])
    assert [(d.path, d.message) for d in result.findings if d.rule == "MT619"] == [
        ("SIGNATURE", "device-file-matches: differs"), (None, "manifest-matches: differs too")]
    assert "MT619" not in rules(check(root))


def test_export_collisions_names_and_notes_mt620_mt621(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"myexport/images/old.jpg": b"1"})
    result = check(root, base=EXPORT)
    assert of(result, "MT620") == ["myexport/images"]
    assert any("not available offline" in n for n in result.notes)
    assert result.summary.keys == 0
    bad = EXPORT.replace("targetDirectory: myexport/images", "targetDirectory: 'a:b'")
    fat = run_preflight(root, bad.encode(), "m.yaml")
    assert of(fat, "MT621") == []  # EXT4 allows ':'
    assert folder_name_problem("a:b", "NTFS") is not None
    assert folder_name_problem("CON", "FAT32") is not None
    assert folder_name_problem("x" * 256, "EXT4") is not None
    assert folder_name_problem("ok name", "FAT32") is None
    recovery = EXPORT + "recoveryDirectory: 'bad/name.'\n"
    assert "MT621" not in rules(run_preflight(root, recovery.encode(), "m.yaml"))


def test_export_recovery_directory_exists_mt620(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"EXPORT-RECOVERY/0000/0000": b"1"})
    assert "EXPORT-RECOVERY" in of(check(root, base=EXPORT), "MT620")


def test_findings_are_capped_per_rule_mt623(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pf, "FINDINGS_PER_RULE", 3)
    root = device(tmp_path / "dev", {f"e{n}": b"" for n in range(5)})
    result = check(root)
    assert len(of(result, "MT615")) == 3
    [more] = [d.message for d in result.findings if d.rule == "MT623"]
    assert more.startswith("2 more MT615 findings")


def test_manifest_errors_are_findings_and_other_jobs_refused(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"a": b"1"})
    result = run_preflight(root, b"manifestVersion: 2.0\nbucket: b-b\n", "m.yaml")
    assert "MT201" in rules(result, Severity.ERROR)
    glacier = (Path(__file__).parents[2] / "samples/valid/glacier-import.yaml").read_bytes()
    with pytest.raises(UsageError, match="this manifest is a Glacier import job"):
        run_preflight(root, glacier, "g.yaml")
    with pytest.raises(InputError):
        run_preflight(tmp_path / "missing", BASE.encode(), "m.yaml")


def test_preflight_never_writes(tmp_path: Path) -> None:
    root = device(tmp_path / "dev", {"a/b": b"1", "c": b"", "d/e/f": b"xyz"})

    def snapshot() -> list[tuple[str, int, int]]:
        out = []
        for dirpath, dirs, files in os.walk(root):
            for name in dirs + files:
                st = os.lstat(os.path.join(dirpath, name))
                out.append((os.path.join(dirpath, name), st.st_mtime_ns, st.st_size))
        return sorted(out)

    before = snapshot()
    check(root, "substitutions:\n  a: b\n")
    assert snapshot() == before


def test_display_path_escapes_only_unclean_names() -> None:
    assert display_path("plain/caf\u00e9.txt") == "plain/caf\u00e9.txt"
    assert display_path("a\nb\\c\udcff\x1b") == "a\\nb\\\\c\\xff\\x1b"


Progress = Callable[[pf.Summary], object]


def test_progress_is_called_with_running_totals(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pf, "PROGRESS_EVERY", 2)
    # Progress comes between runs of files (one per folder here).
    root = device(tmp_path / "dev", {f"d{n}/f": b"ab" for n in range(5)})
    seen: list[tuple[int, int]] = []
    progress: Progress = lambda s: seen.append((s.files, s.bytes))  # noqa: E731
    check(root, progress=progress)
    assert seen[-1] == (6, 10 + len(SIGNATURE))
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)
    assert len(seen) >= 3


def test_fast_and_full_paths_give_the_same_rows_and_findings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of clean names take the fast path; the full path must agree row for row, in
    order, including files it hands back (empty, ignored) and across row batches."""
    files = {f"d{n % 7}/f{n:04d}.txt": b"x" * (n % 3) for n in range(600)}
    files.update({"d1/ignored.bak": b"1", "d2/we{ird}.txt": b"2", "d3/SIGNATURE": b"3"})
    root = device(tmp_path / "dev", files)
    extra = "prefix: p-\nignore:\n  - \\.bak$\nsubstitutions:\n  d: D\n"
    monkeypatch.setattr(pf, "ROWS_BATCH", 16)
    fast: list[KeyRow] = []
    fast_result = check(root, extra, on_rows=fast.extend)
    monkeypatch.setattr(pf, "FAST_PATH", False)
    full: list[KeyRow] = []
    full_result = check(root, extra, on_rows=full.extend)
    assert fast == full
    assert len(fast) == len(files) + 1
    assert fast_result.summary == full_result.summary
    assert fast_result.findings == full_result.findings


def test_unanchored_and_wildcard_ignore_patterns_skip_no_file_on_the_fast_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Patterns like the sample manifest's (``^.*\\.bak$``, ``^tmp/.*``) and plain text
    found anywhere are decided a folder at a time on the fast path too; every file they
    match is still ignored, as the full path finds."""
    files = {name: b"1" for name in [
        "a.bak", "d/b.bak", "d/b.bakx", "tmp/x.txt", "tmpx/y.txt", "d/tmp/z.txt",
        "e/.DS_Store", "e/f.DS_Storey", "g/ok.txt", "h.DS_Store/k.txt", "Thumbs.db",
        "i/Thumbs.dbx", "j/k/l.txt"]}
    root = device(tmp_path / "dev", files)
    extra = ("ignore:\n  - ^.*\\.bak$\n  - ^tmp/.*\n  - \\.DS_Store\n  - Thumbs\\.db.*\n"
             "substitutions:\n  k: K\n")
    fast = _fast_and_full(root, extra, monkeypatch)
    ignored = {row[0] for row in fast if row[3] == "ignored"} - {"SIGNATURE"}
    assert ignored == {"a.bak", "d/b.bak", "tmp/x.txt", "e/.DS_Store", "e/f.DS_Storey",
                       "h.DS_Store/k.txt", "Thumbs.db", "i/Thumbs.dbx"}


def test_keys_of_a_run_substituted_at_once_are_those_of_s3_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path substitutes a folder's names joined by '/' in one go: substitutions
    that chain, overlap and touch a name's ends, under a prefix with and without a final
    '/', give the keys ``KeyRules.s3_key`` gives file by file."""
    files = {name: b"1" for name in [
        "aa.txt", "aaa", "ba/ab", "b a/a b a", "x/aab/baa", "x/a", "abab/abab.abab"]}
    root = device(tmp_path / "dev", files)
    for prefix in ("p/", "pa", "", "a"):
        extra = f"prefix: '{prefix}'\nsubstitutions:\n  aa: a\n  ab: ba\n  ' ': _a\n"
        assert len(_fast_and_full(root, extra, monkeypatch)) == len(files) + 1


def _fast_and_full(root: Path, extra: str, monkeypatch: pytest.MonkeyPatch) -> list[KeyRow]:
    """The rows of the fast path, after checking that the full path gives the same rows
    and findings."""
    fast: list[KeyRow] = []
    fast_result = check(root, extra, on_rows=fast.extend)
    with monkeypatch.context() as patched:
        patched.setattr(pf, "FAST_PATH", False)
        full: list[KeyRow] = []
        full_result = check(root, extra, on_rows=full.extend)
    assert fast == full
    assert fast_result.findings == full_result.findings
    return fast


def test_anchored_ignore_patterns_skip_no_file_on_the_fast_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain-text patterns anchored at one end are decided a folder at a time on the fast
    path; every file they match is still ignored, as the full path finds: suffixes ending
    a name or not, prefixes shorter and longer than the folder path, a suffix with '/'."""
    files = {name: b"1" for name in [
        "r.tmp", "sc", "scr.txt", "scratch/a.txt", "scratch/deep/b.txt", "scratchy/c.txt",
        "d/x.tmp", "d/y.tmpx", "d/yes.txt", "d/no.txt", "e/a/b.txt", "e/a/c.txt",
        "f/q.tmp.bak", "g/scratch/z.txt"]}
    root = device(tmp_path / "dev", files)
    extra = ("ignore:\n  - \\.tmp$\n  - ^scratch/\n  - ^d/y\n  - ^sc\n  - a/b\\.txt$\n"
             "  - ^g/scratch/z\\.txt\n")
    fast: list[KeyRow] = []
    fast_result = check(root, extra, on_rows=fast.extend)
    monkeypatch.setattr(pf, "FAST_PATH", False)
    full: list[KeyRow] = []
    full_result = check(root, extra, on_rows=full.extend)
    assert fast == full
    assert fast_result.findings == full_result.findings
    ignored = {row[0]: row[4] for row in fast if row[3] == "ignored"}
    assert ignored == {
        "r.tmp": "ignore:\\.tmp$", "d/x.tmp": "ignore:\\.tmp$", "sc": "ignore:^sc",
        "scr.txt": "ignore:^sc", "scratch/a.txt": "ignore:^scratch/",
        "scratch/deep/b.txt": "ignore:^scratch/", "scratchy/c.txt": "ignore:^sc",
        "d/y.tmpx": "ignore:^d/y", "d/yes.txt": "ignore:^d/y", "e/a/b.txt": "ignore:a/b\\.txt$",
        "g/scratch/z.txt": "ignore:^g/scratch/z\\.txt", "SIGNATURE": "signature"}


def test_the_clean_name_check_agrees_with_the_pattern() -> None:
    """``plain_name`` (the fast check of a run's names) is True exactly when ``UNUSUAL`` finds
    nothing: every character up to U+3000, the surrogate escapes, and mixes of them."""
    import random

    chars = [chr(c) for c in range(0x3000)] + [chr(c) for c in range(0xDC80, 0xDD00)]
    texts = [*chars, *("photo " + c + ".jpg" for c in chars), "", "a/b c.txt"]
    rng = random.Random(24)
    texts += ["".join(rng.choice(chars[:300]) for _ in range(rng.randint(1, 12)))
              for _ in range(3000)]
    for text in texts:
        assert pf.plain_name(text) == (pf.UNUSUAL.search(text) is None), repr(text)
