"""Output files are written by the one atomic writer and never into the device:
a symlink planted at the old predictable temporary name (FILE.<pid>.tmp) is not
followed, a bind mount of the device is recognised by device and inode, and a symlinked
device root written 'LINK/.' is refused like 'LINK'.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from manifest_tools import outputs
from manifest_tools.errors import InputError
from tests.conftest import RunCli
from tests.manifests import IMPORT

VICTIM = b"precious: not to be overwritten\n"
LOG = ("DateTime,File,Status,Code,Key,MD5,Bytes,Content-Type\n"
       "2010-07-22 10:00:00,a.txt,200,Success,example-import-bucket/a.txt,"
       "d41d8cd98f00b204e9800998ecf8427e,0,text/plain\n")


@pytest.fixture
def job(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(device, log, manifest): the device has a file the log lacks, so --retry lists it."""
    device = tmp_path / "device"
    device.mkdir()
    (device / "a.txt").write_bytes(b"")
    (device / "late.txt").write_bytes(b"late\n")
    log = tmp_path / "import-log-ABCDE"
    log.write_text(LOG, encoding="utf-8")
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(IMPORT, encoding="utf-8")
    return device, log, manifest


def _plant(target: Path, tmp_path: Path) -> Path:
    """A symlink at the name the old writer used, pointing at a victim file."""
    victim = tmp_path / "victim"
    victim.write_bytes(VICTIM)
    (target.parent / f"{target.name}.{os.getpid()}.tmp").symlink_to(victim)
    return victim


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp")
                  and not p.is_symlink())


def test_retry_is_not_written_through_a_planted_symlink(run_cli: RunCli, tmp_path: Path,
                                                        job: tuple[Path, Path, Path]) -> None:
    device, log, _ = job
    out = tmp_path / "out"
    out.mkdir()
    retry = out / "retry.txt"
    victim = _plant(retry, tmp_path)
    result = run_cli("log", str(log), "--device", str(device), "--retry", str(retry))
    assert result.code == 1, result
    assert retry.read_bytes() == b"late.txt\n"
    assert victim.read_bytes() == VICTIM
    assert _leftovers(out) == []


def test_keys_csv_is_not_written_through_a_planted_symlink(run_cli: RunCli, tmp_path: Path,
                                                           job: tuple[Path, Path, Path]
                                                           ) -> None:
    device, _, manifest = job
    out = tmp_path / "out"
    out.mkdir()
    keys = out / "keys.csv"
    victim = _plant(keys, tmp_path)
    result = run_cli("preflight", str(device), "--manifest", str(manifest), "--keys",
                     str(keys))
    assert result.code in (0, 1), result
    assert "late.txt" in keys.read_text(encoding="utf-8")
    assert victim.read_bytes() == VICTIM
    assert _leftovers(out) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    target = tmp_path / "retry.txt"
    target.write_bytes(b"old\n")

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(InputError, match="No space left"):
        outputs.write_atomic(str(target), b"new\n", "--retry")
    monkeypatch.undo()
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["retry.txt"]


@pytest.fixture
def bind_mount(job: tuple[Path, Path, Path], tmp_path: Path) -> Iterator[Path]:
    """The device bind-mounted elsewhere: another path, the same folder."""
    device = job[0]
    other = tmp_path / "bound"
    other.mkdir()
    done = subprocess.run(["mount", "--bind", str(device), str(other)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"mount --bind is not allowed here: {done.stderr.decode().strip()}")
    try:
        yield other
    finally:
        subprocess.run(["umount", str(other)], check=False)


def test_a_bind_mount_of_the_device_is_inside_it(run_cli: RunCli, bind_mount: Path,
                                                 job: tuple[Path, Path, Path]) -> None:
    device, log, manifest = job
    assert outputs.inside(str(bind_mount / "x.txt"), str(device))
    assert outputs.inside(str(bind_mount / "sub" / "x.txt"), str(device))
    assert not outputs.inside(str(bind_mount.parent / "x.txt"), str(device))
    before = sorted(p.name for p in device.iterdir())
    retry = run_cli("log", str(log), "--device", str(device), "--retry",
                    str(bind_mount / "retry.txt"))
    assert retry.code == 2 and "inside the device" in retry.err, retry
    keys = run_cli("preflight", str(device), "--manifest", str(manifest), "--keys",
                   str(bind_mount / "keys.csv"))
    assert keys.code == 2 and "inside the device" in keys.err, keys
    assert sorted(p.name for p in device.iterdir()) == before


def test_a_symlinked_root_written_with_a_dot_is_still_a_symlink(
        run_cli: RunCli, tmp_path: Path, job: tuple[Path, Path, Path]) -> None:
    device, _, manifest = job
    link = tmp_path / "link"
    link.symlink_to(device, target_is_directory=True)
    for root in (f"{link}/.", f"{link}/", f"{link}/./"):
        result = run_cli("preflight", root, "--manifest", str(manifest))
        assert result.code == 2 and "symbolic link" in result.err, (root, result)
        result = run_cli("write-signature", root, "--manifest", str(manifest), "--job-id",
                         "ABCDE", env={"AWS_SECRET_ACCESS_KEY": "k" * 40})
        assert result.code == 2 and "symbolic link" in result.err, (root, result)
    assert not (device / "SIGNATURE").exists()
    # Through the link and a dot, the retry list is still inside the device.
    assert outputs.inside(str(device / "retry.txt"), f"{link}/.")
