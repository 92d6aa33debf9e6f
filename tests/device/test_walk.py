"""device/walk.py on generated trees: order, kinds, names, errors, no symlink following."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from manifest_tools.device.walk import Entry, walk
from manifest_tools.errors import InputError
from tests import cputime


def make(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_preorder_sorted_by_bytes_and_repeatable(tmp_path: Path) -> None:
    make(tmp_path, {"b/2.txt": b"22", "b/1.txt": b"1", "a.txt": b"", "B.txt": b"xyz",
                    "b/c/d.txt": b"dddd"})
    entries = list(walk(tmp_path))
    assert [(e.relpath, e.kind, e.size) for e in entries] == [
        ("B.txt", "file", 3), ("a.txt", "file", 0), ("b", "dir", 0), ("b/1.txt", "file", 1),
        ("b/2.txt", "file", 2), ("b/c", "dir", 0), ("b/c/d.txt", "file", 4)]
    assert [e.children for e in entries if e.kind == "dir"] == [3, 1]
    assert [e.depth for e in entries] == [1, 1, 1, 2, 2, 2, 3]
    assert entries == list(walk(tmp_path))
    assert entries[6].name == "d.txt"


def test_invalid_utf8_and_newline_names_survive(tmp_path: Path) -> None:
    raw = b"bad\xff\nname"
    (tmp_path / "sub").mkdir()
    fd = os.open(os.path.join(os.fsencode(tmp_path), b"sub", raw), os.O_CREAT | os.O_WRONLY)
    os.close(fd)
    [folder, entry] = list(walk(tmp_path))
    assert entry.raw == b"sub/" + raw
    assert entry.relpath.encode("utf-8", "surrogateescape") == entry.raw
    assert not entry.utf8
    assert folder.utf8


def test_special_files_and_symlinks_are_reported_not_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f").write_bytes(b"x")
    (tmp_path / "link").symlink_to("real")
    (tmp_path / "loop").symlink_to("loop")
    os.mkfifo(tmp_path / "fifo")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock"))
        kinds = {e.relpath: e.kind for e in walk(tmp_path)}
    finally:
        sock.close()
    assert kinds == {"fifo": "fifo", "link": "symlink", "loop": "symlink", "real": "dir",
                     "real/f": "file", "sock": "socket"}


def test_root_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="No such file"):
        list(walk(tmp_path / "missing"))
    (tmp_path / "f").write_bytes(b"")
    with pytest.raises(InputError, match="not a directory"):
        list(walk(tmp_path / "f"))
    (tmp_path / "l").symlink_to(tmp_path)
    with pytest.raises(InputError, match="symbolic link"):
        list(walk(tmp_path / "l"))


def _walk_unprivileged(root: Path) -> list[Entry]:
    """Walk as user nobody in a child (root reads every folder) and return the entries."""
    import multiprocessing

    def child(queue: multiprocessing.Queue[list[Entry]]) -> None:
        os.setgid(65534)
        os.setuid(65534)
        queue.put(list(walk(root)))

    queue: multiprocessing.Queue[list[Entry]] = multiprocessing.get_context("fork").Queue()
    proc = multiprocessing.get_context("fork").Process(target=child, args=(queue,))
    proc.start()
    result = queue.get(timeout=cputime.BACKSTOP)
    proc.join(cputime.BACKSTOP)
    return result


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A folder user nobody can reach (pytest's tmp_path sits in a 0700 folder)."""
    path = Path(tempfile.mkdtemp(prefix="mt-walk-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_unreadable_folder_is_an_entry_and_the_walk_goes_on(open_tmp: Path) -> None:
    tmp_path = open_tmp
    make(tmp_path, {"a/secret/x": b"1", "b/y": b"2"})
    (tmp_path / "a").chmod(0o755)
    (tmp_path / "b").chmod(0o755)
    (tmp_path / "a" / "secret").chmod(0o000)
    try:
        entries = _walk_unprivileged(tmp_path) if os.geteuid() == 0 else list(walk(tmp_path))
    finally:
        (tmp_path / "a" / "secret").chmod(0o755)
    by_path = {e.relpath: e for e in entries}
    assert by_path["a/secret"].kind == "dir"
    assert by_path["a/secret"].error is not None
    assert "EACCES" in by_path["a/secret"].error
    assert "b/y" in by_path
    assert "a/secret/x" not in by_path


def remove_chain(root: Path, name: str) -> None:
    """Remove a chain root/name/name/... without recursion (rmtree recurses per level):
    lift each level's child up to the root, then remove the emptied level."""
    top = root / name
    while top.is_dir():
        lifted = root / (name + ".next")
        if (top / name).is_dir():
            os.rename(top / name, lifted)
        for leftover in top.iterdir():
            leftover.unlink()
        top.rmdir()
        if lifted.exists():
            os.rename(lifted, top)


def test_deep_tree_beyond_path_max(tmp_path: Path) -> None:
    # 1,500 levels of 'dddd' is 7,500 bytes of path: past PATH_MAX (4096), no recursion.
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        for _ in range(1500):
            os.mkdir("dddd", dir_fd=fd)
            new = os.open("dddd", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
        os.close(os.open("leaf", os.O_CREAT | os.O_WRONLY, dir_fd=fd))
    finally:
        os.close(fd)
    try:
        entries = list(walk(tmp_path))
    finally:
        remove_chain(tmp_path, "dddd")
    assert len(entries) == 1501
    assert entries[-1].relpath.endswith("dddd/leaf")
    assert entries[-1].depth == 1501
    assert len(entries[-1].raw) > 4096


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_folder_moved_during_the_walk_stops_it_and_leaks_no_descriptor(
        tmp_path: Path) -> None:
    """Climbing back from a folder moved elsewhere meanwhile raises InputError, at a level
    whose descriptor the walk keeps open as well as below KEEP_OPEN; a finished or stopped
    walk leaves no descriptor open."""
    from manifest_tools.device.walk import KEEP_OPEN

    before = _open_descriptors()
    for depth in (1, KEEP_OPEN + 2):
        root = tmp_path / f"t{depth}"
        deep = root.joinpath(*["d"] * depth)
        (deep / "a" / "sub").mkdir(parents=True)
        (deep / "a" / "sub" / "f").write_bytes(b"1")
        (deep / "b").mkdir()
        assert len(list(walk(root))) == depth + 4
        assert _open_descriptors() == before
        seen = []
        with pytest.raises(InputError, match="changed during the walk"):
            for e in walk(root):
                seen.append(e.relpath)
                if e.relpath.endswith("a/sub/f"):
                    (deep / "a" / "sub").rename(deep / "b" / "sub")
        assert seen[-1].endswith("a/sub/f")
        assert _open_descriptors() == before
