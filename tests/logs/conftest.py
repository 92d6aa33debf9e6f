"""Helpers for the log tests: read a log from bytes, build a device and the log AWS would
write for it, and a real ext4 file system on a loop device."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from manifest_tools.logs.model import LogRow
from manifest_tools.logs.read import LogReader
from manifest_tools.logs.write import LogWriter
from tests import mounts

D = "Tue 03 Feb 2009 21:57:43 GMT"
BUCKET = "myawsbucket"


def read(data: bytes, name: str = "import-log-TSTD1") -> tuple[LogReader, list[LogRow]]:
    reader = LogReader(io.BytesIO(data), name)
    rows = list(reader)
    return reader, rows


# The device of the guide's Examples page, plus files with awkward names.
FILES: dict[str, bytes] = {
    "README": b"readme\n",
    "NOTICE.txt": b"notice text\n",
    "images/wookie1.jpg": os.urandom(3000),
    "images/chewie.gif": os.urandom(2000),
    "images/chewie.tif": os.urandom(70000),
    "images/resources/chewie.psd": b"psd" * 100,
    "names/a,b \"quoted\".txt": b"comma and quotes",
    "names/ünïcødé.txt": b"unicode",
}


def make_device(root: Path, files: dict[str, bytes] = FILES) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (root / "SIGNATURE").write_text("version:2.0\nsigningMethod:HmacSHA1\njobId:TSTD1\n"
                                    "signature:cbKGXXqnSJUF7hz1BaN/x+bTC1o=\n")


def log_for(root: Path, *, prefix: str = "", ignore: tuple[str, ...] = ()) -> str:
    """The log AWS writes for the device at ``root`` as it is now (every file loaded, the
    SIGNATURE and ``ignore``d paths 103 Ignored)."""
    out = io.StringIO(newline="")
    writer = LogWriter(out)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        if rel == "SIGNATURE":
            writer.signature(len(data))
        elif any(pattern in rel for pattern in ignore):
            writer.ignored(rel, len(data))
        else:
            writer.loaded(rel, f"{BUCKET}/{prefix}{rel}", hashlib.md5(data).hexdigest(),
                          len(data))
    return out.getvalue()


@pytest.fixture
def ext4(tmp_path: Path) -> Iterator[Path]:
    """A fresh ext4 file system on a loop device, mounted by this test and unmounted after.
    Needs root and e2fsprogs (.ci/run installs them)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a loop device needs root")
    if shutil.which("mkfs.ext4") is None:
        pytest.skip("mkfs.ext4 (e2fsprogs) is not installed")
    image = tmp_path / "ext4.img"
    mount = tmp_path / "mnt"
    mount.mkdir()
    with image.open("wb") as f:
        f.truncate(64 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-E", "root_owner=0:0", str(image)], check=True)
    with mounts.loop_setup():
        subprocess.run(["mount", "-o", "loop", str(image), str(mount)], check=True)
    try:
        shutil.rmtree(mount / "lost+found", ignore_errors=True)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)
