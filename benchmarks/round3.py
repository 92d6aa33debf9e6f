"""Issue 24's pairs, before and after, side by side in one run (by hand, never a test).

``.venv/bin/python benchmarks/round3.py [--before REV] [--rounds N]`` extracts REV
(default ``main``) with ``git archive`` into benchmarks/.work/round3/before and runs, in
interleaved rounds, each command three ways: the code before, this tree, and the peer.
Both trees run from source with the same interpreter (``python -m manifest_tools``,
bytecode compiled once into a cache), so the before/after ratio is the change alone.
Printed per pair: the medians, the median of the per-round ratios (ours / peer) before and
after, CPU seconds (user + system, ``wait4``) and the load average.

Pairs (smaller than the issue's where noted, to fit a shared machine):
- ``validate`` one file vs ``check-jsonschema --schemafile`` (from this venv);
- ``validate -q`` of the 1,000 generated manifests (benchmarks/run.py's) vs the same;
- ``log --device`` of one 256 MiB file vs ``md5sum`` (tmpfs, page cache);
- ``preflight --keys`` of 20,000 empty files in 400 folders vs ``find -printf``.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="main")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    before = WORK / "before"
    shutil.rmtree(before, ignore_errors=True)
    before.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", args.before, "manifest_tools", "schemas"],
                             cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
    trees = {"before": before, "after": ROOT}
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import run as bench_run  # the 1,000 manifests of benchmarks/run.py

    files = [str(p) for p in bench_run.generate()]
    cj = str(Path(PY).parent / "check-jsonschema")
    ours = [PY, "-m", "manifest_tools"]
    compare("validate 1 file vs check-jsonschema", [*ours, "validate", files[0]],
            [cj, "--schemafile", str(SCHEMA), files[0]], trees, args.rounds)
    compare("validate 1,000 files vs check-jsonschema", [*ours, "validate", "-q", *files],
            [cj, "--schemafile", str(SCHEMA), *files], trees, args.rounds)
    with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
        _log_pair(Path(shm), ours, trees, args.rounds)
    with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
        _preflight_pair(Path(shm), ours, trees, args.rounds)


def _log_pair(shm: Path, ours: list[str], trees: dict[str, Path], rounds: int) -> None:
    sys.path.insert(0, str(ROOT))
    from manifest_tools.logs.write import LogWriter

    device = shm / "dev"
    device.mkdir()
    block = hashlib.sha256(b"seed").digest() * (1024 * 1024 // 32)
    digest = hashlib.md5()
    with (device / "one.bin").open("wb") as f:
        for n in range(256):
            chunk = n.to_bytes(8, "little") + block[8:]
            f.write(chunk)
            digest.update(chunk)
    log = shm / "import-log-BIG01"
    with log.open("w", newline="", encoding="utf-8") as f:
        LogWriter(f).loaded("one.bin", "bucket/one.bin", digest.hexdigest(), 256 * 1024 * 1024)
    compare("log --device one 256 MiB file vs md5sum",
            [*ours, "log", str(log), "--device", str(device), "--no-progress"],
            ["md5sum", str(device / "one.bin")], trees, rounds)


def _preflight_pair(shm: Path, ours: list[str], trees: dict[str, Path], rounds: int) -> None:
    device = shm / "dev"
    for d in range(400):
        folder = device / f"album {d:03d}"
        folder.mkdir(parents=True)
        for n in range(50):
            (folder / f"photo {n:02d}.jpg").touch()
    manifest = shm / "manifest.yaml"
    manifest.write_bytes((ROOT / "samples" / "valid" / "s3-import.yaml").read_bytes())
    compare("preflight --keys 20,000 files vs find -printf",
            [*ours, "preflight", str(device), "--manifest", str(manifest), "--keys",
             str(shm / "keys.csv"), "--no-progress", "--format", "json"],
            ["sh", "-c", f"find '{device}' -type f -printf '%s %p\\n' > '{shm}/find.txt'"],
            trees, rounds)


if __name__ == "__main__":
    main()
