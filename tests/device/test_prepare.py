"""prepare on a folder device: the copy, the journal, the resume rules and the faults that a
folder can show (a source that changes during its copy, a read error, links and FIFOs)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from manifest_tools.device.journal import JournalRow, read_journal
from manifest_tools.device.prepare import TEMP_NAME, Hooks, prepare
from manifest_tools.errors import UsageError
from tests.device.test_preflight import SIGNATURE
from tests.manifests import IMPORT

MANIFEST = (IMPORT + "prefix: in/\nignore:\n  - \\.bak$\n").encode()


def _source(root: Path) -> dict[str, bytes]:
    files = {"a.txt": b"alpha\n", "photos/2015/beach.jpg": os.urandom(300_000),
             "photos/cat.jpg": b"\xff\xd8cat", "z/empty": b""}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "draft.bak").write_text("ignored by the manifest")
    return files


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every regular file below root: (bytes, mtime ns)."""
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            out[str(path.relative_to(root))] = (path.read_bytes(), path.stat().st_mtime_ns)
    return out


@pytest.fixture
def job(tmp_path: Path) -> tuple[Path, Path, Path]:
    src, dev = tmp_path / "src", tmp_path / "dev"
    src.mkdir()
    dev.mkdir()
    return src, dev, tmp_path / "journal"


def test_copy_hash_journal_signature(job: tuple[Path, Path, Path]) -> None:
    src, dev, journal = job
    files = _source(src)
    result = prepare(src, dev, MANIFEST, journal, signature=SIGNATURE, jobs=2)
    assert result.stopped is None and result.errors == 0, result.findings
    copied = _tree(dev)
    assert copied.pop("SIGNATURE")[0] == SIGNATURE
    # Files AWS would ignore are not copied; the rest byte for byte, mtime kept.
    assert set(copied) == set(files)
    for rel, data in files.items():
        assert copied[rel] == (data, (src / rel).stat().st_mtime_ns)
    rows = read_journal(str(journal)).rows
    assert set(rows) == set(files)
    for rel, data in files.items():
        row = rows[rel]
        assert (row.key, row.size, row.md5) == ("in/" + rel, len(data),
                                                hashlib.md5(data).hexdigest())
        assert row.mtime_ns == (src / rel).stat().st_mtime_ns
    assert (result.counts.copied, result.counts.ignored) == (4, 1)
    assert result.device_preflight is not None
    assert result.device_preflight.errors == 0
    assert result.signature is not None and result.signature.action == "written"


def test_resume_of_a_finished_job_copies_nothing(job: tuple[Path, Path, Path]) -> None:
    src, dev, journal = job
    _source(src)
    prepare(src, dev, MANIFEST, journal, signature=SIGNATURE)
    before, text = _tree(dev), journal.read_bytes()
    again = prepare(src, dev, MANIFEST, journal, signature=SIGNATURE)
    assert (again.counts.copied, again.counts.already) == (0, 4)
    assert again.clean, again.findings
    assert _tree(dev) == before
    assert journal.read_bytes() == text
    assert again.signature is not None and again.signature.action == "unchanged"


def test_resume_rules(job: tuple[Path, Path, Path]) -> None:
    src, dev, journal = job
    _source(src)
    prepare(src, dev, MANIFEST, journal)
    # A changed source, a device copy removed, a stray file, a leftover temporary.
    (src / "a.txt").write_bytes(b"alpha, edited\n")
    (dev / "photos" / "cat.jpg").unlink()
    (dev / "stray.txt").write_text("put here by hand")
    temp = dev / "photos" / ".mtprep-0123456789abcdef.tmp"
    temp.write_bytes(b"half a file")
    (dev / ".SIGNATURE.k2j4.tmp").write_bytes(b"version:2.0\n")  # a kill in its write
    result = prepare(src, dev, MANIFEST, journal)
    found = {(d.rule, d.path) for d in result.findings}
    assert ("MT808", "a.txt") in found  # changed since: copied again, and said so
    assert ("MT808", "photos/cat.jpg") in found  # device copy gone: copied again
    assert ("MT807", "stray.txt") in found  # the journal does not know it
    assert ("MT809", None) in found
    assert not temp.exists()
    assert sorted(result.removed_temporaries) == [".SIGNATURE.k2j4.tmp",
                                                  "photos/.mtprep-0123456789abcdef.tmp"]
    assert (dev / "a.txt").read_bytes() == b"alpha, edited\n"
    assert (result.counts.copied, result.counts.already) == (2, 2)
    rows = read_journal(str(journal)).rows
    assert rows["a.txt"].md5 == hashlib.md5(b"alpha, edited\n").hexdigest()
    assert "stray.txt" not in rows
    # The withdrawal came before the new row: the file's last record is the new row.
    assert journal.read_bytes().count(b"D\ta.txt\t") == 1


