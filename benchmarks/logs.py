"""Benchmark ``manifest-tools log`` against md5sum, interleaved, medians and ratios.

Run by hand (``.venv/bin/python benchmarks/logs.py``; ``BENCH_ROUNDS=N``); never a test. In
benchmarks/.work/logs it generates, then deletes when done:

1. one file of 1 GiB and a log row for it: ``log LOG --device DIR`` (start-up, read the log,
   walk, MD5 the file) against ``md5sum FILE``, and the library's ``md5_file`` alone in a
   plain ``python -c`` against the same;
2. 1,000 files of 1 MiB and their log: ``log LOG --device DIR`` (threads, ``--jobs``
   default) against ``md5sum`` over the same 1,000 files (one process);
3. a 1,000,000-row log: ``log LOG`` (read and summarise, no device) wall time and peak RSS,
   against a plain ``csv.reader`` loop over the same file in the same interpreter.

Files are read once before timing so both sides hash from the page cache (the CPU, not the
disk, is measured). Python's bytecode is compiled once, into benchmarks/.work/logs/pycache,
by an untimed first run of each command, as an installed package has it: with
``PYTHONDONTWRITEBYTECODE=1`` (set on the project machine) and the editable install, every
run would compile manifest_tools' sources again (+30 ms a run). Each pair runs alternately;
printed: both medians and the median of the per-pair ratios (ours / peer). Quote ratios:
the machine is shared and noisy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "logs"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
OURS = [sys.executable, "-m", "manifest_tools"]
MiB = 1024 * 1024
BLOCK = hashlib.sha256(b"seed").digest() * (MiB // 32)  # 1 MiB of fixed pseudo-random bytes
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")

sys.path.insert(0, str(ROOT))
from manifest_tools.logs.write import LogWriter  # noqa: E402


def _file(path: Path, mib: int, salt: int) -> str:
    """Write ``mib`` MiB (each block salted so files differ); return the MD5."""
    digest = hashlib.md5()
    with path.open("wb") as f:
        for n in range(mib):
            block = salt.to_bytes(8, "little") + n.to_bytes(8, "little") + BLOCK[16:]
            f.write(block)
            digest.update(block)
    return digest.hexdigest()


def _log(path: Path, rows: Sequence[tuple[str, str, int]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = LogWriter(f)
        for rel, md5, size in rows:
            writer.loaded(rel, f"bucket/{rel}", md5, size)


def generate() -> dict[str, Path]:
    big, many = WORK / "big", WORK / "many"
    big.mkdir(parents=True, exist_ok=True)
    many.mkdir(parents=True, exist_ok=True)
    _log(WORK / "import-log-BIG01", [("one.bin", _file(big / "one.bin", 1024, 0), 1024 * MiB)])
    rows = [(f"f{n:04d}.bin", _file(many / f"f{n:04d}.bin", 1, n + 1), MiB)
            for n in range(1000)]
    _log(WORK / "import-log-MANY1", rows)
    with (WORK / "import-log-ROWS1").open("w", newline="", encoding="utf-8") as f:
        writer = LogWriter(f)
        for n in range(1_000_000):
            writer.loaded(f"dir{n % 100}/file{n}.jpg", f"bucket/prefix/dir{n % 100}/file{n}.jpg",
                          "f60fe317bc497b1204b327094959eb64", n, "image/jpeg")
    return {"big": big, "many": many}


def warm(folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        with path.open("rb") as f:
            while f.read(8 * MiB):
                pass


def run(argv: Sequence[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (KiB) and CPU seconds (user + system) of one process; it
    must exit 0."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{argv[:6]} exited {proc.returncode}: {err[-2000:]}")
    return seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


CSV_PEER = ("import csv,sys\n"
            "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
            "    for row in csv.reader(f): pass\n")


def pairs() -> dict[str, tuple[list[str], list[str]]]:
    many = sorted(str(p) for p in (WORK / "many").iterdir())
    return {
        "MD5 of one 1 GiB file": (
            [*OURS, "log", str(WORK / "import-log-BIG01"), "--device", str(WORK / "big"),
             "--no-progress"],
            ["md5sum", str(WORK / "big" / "one.bin")]),
        "MD5 of one 1 GiB file, library (md5_file, no CLI start-up)": (
            [sys.executable, "-c", "import sys; from manifest_tools.logs.hashing import "
             "md5_file; md5_file(sys.argv[1])", str(WORK / "big" / "one.bin")],
            ["md5sum", str(WORK / "big" / "one.bin")]),
        "MD5 of 1,000 files of 1 MiB": (
            [*OURS, "log", str(WORK / "import-log-MANY1"), "--device", str(WORK / "many"),
             "--no-progress"],
            ["md5sum", *many]),
        "read a 1,000,000-row log": (
            [*OURS, "log", str(WORK / "import-log-ROWS1"), "--format", "json"],
            [sys.executable, "-c", CSV_PEER, str(WORK / "import-log-ROWS1")]),
    }


def main() -> None:
    print(f"generating in {WORK} ...", flush=True)
    try:
        generate()
        warm(WORK / "big")
        warm(WORK / "many")
        for ours, peer in pairs().values():  # bytecode compiled once, untimed
            run(ours)
            run(peer)
        results: dict[str, list[tuple[float, float, int, float, float]]] = {}
        for _ in range(ROUNDS):
            for name, (ours, peer) in pairs().items():
                t_ours, rss, cpu_ours = run(ours)
                t_peer, _, cpu_peer = run(peer)
                results.setdefault(name, []).append((t_ours, t_peer, rss, cpu_ours, cpu_peer))
        print(f"{ROUNDS} interleaved rounds, {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.1f} at the end")
        print("| pair | ours (median) | peer (median) | ratio (median of pairs) | "
              "CPU s ours / peer (medians) | ours peak RSS |")
        print("|---|---|---|---|---|---|")
        for name, runs in results.items():
            ours_t = statistics.median(r[0] for r in runs)
            peer_t = statistics.median(r[1] for r in runs)
            ratio = statistics.median(r[0] / r[1] for r in runs)
            peak_mb = max(r[2] for r in runs) / 1024
            cpu = (f"{statistics.median(r[3] for r in runs):.2f} / "
                   f"{statistics.median(r[4] for r in runs):.2f}")
            print(f"| {name} | {ours_t:.2f} s | {peer_t:.2f} s | **{ratio:.2f}** | {cpu} | "
                  f"{peak_mb:.0f} MB |")
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
        print(f"removed {WORK}")


if __name__ == "__main__":
    main()
