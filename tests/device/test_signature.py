"""Writing SIGNATURE onto a device root: outcomes, refusals and injected failures.

After every failure the device must hold exactly what it held before (the old SIGNATURE or
nothing) and no other file: no ``.SIGNATURE.*.tmp`` may be left behind, because AWS would
import it into the bucket as an ordinary file.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from manifest_tools.device import signature as device
from manifest_tools.device.signature import is_mount_root, write_signature
from manifest_tools.errors import DeviceError, ExistingSignatureError, InputError, UsageError

OLD = (b"version:2.0\nsigningMethod:HmacSHA1\njobId:OLD11\n"
       b"signature:Ara83XX0K7K15HeRcHM9hXMrNpw=\n")
NEW = (b"version:2.0\nsigningMethod:HmacSHA1\njobId:NEW22\n"
       b"signature:LJQDwZaLDu1iltguUShEp49wM8Y=\n")


def listing(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in root.iterdir()}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "device"
    path.mkdir()
    return path


@pytest.fixture
def old_root(root: Path) -> Path:
    (root / "SIGNATURE").write_bytes(OLD)
    return root


# --- outcomes ----------------------------------------------------------------------------

def test_write_fresh(root: Path) -> None:
    result = write_signature(root, NEW)
    assert result.action == "written"
    assert result.path == str(root / "SIGNATURE")
    assert result.previous_job_id is None
    assert listing(root) == {"SIGNATURE": NEW}
    # Not secret: readable by the tools (and people) that check the device.
    assert (root / "SIGNATURE").stat().st_mode & 0o777 == 0o644


def test_accepts_str_and_trailing_slash(root: Path) -> None:
    result = write_signature(str(root) + "/", NEW)
    assert result.path == str(root / "SIGNATURE")
    assert listing(root) == {"SIGNATURE": NEW}


def test_unchanged_when_identical(old_root: Path) -> None:
    before = (old_root / "SIGNATURE").stat()
    result = write_signature(old_root, OLD)
    assert (result.action, result.previous_job_id) == ("unchanged", "OLD11")
    after = (old_root / "SIGNATURE").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_refuses_different_file(old_root: Path) -> None:
    with pytest.raises(ExistingSignatureError) as info:
        write_signature(old_root, NEW)
    assert (info.value.existing_job_id, info.value.new_job_id) == ("OLD11", "NEW22")
    assert info.value.path == str(old_root / "SIGNATURE")
    assert "OLD11" in str(info.value) and "NEW22" in str(info.value)
    assert listing(old_root) == {"SIGNATURE": OLD}


def test_refusal_with_unparseable_old_file(root: Path) -> None:
    (root / "SIGNATURE").write_bytes(b"garbage\n")
    with pytest.raises(ExistingSignatureError) as info:
        write_signature(root, NEW)
    assert (info.value.existing_job_id, info.value.new_job_id) == (None, "NEW22")


def test_force_replaces(old_root: Path) -> None:
    result = write_signature(old_root, NEW, force=True)
    assert (result.action, result.previous_job_id) == ("replaced", "OLD11")
    assert listing(old_root) == {"SIGNATURE": NEW}


def test_empty_contents_refused(root: Path) -> None:
    with pytest.raises(UsageError):
        write_signature(root, b"")
    assert listing(root) == {}


# --- refusals ----------------------------------------------------------------------------

def test_missing_root(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        write_signature(tmp_path / "absent", NEW)


def test_root_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"x")
    with pytest.raises(InputError, match="not a directory"):
        write_signature(path, NEW)


@pytest.mark.parametrize("suffix", ["", "/"])
def test_root_is_a_symlink(root: Path, tmp_path: Path, suffix: str) -> None:
    link = tmp_path / "link"
    link.symlink_to(root)
    with pytest.raises(DeviceError, match="symbolic link"):
        write_signature(str(link) + suffix, NEW)
    assert listing(root) == {}


def test_signature_is_a_symlink(root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(OLD)
    (root / "SIGNATURE").symlink_to(elsewhere)
    with pytest.raises(DeviceError, match="symbolic link"):
        write_signature(root, NEW, force=True)
    assert elsewhere.read_bytes() == OLD
    assert (root / "SIGNATURE").is_symlink()


def test_signature_is_a_directory(root: Path) -> None:
    (root / "SIGNATURE").mkdir()
    with pytest.raises(DeviceError, match="directory"):
        write_signature(root, NEW, force=True)
    assert (root / "SIGNATURE").is_dir()


# --- warnings ----------------------------------------------------------------------------

def test_not_mount_root_warns(root: Path) -> None:
    assert not is_mount_root(root)
    result = write_signature(root, NEW)
    assert result.warnings == (
        f"MT603 {root} is not the root of a mounted file system; AWS reads SIGNATURE only "
        "from the device's root directory (fine for a rehearsal)",)
    # Writing the same file again writes nothing, and does not say it again (make demo).
    assert write_signature(root, NEW).warnings == ()


def test_mount_root_does_not_warn(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os.path, "ismount", lambda path: os.fspath(path) == str(root))
    assert is_mount_root(root)
    assert write_signature(root, NEW).warnings == ()


def test_is_mount_root_on_real_root() -> None:
    assert is_mount_root("/")


def test_warns_about_other_spellings_and_stale_temps(root: Path) -> None:
    (root / "signature").write_bytes(OLD)
    (root / ".SIGNATURE.abc.tmp").write_bytes(b"x")
    result = write_signature(root, NEW)
    assert any("signature also exists" in w for w in result.warnings)
    assert any(".SIGNATURE.abc.tmp is left over" in w for w in result.warnings)


# --- injected failures -------------------------------------------------------------------

def fail_on_call(number: int, exc: BaseException,
                 real: Callable[..., Any]) -> Callable[..., Any]:
    """A stand-in for ``real`` that raises ``exc`` on its ``number``-th call (1-based)."""
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == number:
            raise exc
        return real(*args, **kwargs)

    return wrapper


def oserror(code: int) -> OSError:
    return OSError(code, os.strerror(code))


@pytest.fixture(params=["fresh", "existing"])
def before(request: pytest.FixtureRequest, root: Path) -> dict[str, bytes]:
    if request.param == "existing":
        (root / "SIGNATURE").write_bytes(OLD)
    return listing(root)


@pytest.mark.parametrize(("target", "call", "code", "name"), [
    ("write", 1, errno.ENOSPC, "ENOSPC"),          # no space left
    ("fsync", 1, errno.EIO, "EIO"),                # flushing the temp file
    ("replace", 1, errno.EXDEV, "EXDEV"),          # between write and rename
    ("fsync", 2, errno.EIO, "EIO"),                # directory fsync, after the rename
    ("read_file", 1, errno.EIO, "EIO"),            # read-back
])
def test_failures_leave_device_as_before(root: Path, before: dict[str, bytes],
                                         monkeypatch: pytest.MonkeyPatch, target: str,
                                         call: int, code: int, name: str) -> None:
    module: Any = device if target == "read_file" else os
    if target == "read_file" and before:
        call = 2  # the first read is of the existing SIGNATURE, the second the read-back
    real = getattr(module, target)
    monkeypatch.setattr(module, target, fail_on_call(call, oserror(code), real))
    with pytest.raises(DeviceError) as info:
        write_signature(root, NEW, force=True)
    assert name in str(info.value)
    assert str(root / "SIGNATURE") in str(info.value)
    assert not isinstance(info.value, ExistingSignatureError)
    if (target, call) in (("fsync", 2), ("read_file", 1), ("read_file", 2)):
        assert "restored" in str(info.value) or "removed" in str(info.value)
    monkeypatch.undo()
    assert listing(root) == before


def test_read_only_folder(root: Path, before: dict[str, bytes],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    root.chmod(0o555)
    try:
        if os.geteuid() == 0:
            # root ignores the mode bits: simulate what a read-only mount answers.
            monkeypatch.setattr(tempfile, "mkstemp", fail_on_call(1, oserror(errno.EROFS),
                                                                  tempfile.mkstemp))
            expected = "EROFS"
        else:
            expected = "EACCES"
        with pytest.raises(DeviceError, match=expected):
            write_signature(root, NEW, force=True)
    finally:
        root.chmod(0o755)
    assert listing(root) == before


def test_read_back_mismatch_restores(root: Path, before: dict[str, bytes],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    real = device.read_file

    def corrupt(path: str) -> bytes:
        data = real(path)
        # Only the read-back sees the new contents (an earlier read is of OLD).
        return data.replace(b"NEW22", b"NEW2X") if data == NEW else data

    monkeypatch.setattr(device, "read_file", corrupt)
    with pytest.raises(DeviceError, match="reads back different"):
        write_signature(root, NEW, force=True)
    monkeypatch.undo()
    assert listing(root) == before


@pytest.mark.parametrize("target", ["replace", "write"])
def test_keyboard_interrupt_cleans_up_and_propagates(root: Path, before: dict[str, bytes],
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     target: str) -> None:
    monkeypatch.setattr(os, target, fail_on_call(1, KeyboardInterrupt(), getattr(os, target)))
    with pytest.raises(KeyboardInterrupt):
        write_signature(root, NEW, force=True)
    monkeypatch.undo()
    assert listing(root) == before


def test_failed_restore_is_reported(old_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Directory fsync fails after the rename, and so does every later fsync: the restore
    # cannot be made durable, and the message must say so rather than claim success.
    monkeypatch.setattr(os, "fsync", fail_on_call(2, oserror(errno.EIO), os.fsync))
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", fail_on_call(2, oserror(errno.EIO), real_replace))
    with pytest.raises(DeviceError, match="restoring the previous state also failed"):
        write_signature(old_root, NEW, force=True)
    monkeypatch.undo()
    assert not [n for n in os.listdir(old_root) if n.endswith(".tmp")]


# --- a real tiny filesystem (root only, skipped where mount is not allowed) --------------

@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs",
                           str(mount_point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount tmpfs here")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def test_real_mount_root_and_no_space(tiny_fs: Path) -> None:
    result = write_signature(tiny_fs, OLD)
    assert (result.action, result.warnings) == ("written", ())
    # Fill the filesystem, then try to replace: the kernel answers ENOSPC.
    with open(tiny_fs / "filler", "wb", buffering=0) as filler:
        with pytest.raises(OSError) as full:
            while True:
                filler.write(b"\0" * 4096)
        assert full.value.errno == errno.ENOSPC
    with pytest.raises(DeviceError, match="ENOSPC"):
        write_signature(tiny_fs, NEW * 100, force=True)
    assert sorted(os.listdir(tiny_fs)) == ["SIGNATURE", "filler"]
    assert (tiny_fs / "SIGNATURE").read_bytes() == OLD


def test_real_read_only_mount(tiny_fs: Path) -> None:
    write_signature(tiny_fs, OLD)
    done = subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot remount read-only here")
    with pytest.raises(DeviceError, match="EROFS"):
        write_signature(tiny_fs, NEW, force=True)
    assert listing(tiny_fs) == {"SIGNATURE": OLD}
