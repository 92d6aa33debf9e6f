"""The preflight and write-signature on real file systems, made and mounted by the tests.

ext4 through a loop device, FAT32 through fusefat, NTFS through ntfs-3g: each image is a
sparse 64 MiB file in the test's tmp dir, mounted on a folder next to it and unmounted (loop
device detached) in teardown, whatever the test did. Skipped, with the reason, only where
mounting is impossible (not root, no /dev/fuse or loop devices, tools not installed: .ci/run
installs them, so CI is never such a place).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from manifest_tools.device.mounts import boot_sector_type, find_mount
from manifest_tools.device.preflight import run_preflight
from tests import cputime, mounts
from tests.conftest import RunCli
from tests.device.test_preflight import BASE, SIGNATURE

pytestmark = pytest.mark.slow  # real file systems, made and mounted

TOOLS = {"ext4": ["mkfs.ext4", "losetup", "mount", "umount"],
         "fat32": ["mkfs.vfat", "fusefat", "umount"],
         "ntfs": ["mkntfs", "ntfs-3g", "umount"]}
NAMES = {"ext4": "EXT4", "fat32": "FAT", "ntfs": "NTFS"}
PACKAGES = "e2fsprogs dosfstools fusefat ntfs-3g fuse3"


def _cannot_mount(kind: str) -> str | None:
    if os.geteuid() != 0:
        return "mounting needs root"
    missing = [t for t in TOOLS[kind] if shutil.which(t) is None]
    if missing:
        return f"{', '.join(missing)} not installed (apt-get install {PACKAGES})"
    if kind == "ext4" and not os.path.exists("/dev/loop-control"):
        return "no loop devices (/dev/loop-control)"
    if kind != "ext4" and not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    return None


def _run(*cmd: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=cputime.BACKSTOP,
                          check=False)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout.strip()


def _mounted(point: Path) -> bool:
    with open("/proc/self/mountinfo", encoding="utf-8") as table:
        return any(line.split()[4] == str(point) for line in table)


@dataclass
class Device:
    kind: str
    root: Path
    image: Path

    def digest(self) -> str:
        os.sync()
        with open(self.image, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()


def _make(kind: str, image: Path, mnt: Path) -> str | None:
    """Format and mount; returns the loop device to detach, if any."""
    if kind == "ext4":
        # No lazy initialisation: a background thread would write to the image later.
        _run("mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0",
             str(image))
        with mounts.loop_setup():
            loop = _run("losetup", "--find", "--show", str(image))
        try:
            _run("mount", "-o", "noatime", loop, str(mnt))
        except BaseException:
            _run("losetup", "-d", loop)
            raise
        return loop
    if kind == "fat32":
        _run("mkfs.vfat", "-F", "32", str(image))
        _run("fusefat", "-o", "rw+", str(image), str(mnt))
    else:
        _run("mkntfs", "-q", "-F", "-f", str(image))
        _run("ntfs-3g", "-o", "noatime", str(image), str(mnt))
    return None


def _unmount(mnt: Path, loop: str | None) -> None:
    os.sync()
    for attempt in (["umount", str(mnt)], ["umount", "-l", str(mnt)]):
        if not _mounted(mnt):
            break
        subprocess.run(attempt, capture_output=True, timeout=cputime.BACKSTOP, check=False)
    if loop is not None:
        subprocess.run(["losetup", "-d", loop], capture_output=True, timeout=cputime.BACKSTOP,
                       check=False)
    assert not _mounted(mnt), f"{mnt} is still mounted"


@contextmanager
def real_device(kind: str, where: Path) -> Iterator[Device]:
    reason = _cannot_mount(kind)
    if reason is not None:
        pytest.skip(reason)
    image, mnt = where / f"{kind}.img", where / f"{kind}-mnt"
    mnt.mkdir()
    with open(image, "wb") as f:
        f.truncate(64 * 1024 * 1024)
    loop = _make(kind, image, mnt)
    try:
        yield Device(kind, mnt, image)
    finally:
        _unmount(mnt, loop)


@pytest.fixture(params=["ext4", "fat32", "ntfs"])
def dev(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Device]:
    with real_device(request.param, tmp_path) as d:
        yield d


def populate(root: Path, kind: str) -> None:
    (root / "photos" / "2015").mkdir(parents=True)
    (root / "photos" / "2015" / "beach.jpg").write_bytes(b"\xff\xd8" + b"x" * 5000)
    (root / "notes.txt").write_text("hello\n")
    # fusefat writes ASCII names only (test_names_fat32_...): an ASCII name there.
    name = "cafe.txt" if kind == "fat32" else "caf\u00e9.txt"
    (root / name).write_text("unicode name\n")


def test_write_signature_then_a_clean_preflight(dev: Device, tmp_path: Path,
                                               run_cli: RunCli) -> None:
    populate(dev.root, dev.kind)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(BASE)
    signature = tmp_path / "sig"
    signature.write_bytes(SIGNATURE)
    before = run_cli("preflight", str(dev.root), "--manifest", str(manifest))
    assert before.code == 1
    assert "MT601" in before.out
    wrote = run_cli("write-signature", str(dev.root), "--signature-file", str(signature))
    assert wrote.code == 0, wrote.err
    assert (dev.root / "SIGNATURE").read_bytes() == SIGNATURE
    after = run_cli("preflight", str(dev.root), "--manifest", str(manifest), "--format",
                    "json")
    assert after.code == 0, after.out
    import json

    doc = json.loads(after.out)
    assert doc["filesystem"] == NAMES[dev.kind]
    assert doc["mount_root"] is True
    assert doc["summary"] == {"files": 4, "bytes": 5002 + 6 + 13 + len(SIGNATURE),
                              "keys": 3, "ignored": 1, "skipped": 0}
    assert doc["findings"] == []


def test_preflight_never_writes_to_the_image(dev: Device, tmp_path: Path,
                                             run_cli: RunCli) -> None:
    populate(dev.root, dev.kind)
    (dev.root / "SIGNATURE").write_bytes(SIGNATURE)
    (dev.root / "empty").mkdir()
    manifest = tmp_path / "m.yaml"
    manifest.write_text(BASE + "substitutions:\n  photos: p\nignore:\n  - \\.txt$\n")
    digest = dev.digest()
    r = run_cli("preflight", str(dev.root), "--manifest", str(manifest), "--keys",
                str(tmp_path / "keys.csv"))
    assert r.code == 0, r.out
    assert "MT616" in r.out
    assert dev.digest() == digest
    assert (tmp_path / "keys.csv").read_text().count("\n") == 5


def test_mount_table_and_boot_sector(dev: Device) -> None:
    mount = find_mount(dev.root)
    assert mount is not None
    assert mount.mount_point == str(dev.root)
    expected = {"ext4": None, "fat32": "FAT32", "ntfs": "NTFS"}[dev.kind]
    assert boot_sector_type(str(dev.image)) == expected


def _touch(path: Path | bytes) -> OSError | None:
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))
    except OSError as exc:
        return exc
    return None


def test_names_ext4_keeps_and_aws_skips(tmp_path: Path) -> None:
    """ext4 stores any bytes: a name AWS will not import (not UTF-8), a newline, case pairs."""
    with real_device("ext4", tmp_path) as d:
        (d.root / "SIGNATURE").write_bytes(SIGNATURE)
        assert _touch(os.fsencode(d.root) + b"/latin1-\xe9.txt") is None
        assert _touch(d.root / "two\nlines") is None
        (d.root / "Photo.jpg").write_bytes(b"1")
        (d.root / "photo.jpg").write_bytes(b"2")
        result = run_preflight(d.root, BASE.encode(), "m.yaml")
    by_rule = {d.rule: d.path for d in result.findings}
    assert by_rule["MT605"] == "latin1-\\xe9.txt"
    assert by_rule["MT613"] == "Photo.jpg"
    assert by_rule["MT610"] == "two\\nlines"


def test_names_fat32_refuses_what_keys_could_hold(tmp_path: Path) -> None:
    """FAT32 (fusefat) refuses ':' and bytes that are not UTF-8, and is case-insensitive, so
    such keys and case-only collisions cannot come from a FAT32 device (except through
    substitutions). fusefat also refuses non-ASCII names, which FAT32 itself can hold."""
    with real_device("fat32", tmp_path) as d:
        (d.root / "SIGNATURE").write_bytes(SIGNATURE)
        assert _touch(d.root / "a:b") is not None
        assert _touch(os.fsencode(d.root) + b"/bad\xff") is not None
        # fusefat's own limit, not FAT32's (Windows writes such names): a non-ASCII name.
        assert _touch(d.root / "caf\u00e9.txt") is not None
        (d.root / "Photo.jpg").write_bytes(b"1")
        (d.root / "photo.jpg").write_bytes(b"2")
        names = sorted(os.listdir(d.root))
        substituted = run_preflight(d.root, (BASE + "substitutions:\n  P: p\n").encode(),
                                    "m.yaml")
        plain = run_preflight(d.root, BASE.encode(), "m.yaml")
    assert names == ["Photo.jpg", "SIGNATURE"]  # one file: the second name was the same
    assert {f.rule for f in plain.findings} == set()
    assert plain.filesystem == "FAT"
    assert any("FAT variant" in n for n in plain.notes)
    assert {f.rule for f in substituted.findings} == set()


def test_names_ntfs_is_utf16_and_case_sensitive_under_ntfs3g(tmp_path: Path) -> None:
    """ntfs-3g refuses names that are not UTF-8 (NTFS stores UTF-16) but, in its POSIX
    namespace, keeps 'Photo.jpg' and 'photo.jpg' side by side, which Windows cannot show
    apart: the preflight warns (MT613)."""
    with real_device("ntfs", tmp_path) as d:
        (d.root / "SIGNATURE").write_bytes(SIGNATURE)
        error = _touch(os.fsencode(d.root) + b"/bad\xff")
        (d.root / "Photo.jpg").write_bytes(b"1")
        (d.root / "photo.jpg").write_bytes(b"2")
        result = run_preflight(d.root, BASE.encode(), "m.yaml")
    assert error is not None
    assert {(f.rule, f.path) for f in result.findings} == {("MT613", "Photo.jpg")}
    assert result.filesystem == "NTFS"


def test_teardown_leaves_no_mount_or_loop_device(tmp_path: Path) -> None:
    with real_device("ext4", tmp_path) as d:
        loops = _run("losetup", "-j", str(d.image))
        assert loops
    assert not _mounted(d.root)
    assert _run("losetup", "-j", str(d.image)) == ""
    with suppress(FileNotFoundError):
        d.image.unlink()


def test_find_mount_reads_a_mount_table(tmp_path: Path) -> None:
    """Mount points with escaped spaces, bind mounts of one device, and a device number that
    is in no line (the deepest mount holding the path wins)."""
    table = tmp_path / "mountinfo"
    dev = os.stat(tmp_path).st_dev
    here = f"{os.major(dev)}:{os.minor(dev)}"
    real = os.path.realpath(tmp_path)
    table.write_text(
        f"20 1 {here} / / rw,relatime - ext4 /dev/sda1 rw\n"
        f"21 20 {here} /x {real} ro,relatime shared:1 - vfat /dev/sdb1 rw\n"
        f"22 20 9:9 / {real}/with\\040space rw - ntfs3 /dev/sdc1 rw\n")
    mount = find_mount(tmp_path, str(table))
    assert mount is not None
    assert (mount.mount_point, mount.fstype, mount.read_only) == (real, "vfat", True)
    (tmp_path / "with space").mkdir()
    other = tmp_path / "with space"
    table.write_text(f"22 20 9:9 / {real}/with\\040space rw - ntfs3 /dev/sdc1 rw\n"
                     "23 20 9:8 / / rw - ext4 /dev/sda1 rw\n")
    found = find_mount(other, str(table))
    assert found is not None
    assert (found.mount_point, found.fstype) == (f"{real}/with space", "ntfs3")