def test_journal_inside_the_device_or_source_is_refused(job: tuple[Path, Path, Path]) -> None:
    src, dev, _ = job
    _source(src)
    (src.parent / "alias").symlink_to(dev)  # the same folder by another name
    for journal in (dev / "j", src.parent / "alias" / "sub" / "j", src / "j"):
        with pytest.raises(UsageError, match="inside the"):
            prepare(src, dev, MANIFEST, journal)
    assert list(dev.iterdir()) == []


def test_findings_stop_before_anything_is_written(job: tuple[Path, Path, Path]) -> None:
    src, dev, journal = job
    _source(src)
    (src / "A.txt").write_text("only case differs")  # on any device: MT613 is a warning
    os.close(os.open(os.fsencode(src) + b"/latin1-\xe9.txt", os.O_CREAT | os.O_WRONLY))
    result = prepare(src, dev, MANIFEST, journal, signature=SIGNATURE)
    assert result.stopped is not None
    assert "MT605" in {d.rule for d in result.findings}
    assert list(dev.iterdir()) == []
    assert not journal.exists()


def test_dry_run_writes_nothing(job: tuple[Path, Path, Path]) -> None:
    src, dev, journal = job
    _source(src)
    result = prepare(src, dev, MANIFEST, journal, dry_run=True)
    assert result.stopped is None and result.counts.to_copy == 4
    assert list(dev.iterdir()) == [] and not journal.exists()


def test_links_and_fifos_are_never_followed(job: tuple[Path, Path, Path]) -> None:
    src, dev, journal = job
    _source(src)
    secret = src.parent / "outside.txt"
    secret.write_text("not part of the job")
    (src / "link").symlink_to(secret)
    os.mkfifo(src / "fifo")  # opening it would block forever
    result = prepare(src, dev, MANIFEST, journal)
    assert {(d.rule, d.path) for d in result.findings} >= {("MT617", "link"),
                                                          ("MT617", "fifo")}
    assert not (dev / "link").exists() and not (dev / "fifo").exists()
    assert set(read_journal(str(journal)).rows) == {"a.txt", "photos/2015/beach.jpg",
                                                    "photos/cat.jpg", "z/empty"}


def test_a_source_growing_during_its_copy_is_read_again(job: tuple[Path, Path, Path]) -> None:
    src, dev, journal = job
    _source(src)
    big = src / "photos" / "2015" / "beach.jpg"
    grown: list[int] = []

    def grow(relpath: str, done: int) -> None:
        if relpath == "photos/2015/beach.jpg" and not grown:
            grown.append(done)
            with big.open("ab") as f:
                f.write(b"appended while being copied")

    result = prepare(src, dev, MANIFEST, journal, jobs=1, hooks=Hooks(after_chunk=grow))
    assert grown and not any(d.is_error for d in result.findings), result.findings
    final = big.read_bytes()
    assert (dev / "photos" / "2015" / "beach.jpg").read_bytes() == final
    row = read_journal(str(journal)).rows["photos/2015/beach.jpg"]
    assert (row.size, row.md5) == (len(final), hashlib.md5(final).hexdigest())


def test_a_source_that_never_stops_changing_is_reported(job: tuple[Path, Path, Path]) -> None:
    src, dev, journal = job
    _source(src)
    big = src / "photos" / "2015" / "beach.jpg"

    def grow(relpath: str, done: int) -> None:
        if relpath == "photos/2015/beach.jpg":
            with big.open("ab") as f:
                f.write(b"+")

    result = prepare(src, dev, MANIFEST, journal, jobs=1, hooks=Hooks(after_chunk=grow),
                     signature=SIGNATURE)
    assert ("MT805", "photos/2015/beach.jpg") in {(d.rule, d.path) for d in result.findings}
    assert "photos/2015/beach.jpg" not in read_journal(str(journal)).rows
    assert not (dev / "photos" / "2015" / "beach.jpg").exists()
    assert not [p for p in _tree(dev) if TEMP_NAME.fullmatch(Path(p).name)]
    assert not (dev / "SIGNATURE").exists()  # not every file is there: not ready to ship
    assert not result.clean


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


