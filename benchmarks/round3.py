"""Issue 24's pairs, before and after, side by side in one run (by hand, never a test).

``.venv/bin/python benchmarks/round3.py [--before REV] [--rounds N]`` extracts REV
(default ``main``) with ``git archive`` into benchmarks/.work/round3/before and runs, in
interleaved rounds, each command three ways: the code before, this tree, and the peer.
Both trees run from source with the same interpreter (``python -m manifest_tools``,
bytecode compiled once into a cache), so the before/after ratio is the change alone.
Printed per pair: the medians, the median of the per-round ratios (ours / peer) before and
after, CPU seconds (user + system, ``wait4``) and the load average.

Pairs (the issue's sizes):
- ``validate`` one file vs ``check-jsonschema --schemafile`` (from this venv);
- ``validate -q`` of the 1,000 generated manifests (benchmarks/run.py's) vs the same;
- ``log --device`` of one 1 GiB file vs ``md5sum`` (tmpfs, page cache);
- ``log --device`` of 1,000 files of 1 MiB vs ``md5sum`` of them (one process);
- ``preflight --keys`` of 100,000 files in 2,000 folders (benchmarks/preflight.py's tree and
  manifest: a prefix, two ignore patterns, a substitution; sizes are holes) vs
  ``find -type f -printf '%s %p\\n' > FILE``.

Switches: ``BENCH_PARTS`` (comma-separated, default all: ``validate``, ``validate-bulk``,
``log-big``, ``log-many``, ``preflight``) runs only those; ``BENCH_ROUNDS`` is ``--rounds``;
``BENCH_LOG_MIB`` (default 1024) the size of the one big file; ``BENCH_PREFLIGHT_FILES``
(default 100,000) the preflight tree; ``BENCH_PREFLIGHT_MANIFEST=sample`` preflights with
samples/valid/s3-import.yaml (``^.*\\.bak$``, ``^tmp/.*``, two substitutions) instead.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work" / "round3"
SCHEMA = ROOT / "schemas" / "s3-import.schema.json"
PY = sys.executable
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")


def run(argv: Sequence[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one process (output discarded)."""
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def compare(label: str, ours: Sequence[str], peer: Sequence[str], trees: dict[str, Path],
            rounds: int) -> None:
    sides = {**{name: (list(ours), tree) for name, tree in trees.items()},
             "peer": (list(peer), WORK)}
    for argv, cwd in sides.values():
        run(argv, cwd)  # warm caches, compile bytecode
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, (argv, cwd) in sides.items():
            times[name].append(run(argv, cwd))
    load = os.getloadavg()[0]
    print(f"\n{label}  (load {load:.1f})")
    for name in sides:
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        pairs = list(zip(times[name], times["peer"], strict=True))
        wall_ratio = statistics.median(a[0] / b[0] for a, b in pairs)
        cpu_ratio = statistics.median(a[1] / b[1] for a, b in pairs)
        ratio = "" if name == "peer" else (
            f"  ours/peer {wall_ratio:.2f} (CPU {cpu_ratio:.2f})")
        print(f"  {name:7s} wall {wall:7.3f} s  CPU {cpu:7.3f} s{ratio}")


PARTS = ("validate", "validate-bulk", "log-big", "log-many", "preflight")


def _parts() -> set[str]:
    chosen = {p.strip() for p in os.environ.get("BENCH_PARTS", ",".join(PARTS)).split(",")}
    unknown = chosen - set(PARTS) - {""}
    if unknown:
        raise SystemExit(f"BENCH_PARTS: unknown {sorted(unknown)}; choose from {PARTS}")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="main")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "5")))
    args = parser.parse_args()
    parts = _parts()
    before = WORK / "before"
    shutil.rmtree(before, ignore_errors=True)
    before.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", args.before, "manifest_tools", "schemas"],
                             cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
    trees = {"before": before, "after": ROOT}
    sys.path.insert(0, str(ROOT / "benchmarks"))
    ours = [PY, "-m", "manifest_tools"]
    if parts & {"validate", "validate-bulk"}:
        import run as bench_run  # the 1,000 manifests of benchmarks/run.py

        files = [str(p) for p in bench_run.generate()]
        cj = str(Path(PY).parent / "check-jsonschema")
        if "validate" in parts:
            compare("validate 1 file vs check-jsonschema", [*ours, "validate", files[0]],
                    [cj, "--schemafile", str(SCHEMA), files[0]], trees, args.rounds)
        if "validate-bulk" in parts:
            compare("validate 1,000 files vs check-jsonschema",
                    [*ours, "validate", "-q", *files],
                    [cj, "--schemafile", str(SCHEMA), *files], trees, args.rounds)
    if "log-big" in parts:
        with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
            mib = int(os.environ.get("BENCH_LOG_MIB", "1024"))
            _log_pair(Path(shm), ours, trees, args.rounds, [("one.bin", mib)],
                      f"log --device one {mib:,} MiB file vs md5sum")
    if "log-many" in parts:
        with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
            _log_pair(Path(shm), ours, trees, args.rounds,
                      [(f"d{n // 100:02d}/f{n:04d}.bin", 1) for n in range(1000)],
                      "log --device 1,000 x 1 MiB vs md5sum of them")
    if "preflight" in parts:
        with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
            _preflight_pair(Path(shm), ours, trees, args.rounds)


def _log_pair(shm: Path, ours: list[str], trees: dict[str, Path], rounds: int,
              files: list[tuple[str, int]], label: str) -> None:
    """A device of ``files`` ((relative path, MiB) each, distinct data), its import log
    (every file ``200 Loaded`` with its MD5), read once so both sides hash from the page
    cache."""
    sys.path.insert(0, str(ROOT))
    from manifest_tools.logs.write import LogWriter

    device = shm / "dev"
    block = hashlib.sha256(b"seed").digest() * (1024 * 1024 // 32)
    log = shm / "import-log-BIG01"
    serial = 0
    with log.open("w", newline="", encoding="utf-8") as out:
        writer = LogWriter(out)
        for relpath, mib in files:
            path = device / relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.md5()
            with path.open("wb") as f:
                for _ in range(mib):
                    serial += 1
                    chunk = serial.to_bytes(8, "little") + block[8:]
                    f.write(chunk)
                    digest.update(chunk)
            writer.loaded(relpath, f"bucket/{relpath}", digest.hexdigest(),
                          mib * 1024 * 1024)
    compare(label, [*ours, "log", str(log), "--device", str(device), "--no-progress"],
            ["md5sum", *(str(device / relpath) for relpath, _ in files)], trees, rounds)


def _preflight_pair(shm: Path, ours: list[str], trees: dict[str, Path], rounds: int) -> None:
    import preflight as bench_preflight  # benchmarks/preflight.py: the tree and manifest

    count = int(os.environ.get("BENCH_PREFLIGHT_FILES", "100000"))
    device = shm / "dev"
    bench_preflight.generate(device, count)
    manifest = shm / "manifest.yaml"
    if os.environ.get("BENCH_PREFLIGHT_MANIFEST") == "sample":
        manifest.write_bytes((ROOT / "samples" / "valid" / "s3-import.yaml").read_bytes())
    else:
        manifest.write_text(bench_preflight.MANIFEST)
    compare(f"preflight --keys {count:,} files vs find -printf",
            [*ours, "preflight", str(device), "--manifest", str(manifest), "--keys",
             str(shm / "keys.csv"), "--no-progress", "--format", "json"],
            ["sh", "-c", f"find '{device}' -type f -printf '%s %p\\n' > '{shm}/find.txt'"],
            trees, rounds)


if __name__ == "__main__":
    main()
