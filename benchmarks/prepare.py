"""Benchmark ``manifest-tools prepare`` and ``log --journal``, interleaved, medians and ratios.

Run by hand (``.venv/bin/python benchmarks/prepare.py``; ``BENCH_ROUNDS=N``, ``BENCH_BIG=0``
to leave out the 1 GiB file, ``BENCH_PARTS=3`` (or ``1,2``...) to run only those parts below,
``BENCH_KEEP=1`` to keep the generated files for profiling); never a test. In
benchmarks/.work/prepare it generates, then deletes when done:

1. 1,000 files of 1 MiB, and one file of 1 GiB: ``prepare SRC DEV`` onto a fresh folder
   device (its files durable: fsync each, folders synced, journal) against
   ``cp -a SRC DEV && sync -f DEV`` (the peer is timed until its files are durable too), and
   against the careful user's two steps: that, then ``md5sum`` of every source file read from
   the disk. Before every timed run the source files' pages are dropped
   (``posix_fadvise(DONTNEED)``: only this benchmark's files, not the whole machine's cache),
   and again between the peer's two steps, so every side reads the source from the disk.
2. The resume of the finished 1,000-file job (nothing to copy: walk, journal, device walk,
   the device's preflight) against ``find SRC -printf '%s %T@ %p\\n'``; beside it the
   floors no Python command goes below, ``python -I -S -c pass`` and ``python -c pass``.
3. ``log LOG --journal J`` over a 1,000,000-row log and journal: wall time, CPU time and
   peak RSS, beside ``log LOG`` alone (the same log read and summarised, no journal: what
   the journal adds is the difference).

``BENCH_BASE=DIR`` runs the package exported in DIR too, interleaved (before and after).
Each pair runs alternately; printed: both medians, the median of the per-pair ratios, the
CPU seconds (user + system) of each side and the median 1-minute load average when the
pair's runs started. The machine is shared and noisy: quote ratios and CPU times.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from logs import ENV, OURS, run  # noqa: E402

from manifest_tools.device.journal import JournalHeader, JournalRow, JournalWriter  # noqa: E402
from manifest_tools.logs.write import LogWriter  # noqa: E402
from tests.manifests import IMPORT  # noqa: E402

WORK = HERE / ".work" / "prepare"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
BIG = os.environ.get("BENCH_BIG", "1") != "0"
PARTS = {int(p) for p in os.environ.get("BENCH_PARTS", "1,2,3").split(",")}
KEEP = os.environ.get("BENCH_KEEP", "0") != "0"
MiB = 1024 * 1024
BLOCK = hashlib.sha256(b"seed").digest() * (MiB // 32)
ENV["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
# BENCH_BASE=DIR: also run the manifest_tools package found in DIR (e.g. an export of main:
# ``git archive main manifest_tools | tar -x -C DIR``), interleaved with ours, marked [base].
BASE = os.environ.get("BENCH_BASE")
BASE_COMMAND = [sys.executable, "-c", f"import sys; sys.path.insert(0, {BASE!r}); "
                "from manifest_tools.cli.entry import main; main()"]


def _file(path: Path, mib: int, salt: int) -> None:
    with path.open("wb") as f:
        for n in range(mib):
            f.write(salt.to_bytes(8, "little") + n.to_bytes(8, "little") + BLOCK[16:])


def drop(folder: Path) -> None:
    """Drop the page cache of every file below ``folder`` (written back first)."""
    for dirpath, _, names in os.walk(folder):
        for name in names:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fdatasync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def generate() -> None:
    if PARTS & {1, 2}:
        many = WORK / "many"
        for n in range(1000):
            folder = many / f"d{n // 100}"
            folder.mkdir(parents=True, exist_ok=True)
            _file(folder / f"f{n:04d}.bin", 1, n + 1)
        if BIG and 1 in PARTS:
            (WORK / "big").mkdir(parents=True, exist_ok=True)
            _file(WORK / "big" / "one.bin", 1024, 0)
        (WORK / "m.yaml").write_text(IMPORT)
        (WORK / "status.json").write_bytes((HERE.parent / "samples" / "status" /
                                            "get-status.json").read_bytes())
    if 3 in PARTS and not (WORK / "journal-1m").exists():
        generate_log()


def generate_log() -> None:
    """Part 3's inputs: a 1,000,000-row log and the journal it agrees with."""
    rows = 1_000_000
    header = JournalHeader(str(WORK / "src"), "0" * 64)
    writer = JournalWriter(str(WORK / "journal-1m"), header, None)
    with (WORK / "import-log-ROWS1").open("w", newline="", encoding="utf-8") as f:
        log = LogWriter(f)
        log.signature(86)
        batch = []
        for n in range(rows):
            path, md5 = f"dir{n % 100}/file{n}.jpg", f"{n:032x}"
            batch.append(JournalRow(path, path, n, md5, 1_700_000_000_000_000_000 + n))
            log.loaded(path, f"bucket/{path}", md5, n, "image/jpeg")
            if len(batch) == 4096:
                writer.rows(batch)
                batch = []
        writer.rows(batch)
    writer.close()


def _fresh(name: str) -> Path:
    target = WORK / name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    return target


Pairs = dict[str, tuple[Callable[[], tuple[float, int, float]],
                        Callable[[], tuple[float, int, float]]]]