def test_a_read_error_is_reported_and_the_rest_goes_on(job: tuple[Path, Path, Path]) -> None:
    """A real EIO: another process's /proc/PID/mem (a regular file whose offset 0 is not
    mapped) bind-mounted into the source."""
    if os.geteuid() != 0:
        pytest.skip("bind mounts need root")
    src, dev, journal = job
    _source(src)
    bad = src / "photos" / "bad.bin"
    bad.write_bytes(b"")
    proc = _sleeper()
    try:
        subprocess.run(["mount", "--bind", f"/proc/{proc.pid}/mem", str(bad)], check=True,
                       capture_output=True, timeout=60)
        try:
            result = prepare(src, dev, MANIFEST, journal, jobs=2)
        finally:
            subprocess.run(["umount", str(bad)], check=False, capture_output=True, timeout=60)
    finally:
        proc.kill()
        proc.wait()
    assert ("MT806", "photos/bad.bin") in {(d.rule, d.path) for d in result.findings}
    rows = read_journal(str(journal)).rows
    assert "photos/bad.bin" not in rows
    assert set(rows) == {"a.txt", "photos/2015/beach.jpg", "photos/cat.jpg", "z/empty"}
    assert not (dev / "photos" / "bad.bin").exists()


def test_verify_reads_back(job: tuple[Path, Path, Path]) -> None:
    src, dev, journal = job
    files = _source(src)
    result = prepare(src, dev, MANIFEST, journal, verify=True, signature=SIGNATURE)
    assert result.clean and result.counts.copied == len(files)


def test_a_journal_of_another_source_or_manifest_is_refused(
        job: tuple[Path, Path, Path]) -> None:
    src, dev, journal = job
    _source(src)
    prepare(src, dev, MANIFEST, journal)
    with pytest.raises(UsageError, match="another manifest"):
        prepare(src, dev, MANIFEST + b"# changed\n", journal)
    other = src.parent / "other"
    other.mkdir()
    with pytest.raises(UsageError, match="another source"):
        prepare(other, dev, MANIFEST, journal)


def test_a_large_file_hashed_by_a_second_thread(job: tuple[Path, Path, Path]) -> None:
    """Files of GROUP_LIMIT and more are hashed while read (a pipeline of buffers) and
    fsynced on their own; the MD5 is still that of the bytes written, growth still caught."""
    from manifest_tools.device.prepare import GROUP_LIMIT

    src, dev, journal = job
    big = src / "big.bin"
    src.mkdir(exist_ok=True)
    big.write_bytes(os.urandom(GROUP_LIMIT + 3 * 1024 * 1024 + 17))
    grown: list[int] = []

    def grow(relpath: str, done: int) -> None:
        if not grown and done >= 5 * 1024 * 1024:
            grown.append(done)
            with big.open("ab") as f:
                f.write(b"late")

    result = prepare(src, dev, MANIFEST, journal, hooks=Hooks(after_chunk=grow))
    assert grown and not any(d.is_error for d in result.findings), result.findings
    data = big.read_bytes()
    assert (dev / "big.bin").read_bytes() == data
    row = read_journal(str(journal)).rows["big.bin"]
    assert (row.size, row.md5) == (len(data), hashlib.md5(data).hexdigest())


def test_batches_made_durable_while_the_next_is_copied(job: tuple[Path, Path, Path],
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    """Group mode with batches of 3 files: each batch is synced, renamed and journaled by a
    thread of its own while the copy goes on; every file still ends on the device and in
    the journal exactly once, each row written only after its file was renamed into
    place."""
    from manifest_tools.device import prepare as module

    src, dev, journal = job
    files = {f"d{n % 4}/f{n:02d}.bin": os.urandom(n * 1000) for n in range(25)}
    for rel, data in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    monkeypatch.setattr(module, "BATCH_FILES", 3)
    assert module.group_durability("ext4")
    in_place: list[bool] = []
    threads: set[str] = set()

    def journaled(row: JournalRow) -> None:
        import threading

        in_place.append((dev / row.path).is_file())
        threads.add(threading.current_thread().name)

    result = prepare(src, dev, MANIFEST, journal, signature=SIGNATURE, jobs=4,
                     hooks=Hooks(after_row=journaled))
    assert result.stopped is None and result.errors == 0, result.findings
    assert len(in_place) == len(files) and all(in_place)
    assert any(name.startswith("prepare-sync") for name in threads)  # in the background
    rows = read_journal(str(journal)).rows
    assert {p: (r.size, r.md5) for p, r in rows.items()} == {
        p: (len(d), hashlib.md5(d).hexdigest()) for p, d in files.items()}
    copied = _tree(dev)
    copied.pop("SIGNATURE", None)
    assert {p: d for p, (d, _) in copied.items()} == files
