"""The device changing between the walk listing a file and a reader opening it:
a folder swapped for a symlink is not followed, a file swapped for a FIFO does not
hang, another file under the listed name is not read. Both readers, ``log --device``'s
hashing and ``service receive``'s dock, open files through ``device.opening.open_listed``.

The swap happens at the seam between listing and reading (the walk's generator, the
hashing call), so the race is deterministic. A FIFO that is opened or read blocking would
hang: every run here is in a thread with a generous backstop only against such a hang.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from manifest_tools.device import walk as walk_module
from manifest_tools.device.opening import open_listed, open_root
from manifest_tools.logs import reconcile
from manifest_tools.service import dock
from manifest_tools.service.buckets import Staging
from tests.conftest import RunCli
from tests.manifests import ADDRESS

SECRET_OUTSIDE = b"root:x:0:0:outside the device\n"
HANG_BACKSTOP = 60.0  # seconds; only against a hang, never a measure


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    device = tmp_path / "device"
    (device / "sub").mkdir(parents=True)
    (device / "sub" / "a.txt").write_bytes(b"hello\n")
    (device / "b.txt").write_bytes(b"world\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.txt").write_bytes(SECRET_OUTSIDE)
    return device, outside


def _folder_to_symlink(device: Path, outside: Path) -> None:
    (device / "sub").rename(device / "sub.old")
    (device / "sub").symlink_to(outside, target_is_directory=True)


def _file_to_fifo(device: Path, outside: Path) -> None:
    (device / "sub" / "a.txt").unlink()
    os.mkfifo(device / "sub" / "a.txt")


def _file_to_other_file(device: Path, outside: Path) -> None:
    (device / "sub" / "a.txt").rename(device / "sub" / "a.old")
    (device / "sub" / "a.txt").write_bytes(b"hello\n")  # same bytes, another inode


SWAPS: dict[str, Callable[[Path, Path], None]] = {
    "folder-to-symlink": _folder_to_symlink,
    "file-to-fifo": _file_to_fifo,
    "file-to-other-file": _file_to_other_file,
}


def _bounded(call: Callable[[], Any]) -> Any:
    """Run ``call`` in a thread; fail (not hang) if it has not returned by the backstop."""
    result: list[Any] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(call())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG_BACKSTOP)
    assert not thread.is_alive(), "hung on a file swapped after the walk"
    if failure:
        raise failure[0]
    return result[0]


@pytest.mark.parametrize("swap", sorted(SWAPS))
def test_open_listed_refuses_what_is_not_the_listed_file(tmp_path: Path, swap: str) -> None:
    device, outside = _tree(tmp_path)
    listed = {e.relpath: e for e in walk_module.walk(device)}["sub/a.txt"]
    assert listed.ident is not None
    SWAPS[swap](device, outside)
    root = open_root(str(device))
    try:
        with pytest.raises(OSError, match="changed after the walk listed it"):
            _bounded(lambda: open_listed(root, listed.relpath, listed.ident))
        fd = open_listed(root, "b.txt")  # an unchanged file still opens, and reads
        with os.fdopen(fd, "rb") as stream:
            assert stream.read() == b"world\n"
    finally:
        os.close(root)


IMPORT_LOG = "DateTime,File,Status,Code,Key,MD5,Bytes,Content-Type\n" + "".join(
    f"2010-07-22 10:00:00,{name},200,Success,example-import-bucket/{name},"
    f"{hashlib.md5(data).hexdigest()},{len(data)},text/plain\n"
    for name, data in (("b.txt", b"world\n"), ("sub/a.txt", b"hello\n")))


@pytest.mark.parametrize("swap", sorted(SWAPS))
def test_log_device_reports_a_swapped_file_as_a_failed_read(
        run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: str) -> None:
    device, outside = _tree(tmp_path)
    log = tmp_path / "import-log-ABCDE"
    log.write_text(IMPORT_LOG, encoding="utf-8")
    real = reconcile.hash_files  # type: ignore[attr-defined]

    def swapped_then_hashed(*args: Any, **kwargs: Any) -> Iterator[Any]:
        SWAPS[swap](device, outside)  # the walk is over; the hashing has not opened a file
        return real(*args, **kwargs)

    monkeypatch.setattr(reconcile, "hash_files", swapped_then_hashed)
    result = _bounded(lambda: run_cli("log", str(log), "--device", str(device),
                                      "--format", "json"))
    assert result.code == 1, result
    assert "MT718" in result.out and "changed after the walk listed it" in result.out
    assert "sub/a.txt" in result.out
    assert "b.txt" not in result.out.replace("sub/a.txt", "")  # the other file compared fine


class _Log:
    """The dock's import log, reduced to what the test looks at."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, ...]] = []

    def loaded(self, relpath: str, key: str, md5: str, size: int, ctype: str) -> None:
        self.rows.append(("loaded", relpath, md5))

    def failed(self, relpath: str, status: str, code: str, key: str = "",
               size: int | None = None) -> None:
        self.rows.append(("failed", relpath, code))

    def ignored(self, relpath: str, size: int, ctype: str = "") -> None:
        self.rows.append(("ignored", relpath))

    def signature(self, size: int) -> None:
        self.rows.append(("signature",))


@pytest.mark.parametrize("swap", sorted(SWAPS))
def test_receive_reports_a_swapped_file_as_a_failed_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: str) -> None:
    device, outside = _tree(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    manifest = ("manifestVersion: 2.0\naccessKeyId: AKIA2E0A8F3B244C9986\ndeviceId: 1\n"
                "bucket: example-import-bucket\n" + ADDRESS).encode()
    real_walk = walk_module.walk

    def listing_then_swap(root: Any) -> Iterator[Any]:
        # The dock reads each file as the walk hands it over: swap between the two.
        for entry in real_walk(root):
            if entry.relpath == "sub/a.txt":
                SWAPS[swap](device, outside)
            yield entry

    monkeypatch.setattr(walk_module, "walk", listing_then_swap)
    log = _Log()
    job = SimpleNamespace(manifest=manifest, job_id="ABCDE")
    staging = Staging(str(data), "ABCDE")
    receipt = _bounded(lambda: dock.import_device(job, str(device), staging, True,  # type: ignore[arg-type]
                                                  log))
    rows = {row[1]: row for row in log.rows if len(row) > 1}
    assert rows["b.txt"][0] == "loaded"
    assert rows["sub/a.txt"][0] == "failed", rows
    assert receipt.errors == 1
    copied = [p.read_bytes() for p in data.rglob("*") if p.is_file()]
    assert b"world\n" in copied  # the unchanged file was copied
    assert SECRET_OUTSIDE not in copied
