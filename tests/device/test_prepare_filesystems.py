"""prepare onto real file systems made and mounted by the tests (ext4 on a loop device, FAT32
through fusefat, NTFS through ntfs-3g; see test_filesystems.py), and what each cannot hold."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from manifest_tools.device.findings import Findings
from manifest_tools.device.journal import read_journal
from manifest_tools.device.prepare import prepare
from manifest_tools.device.target import target_checks
from tests.device.test_filesystems import Device, real_device
from tests.device.test_preflight import SIGNATURE
from tests.manifests import IMPORT

MANIFEST = IMPORT.encode()


def _source(root: Path) -> dict[str, bytes]:
    # fusefat writes ASCII names only (test_filesystems): ASCII names everywhere.
    files = {"notes.txt": b"hello\n", "photos/2015/beach.jpg": os.urandom(200_000),
             "photos/cat.jpg": b"\xff\xd8 cat"}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


@pytest.fixture(params=["ext4", "fat32", "ntfs"])
def dev(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Device]:
    with real_device(request.param, tmp_path) as d:
        yield d


def test_prepare_then_a_clean_device(dev: Device, tmp_path: Path) -> None:
    src = tmp_path / "src"
    files = _source(src)
    result = prepare(src, dev.root, MANIFEST, tmp_path / "journal", signature=SIGNATURE,
                     verify=True)
    assert result.clean, (result.findings, result.device_preflight)
    assert result.device_preflight is not None
    assert result.device_preflight.findings == ()  # a mount root, SIGNATURE, every key
    rows = read_journal(str(tmp_path / "journal")).rows
    for rel, data in files.items():
        assert (dev.root / rel).read_bytes() == data
        assert rows[rel].md5 == hashlib.md5(data).hexdigest()
    assert (dev.root / "SIGNATURE").read_bytes() == SIGNATURE
    again = prepare(src, dev.root, MANIFEST, tmp_path / "journal", signature=SIGNATURE)
    assert (again.counts.copied, again.counts.already) == (0, len(files))


def test_fat32_cannot_hold_case_pairs_or_windows_names(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _source(src)
    (src / "Photo.jpg").write_bytes(b"1")
    (src / "photo.jpg").write_bytes(b"2")
    (src / "a:b.txt").write_bytes(b"3")
    (src / "trailing.").write_bytes(b"4")
    with real_device("fat32", tmp_path) as d:
        result = prepare(src, d.root, MANIFEST, tmp_path / "journal", signature=SIGNATURE)
        left = os.listdir(d.root)
    found = {(f.rule, f.path) for f in result.findings}
    assert {("MT803", "photo.jpg"), ("MT801", "a:b.txt"), ("MT801", "trailing.")} <= found
    assert result.stopped is not None
    assert left == [] and not (tmp_path / "journal").exists()


def test_ntfs_as_windows_sees_it(tmp_path: Path) -> None:
    """ntfs-3g would store 'a:b' and 'Photo.jpg' beside 'photo.jpg'; Windows could not."""
    src = tmp_path / "src"
    _source(src)
    (src / "Photo.jpg").write_bytes(b"1")
    (src / "photo.jpg").write_bytes(b"2")
    (src / "CON").write_bytes(b"3")
    with real_device("ntfs", tmp_path) as d:
        result = prepare(src, d.root, MANIFEST, tmp_path / "journal")
        left = os.listdir(d.root)
    found = {(f.rule, f.path) for f in result.findings}
    assert {("MT803", "photo.jpg"), ("MT801", "CON")} <= found
    assert result.filesystem == "NTFS"
    assert left == []


def test_space_and_fat32_file_size_are_checked_before_copying(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _source(src)
    with open(src / "huge.bin", "wb") as f:  # sparse: no space taken here
        f.truncate(5 * 1024**3)
    with real_device("fat32", tmp_path) as d:
        result = prepare(src, d.root, MANIFEST, tmp_path / "journal")
        left = os.listdir(d.root)
    rules = {(f.rule, f.path) for f in result.findings}
    assert ("MT802", "huge.bin") in rules
    assert ("MT804", None) in rules
    assert left == []


def test_target_checks_by_file_system() -> None:
    files = [("a/B.txt", 1), ("A/b.txt", 1), ("x" * 256, 1), ("big", 5 * 1024**3)]
    for fs, expected in (("EXT4", {"MT801"}), ("FAT32", {"MT801", "MT802", "MT803"}),
                         ("NTFS", {"MT801", "MT803"}), ("HFS+", {"MT801", "MT803"})):
        findings = Findings()
        target_checks(files, fs, findings)
        assert {d.rule for d in findings.finish()} == expected, fs


def _resident(path: Path) -> int:
    """Bytes of the file in the page cache (util-linux fincore, mincore(2))."""
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return int(out.strip())


@pytest.mark.skipif(shutil.which("fincore") is None, reason="needs util-linux fincore")
def test_copies_go_past_the_page_cache_on_a_kernel_file_system(tmp_path: Path) -> None:
    """On ext4 the copies are written with direct I/O: none of their bytes enter the page
    cache but the tail that is not a whole block (written through it), so the copy leaves
    no write-back for the fsync to wait on and does not fill the cache. Both the pipeline
    of a large file and the one-thread copy of a small one; byte for byte, MD5 of the
    bytes written."""
    from manifest_tools.device.prepare import GROUP_LIMIT

    src = tmp_path / "src"
    src.mkdir()
    files = {"big.bin": os.urandom(GROUP_LIMIT + 5 * 1024 * 1024 + 123),
             "small.bin": os.urandom(1024 * 1024 + 7), "aligned.bin": os.urandom(8192)}
    for name, data in files.items():
        (src / name).write_bytes(data)
    with real_device("ext4", tmp_path) as d:
        result = prepare(src, d.root, MANIFEST, tmp_path / "journal", signature=SIGNATURE)
        assert result.clean, result.findings
        rows = read_journal(str(tmp_path / "journal")).rows
        for name, data in files.items():
            assert _resident(d.root / name) <= 4096, name
            assert (d.root / name).read_bytes() == data
            assert rows[name].md5 == hashlib.md5(data).hexdigest()


def test_a_direct_write_the_kernel_refuses_goes_through_the_page_cache(tmp_path: Path
                                                                       ) -> None:
    """A direct write from a buffer that is not aligned is refused by the kernel (EINVAL):
    it is written again through the page cache, and so is the rest of the file."""
    from manifest_tools.device.prepare import CopyWriter, direct_io

    with real_device("ext4", tmp_path) as d:
        target = d.root / "x"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            assert direct_io(fd)
            output = CopyWriter(fd, True)
            data = bytearray(os.urandom(3 * 4096 + 1))
            output.write(memoryview(data)[1:4097])  # aligned length, misaligned address
            assert not output.direct
            output.write(memoryview(data)[4097:])
            output.finish()
            os.fsync(fd)
        finally:
            os.close(fd)
        assert target.read_bytes() == bytes(data[1:])
