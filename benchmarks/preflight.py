"""Benchmark ``preflight --keys`` against ``find`` and measure its peak memory.

Run by hand (``.venv/bin/python benchmarks/preflight.py``); never part of the tests.

1. Time: a generated tree of 100,000 files in 2,000 folders (50 per folder, names like a
   photo archive, sparse sizes 1 byte - 10 MB). Each round runs, alternately,
   ``manifest-tools preflight ROOT --manifest M --keys CSV --no-progress`` and
   ``find ROOT -type f -printf '%s %p\\n' > FILE`` (the floor of a walk that stats every file;
   its output goes to a file as ours does), warm cache, ROUNDS times (default 7); prints both
   medians and the median of the per-round ratios (ours / find).
2. Memory: the same shape at 1,000,000 files (20,000 folders); one preflight run with
   ``--keys``, its peak RSS read from ``wait4``'s rusage (ru_maxrss).

Ours runs from the non-editable install benchmarks/run.py makes (benchmarks/.work/ours-venv).
Trees are generated in a temp dir under ``--dir`` (default /dev/shm, a tmpfs: the 1M-file
tree is about 1 GB of inodes and no data, since sizes are holes made with ftruncate) and
deleted afterwards. Quote ratios, not absolute times: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
# Measured as users install it (pip install ., not the editable dev install, whose import
# hook costs ~25 ms a start): the venv benchmarks/run.py builds and refreshes.
from run import OURS_BIN as OURS  # noqa: E402
from run import install_ours  # noqa: E402

from tests.manifests import ADDRESS, IMPORT_FIELDS, NOTIFY  # noqa: E402

# The base import manifest the tests use, with key rules that touch every file.
MANIFEST = IMPORT_FIELDS + """\
prefix: archive/
ignore:
  - \\.tmp$
  - ^scratch/
substitutions:
  ' ': _
""" + ADDRESS + NOTIFY


def generate(root: Path, files: int, per_folder: int = 50) -> None:
    """``files`` files in ``files // per_folder`` folders, deterministic; sizes are holes."""
    rng = random.Random(20261201)
    root.mkdir()
    (root / "SIGNATURE").write_bytes(b"version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\n"
                                     b"signature:Ara83XX0K7K15HeRcHM9hXMrNpw=\n")
    for folder in range(files // per_folder):
        year = 2000 + folder % 20
        path = root / f"{year}" / f"album {folder:05d} - trip"
        path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDONLY)
        try:
            for n in range(per_folder):
                name = f"IMG_{folder:05d}_{n:03d} holiday photo.jpg"
                f = os.open(name, os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd)
                os.ftruncate(f, rng.randint(1, 10_000_000))
                os.close(f)
        finally:
            os.close(fd)


def ours(tree: Path, manifest: Path, keys: Path) -> list[str]:
    return [str(OURS), "preflight", str(tree), "--manifest", str(manifest), "--keys",
            str(keys), "--no-progress", "--format", "json"]


def run_timed(cmd: list[str], out: Path) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in KiB, CPU seconds user+system) of one run, output to
    ``out``. CPU time is reported too: on a shared machine it varies far less than wall
    time, which includes the time other processes hold the cores."""
    with open(out, "wb") as sink:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err}")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def _prepare(work: Path, tree: Path, files: int) -> Path:
    """Generate ``tree`` and write the manifest; returns the manifest's path."""
    started = time.perf_counter()
    generate(tree, files)
    print(f"generated {files:,} files in {files // 50:,} folders "
          f"({time.perf_counter() - started:.1f} s)")
    manifest = work / "m.yaml"
    manifest.write_text(MANIFEST)
    return manifest


def bench_time(work: Path, files: int, rounds: int) -> None:
    tree = work / "tree"
    manifest = _prepare(work, tree, files)
    find = ["find", str(tree), "-type", "f", "-printf", "%s %p\\n"]
    run_timed(find, work / "find.out")  # warm the cache
    run_timed(ours(tree, manifest, work / "keys.csv"), work / "ours.json")
    mine, theirs, ratios, cpu_ratios = [], [], [], []
    for _ in range(rounds):
        a, _rss, a_cpu = run_timed(ours(tree, manifest, work / "keys.csv"), work / "ours.json")
        b, _rss, b_cpu = run_timed(find, work / "find.out")
        mine.append(a)
        theirs.append(b)
        ratios.append(a / b)
        cpu_ratios.append(a_cpu / b_cpu)
    with open(work / "keys.csv", encoding="utf-8") as csv_file:
        rows = sum(1 for _ in csv_file) - 1
    print(f"preflight --keys: median {statistics.median(mine):.3f} s ({rows:,} CSV rows)")
    print(f"find -printf:     median {statistics.median(theirs):.3f} s")
    print(f"ratio (ours/find), median of {rounds} rounds: {statistics.median(ratios):.2f}x "
          f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x)")
    print(f"CPU-time ratio (user+system), median: {statistics.median(cpu_ratios):.2f}x "
          f"(min {min(cpu_ratios):.2f}x, max {max(cpu_ratios):.2f}x)")
    _remove(tree)


def bench_memory(work: Path, files: int) -> None:
    tree = work / "big"
    manifest = _prepare(work, tree, files)
    seconds, rss, _cpu = run_timed(ours(tree, manifest, work / "big.csv"),
                                   work / "big.json")
    print(f"preflight --keys at {files:,} files: {seconds:.1f} s, peak RSS {rss / 1024:.1f} MiB")
    _remove(tree)


def _remove(tree: Path) -> None:
    started = time.perf_counter()
    shutil.rmtree(tree)
    print(f"removed {tree.name} ({time.perf_counter() - started:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None,
                        help="where to generate the trees (default /dev/shm)")
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "7")))
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    install_ours()
    work = Path(tempfile.mkdtemp(prefix="mt-bench-preflight-", dir=args.dir))
    os.chdir(ROOT)
    try:
        bench_time(work, args.files, args.rounds)
        if not args.skip_memory:
            bench_memory(work, args.big)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
