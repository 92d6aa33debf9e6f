"""A hostile device tree ends in bounded time and memory, with findings and no traceback.

10,000 levels of folders, 200,000 entries in one folder, names with newlines and bytes that
are not UTF-8, a symlink loop and a symlink to '/': ``manifest-tools preflight`` runs as a
real process under RLIMIT_AS = 300 MB and RLIMIT_CPU = 60 s (tests/cputime.py: CPU seconds,
so a busy machine cannot fail it; the run takes a few). The tree lives in its own temp dir
(its own tmpfs where the tests may mount: tests/mounts.scratch_tmpfs), removed by an unmount
or without recursion (rmtree recurses once per level).
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import cputime
from tests.device.test_preflight import BASE, SIGNATURE
from tests.device.test_walk import remove_chain
from tests.mounts import scratch_tmpfs

# Slow (make check skips it); one worker builds the tree once for the module.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hostile-tree")]

DEPTH = 10_000
WIDE = 200_000
MEMORY_LIMIT = 300 * 1024 * 1024
CPU_LIMIT = 60.0


def _deep(root: Path, name: str, depth: int) -> None:
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        os.close(os.open("bottom.txt", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
    finally:
        os.close(fd)


def _wide(folder: Path, count: int) -> None:
    folder.mkdir()
    fd = os.open(folder, os.O_RDONLY)
    try:
        for n in range(count):
            os.close(os.open(f"f{n:06d}", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
    finally:
        os.close(fd)


@pytest.fixture(scope="module")
def hostile() -> Iterator[Path]:
    with scratch_tmpfs("mt-hostile-") as folder:
        where = Path(folder)
        root = where / "dev"
        root.mkdir()
        try:
            (root / "SIGNATURE").write_bytes(SIGNATURE)
            _deep(root, "d", DEPTH)
            _wide(root / "wide", WIDE)
            raw = os.fsencode(root)
            for name in (b"new\nline", b"bad\xff\xfe", b"\x1b[31mred", b"tab\there"):
                with open(raw + b"/" + name, "wb") as f:
                    f.write(b"x")
            (root / "loop").symlink_to("loop")
            (root / "a").symlink_to("b")
            (root / "b").symlink_to("a")
            (root / "up").symlink_to("/")
            (where / "m.yaml").write_text(BASE)
            yield where
        finally:
            if not os.path.ismount(where):  # rmtree recurses once per level
                remove_chain(root, "d")


def _preflight(where: Path, *extra: str) -> cputime.Finished:
    run = cputime.run(
        [sys.executable, "-m", "manifest_tools", "preflight", str(where / "dev"),
         "--manifest", str(where / "m.yaml"), *extra],
        cpu_seconds=CPU_LIMIT, memory=MEMORY_LIMIT)
    assert run.problem() is None, run.problem()
    return run


def test_hostile_tree_json(hostile: Path) -> None:
    proc = _preflight(hostile, "--format", "json", "--keys", str(hostile / "keys.csv"))
    assert b"Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    s = doc["summary"]
    # SIGNATURE + bottom.txt + 200,000 + 4 odd names; skipped: the name that is not UTF-8
    # and the 20,010-byte key of bottom.txt; ignored: the SIGNATURE and the 4 symlinks (never
    # followed: 103 Ignored, the outcome the service's dock logs; device/outcome.py).
    assert s["files"] == 1 + 1 + WIDE + 4
    assert (s["skipped"], s["ignored"]) == (1 + 1, 1 + 4)
    paths = {(f["rule"], f["path"]) for f in doc["findings"]}
    assert ("MT605", "bad\\xff\\xfe") in paths
    assert ("MT617", "loop") in paths and ("MT617", "up") in paths
    assert ("MT610", "new\\nline") in paths
    assert ("MT610", "\\x1b[31mred") in paths
    bottom = "/".join(["d"] * DEPTH) + "/bottom.txt"
    assert ("MT607", bottom) in paths  # 20,010 bytes of key
    counts = [f["message"] for f in doc["findings"] if f["rule"] == "MT623"]
    assert f"{WIDE - 200} more MT615 findings not listed ({WIDE} in all)" in counts
    with open(hostile / "keys.csv", newline="", encoding="utf-8") as f:
        rows = sum(1 for _ in csv.reader(f))
    assert rows == 1 + s["files"] + 4  # header, files, the 4 symlinks