def copy_pairs(name: str, src: Path, ours_command: list[str]) -> Pairs:
    def ours() -> tuple[float, int, float]:
        dev = _fresh("dev")
        journal = WORK / "journal"
        journal.unlink(missing_ok=True)
        drop(src)
        return run([*ours_command, "prepare", str(src), str(dev), "--manifest",
                    str(WORK / "m.yaml"),
                    "--status", str(WORK / "status.json"), "--journal", str(journal),
                    "--no-progress"])

    def cp_sync() -> tuple[float, int, float]:
        dev = _fresh("dev")
        drop(src)
        return run(["sh", "-c", f"cp -a '{src}' '{dev}/src' && sync -f '{dev}'"])

    def two_steps() -> tuple[float, int, float]:
        dev = _fresh("dev")
        drop(src)
        first = run(["sh", "-c", f"cp -a '{src}' '{dev}/src' && sync -f '{dev}'"])
        drop(src)
        files = sorted(str(p) for p in src.rglob("*") if p.is_file())
        second = run(["md5sum", *files])
        return first[0] + second[0], max(first[1], second[1]), first[2] + second[2]

    return {f"prepare {name} vs cp -a + sync": (ours, cp_sync),
            f"prepare {name} vs cp -a + sync, then md5sum from disk": (ours, two_steps)}


def resume_pair(ours_command: list[str]) -> tuple[Callable[[], tuple[float, int, float]],
                                                  Callable[[], tuple[float, int, float]]]:
    src, dev, journal = WORK / "many", WORK / "resume-dev", WORK / "resume-journal"
    args = [*ours_command, "prepare", str(src), str(dev), "--manifest", str(WORK / "m.yaml"),
            "--status", str(WORK / "status.json"), "--journal", str(journal), "--no-progress"]
    if not journal.exists():
        dev.mkdir(exist_ok=True)
        run(args)  # the finished job
    return (lambda: run(args),
            lambda: run(["find", str(src), "-printf", "%s %T@ %p\n"]))


def build_pairs() -> Pairs:
    """The pairs of the parts asked for (BENCH_PARTS), with BENCH_BASE's too."""
    pairs: Pairs = {}
    for label, command in ((" [base]", BASE_COMMAND), ("", OURS)) if BASE else (
            ("", OURS),):
        if 1 in PARTS:
            for name, pair in copy_pairs("1,000 x 1 MiB", WORK / "many",
                                         command).items():
                pairs[name + label] = pair
            if BIG:
                for name, pair in copy_pairs("one 1 GiB file", WORK / "big",
                                             command).items():
                    pairs[name + label] = pair
        if 2 in PARTS:
            pairs["resume of the finished 1,000-file job vs find -printf" + label] = \
                resume_pair(command)
        if 3 in PARTS:
            log = [*command, "log", str(WORK / "import-log-ROWS1"), "--format", "json"]
            journal = [*log, "--journal", str(WORK / "journal-1m")]
            pairs["log --journal, 1,000,000 rows vs log alone" + label] = (
                partial(run, journal), partial(run, log))
            run(journal)  # bytecode compiled once, untimed
    if 2 in PARTS:
        # What no Python program can go below: the interpreter's own start (isolated, no
        # site; then as the CLI starts, with site and the installed package's .pth
        # files).
        find = ["find", str(WORK / "many"), "-printf", "%s %T@ %p\n"]
        pairs["floor: python -I -S -c pass vs find -printf"] = (
            lambda: run([sys.executable, "-I", "-S", "-c", "pass"]), lambda: run(find))
        pairs["floor: python -c pass vs find -printf"] = (
            lambda: run([sys.executable, "-c", "pass"]), lambda: run(find))
    return pairs


def main() -> None:
    print(f"generating in {WORK} ...", flush=True)
    WORK.mkdir(parents=True, exist_ok=True)
    try:
        generate()
        pairs = build_pairs()
        results: dict[str, list[tuple[float, float, int, float, float, float]]] = {}
        for _ in range(ROUNDS):
            for name, (ours, peer) in pairs.items():
                load = os.getloadavg()[0]
                t_ours, rss, cpu_ours = ours()
                t_peer, _, cpu_peer = peer()
                results.setdefault(name, []).append((t_ours, t_peer, rss, cpu_ours, cpu_peer,
                                                     load))
        print(f"{ROUNDS} interleaved rounds, {os.cpu_count()} CPUs")
        print("| pair | ours (median) | peer (median) | ratio (median of pairs) | "
              "CPU s ours / peer (medians) | ours peak RSS | load |")
        print("|---|---|---|---|---|---|---|")
        for name, runs in results.items():
            ratio = statistics.median(r[0] / r[1] for r in runs)
            cpu = (f"{statistics.median(r[3] for r in runs):.2f} / "
                   f"{statistics.median(r[4] for r in runs):.2f}")
            print(f"| {name} | {statistics.median(r[0] for r in runs):.3f} s | "
                  f"{statistics.median(r[1] for r in runs):.3f} s | **{ratio:.2f}** | {cpu} | "
                  f"{max(r[2] for r in runs) / 1024:.0f} MB | "
                  f"{statistics.median(r[5] for r in runs):.1f} |", flush=True)
    finally:
        if KEEP:
            print(f"kept {WORK}")
        else:
            shutil.rmtree(WORK, ignore_errors=True)
            print(f"removed {WORK}")


if __name__ == "__main__":
    main()
