"""prepare under faults: SIGKILL at any point then resume, and a device that fills up.

The kill test is a property over the kill point: hypothesis picks how many journal rows to
wait for and a short extra delay, so the kill lands before the first file, in the middle of
a file's read, between a rename and its row, or while a row is appended. Whatever the point,
every row the journal holds is true of the device at once, and a resume ends with a device
and a journal identical to an uninterrupted run's. No assertion depends on the timing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.device.journal import JournalRow, read_journal
from manifest_tools.device.prepare import TEMP_NAME, Hooks, prepare
from tests import warm
from tests.device.test_filesystems import real_device
from tests.device.test_preflight import SIGNATURE
from tests.manifests import IMPORT

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = (IMPORT + "prefix: in/\n").encode()
STATUS = ROOT / "samples" / "status" / "get-status.json"


SMALL_BATCHES = ("import sys\nfrom manifest_tools.device import prepare\n"
                 "prepare.BATCH_FILES = 8\nfrom manifest_tools.cli.entry import main\n"
                 "sys.argv[0] = 'manifest-tools'\nmain()\n")


def _source(root: Path) -> None:
    """40 files from 0 bytes to 2 MiB in three folders, and one of 8 MiB."""
    for n in range(40):
        path = root / f"d{n % 3}" / f"f{n:02d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(hashlib.sha256(b"%d" % n).digest() * (n * n * 40))
    (root / "big.bin").write_bytes(os.urandom(8 * 1024 * 1024))


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            out[str(path.relative_to(root))] = (hashlib.md5(path.read_bytes()).digest(),
                                                path.stat().st_mtime_ns)
    return out


def _rows_true_of_device(journal: Path, device: Path) -> dict[str, JournalRow]:
    rows = read_journal(str(journal)).rows
    for path, row in rows.items():
        data = (device / path).read_bytes()
        assert (len(data), hashlib.md5(data).hexdigest()) == (row.size, row.md5), path
    return rows


def _journal_rows(journal: Path) -> int:
    try:
        return journal.read_bytes().count(b"\nF\t")
    except FileNotFoundError:
        return 0


@pytest.fixture(scope="module")
def reference() -> Iterator[tuple[Path, dict[str, tuple[bytes, int]], dict[str, JournalRow]]]:
    """One source, and the device and journal of an uninterrupted run over it."""
    work = Path(tempfile.mkdtemp(prefix="prepare-kill-"))
    src, dev = work / "src", work / "ref-dev"
    src.mkdir()
    dev.mkdir()
    _source(src)
    result = prepare(src, dev, MANIFEST, work / "ref-journal", signature=SIGNATURE)
    assert result.clean, result.findings
    yield src, _tree(dev), read_journal(str(work / "ref-journal")).rows
    shutil.rmtree(work)


@pytest.fixture(scope="module")
def warm_cli() -> Iterator[warm.Warm]:
    with warm.Warm(warm.modules_of("manifest_tools")) as helper:
        yield helper


@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.integers(0, 41), extra=st.sampled_from([0.0, 0.001, 0.003, 0.01, 0.03]))
def test_sigkill_at_any_point_then_resume(
        reference: tuple[Path, dict[str, tuple[bytes, int]], dict[str, JournalRow]],
        warm_cli: warm.Warm, rows: int, extra: float) -> None:
    src, ref_tree, ref_rows = reference
    work = Path(tempfile.mkdtemp(prefix="prepare-kill-run-"))
    try:
        dev, journal = work / "dev", work / "journal"
        dev.mkdir()
        status = work / "status.json"
        status.write_bytes(STATUS.read_bytes())
        (work / "m.yaml").write_bytes(MANIFEST)
        # Its own process, forked from a warm interpreter (tests/warm.py: no interpreter
        # start and CLI import per example).
        # Batches of 8 files (not 128): the kill also lands while a batch is being made
        # durable in the background and the next one is copied.
        script = work / "small_batches.py"
        script.write_text(SMALL_BATCHES)
        proc = warm_cli.start(
            ["prepare", str(src), str(dev), "--manifest", str(work / "m.yaml"), "--status",
             str(status), "--journal", str(journal), "--jobs", "2", "--no-progress"],
            script=script, cpu_seconds=None, env=dict(os.environ), cwd=work)
        # A backstop against a hang only: the kill point is the row count, not a time.
        backstop = time.monotonic() + 120
        while proc.poll() is None and _journal_rows(journal) < rows and \
                time.monotonic() < backstop:
            time.sleep(0.0005)
        time.sleep(extra)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        # Killed, or done before the kill: never a run that failed on its own.
        assert proc.wait().returncode in (-signal.SIGKILL, 0)
        # At the instant of the kill: every row the journal holds is true of the device.
        if journal.exists():
            _rows_true_of_device(journal, dev)
        # The same command again finishes the job.
        result = prepare(src, dev, MANIFEST, journal, signature=_status_signature(status))
        assert not any(d.is_error for d in result.findings), result.findings
        tree = _tree(dev)
        assert not [p for p in tree if TEMP_NAME.fullmatch(os.path.basename(p))]
        signature = tree.pop("SIGNATURE")
        assert signature[0] == hashlib.md5(_status_signature(status)).digest()
        ref = dict(ref_tree)
        ref.pop("SIGNATURE")
        assert tree == ref
        assert _rows_true_of_device(journal, dev) == ref_rows
    finally:
        shutil.rmtree(work)


def _status_signature(status: Path) -> bytes:
    from manifest_tools.status.read import read_status

    contents = read_status(status.read_bytes()).status.SignatureFileContents
    assert contents is not None
    return contents.encode()


def test_a_full_device_stops_with_the_journal_consistent(tmp_path: Path) -> None:
    """ext4 on a 64 MiB loop device; once the second file has started, another writer takes
    the free space (as a second copy to the same disk would): the next writes get ENOSPC."""
    src = tmp_path / "src"
    src.mkdir()
    for n in range(8):
        (src / f"f{n}.bin").write_bytes(os.urandom(4 * 1024 * 1024))
    journal = tmp_path / "journal"
    with real_device("ext4", tmp_path) as d:
        filler = d.root / "filler"

        def fill(relpath: str, done: int) -> None:
            if relpath == "f1.bin" and not filler.exists():
                vfs = os.statvfs(d.root)
                with filler.open("wb") as f:
                    os.posix_fallocate(f.fileno(), 0, vfs.f_bavail * vfs.f_frsize - 2 * 1024**2)

        first = prepare(src, d.root, MANIFEST, journal, jobs=1, signature=SIGNATURE,
                        hooks=Hooks(after_chunk=fill))
        assert first.fatal and first.stopped is not None and "ENOSPC" in first.stopped
        assert "MT812" in {f.rule for f in first.findings}
        rows = _rows_true_of_device(journal, d.root)
        assert 1 <= len(rows) < 8
        names = set(os.listdir(d.root))
        assert not [n for n in names if TEMP_NAME.fullmatch(n)]
        assert "SIGNATURE" not in names
        # Room again: the same command goes on from where it stopped.
        filler.unlink()
        second = prepare(src, d.root, MANIFEST, journal, jobs=1, signature=SIGNATURE)
        assert second.clean, second.findings
        assert second.counts.already == len(rows)
        assert set(_rows_true_of_device(journal, d.root)) == {f"f{n}.bin" for n in range(8)}
        for n in range(8):
            assert (d.root / f"f{n}.bin").read_bytes() == (src / f"f{n}.bin").read_bytes()
