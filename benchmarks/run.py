"""Benchmark manifest-tools against check-jsonschema, interleaved, medians and ratios.

Run by hand (``make bench``); never part of the tests. It:
1. generates 1,000 S3 import manifests (0.5-3 KB, standard YAML, deterministic seed) under
   benchmarks/.work/manifests;
2. installs check-jsonschema into its own venv (benchmarks/.work/cj-venv) once;
3. runs each pair of commands alternately N times (default 9) and prints both medians and
   the median of the per-pair ratios (ours / theirs). Quote ratios, not absolute times: the
   machines are shared and noisy.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import venv
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"
MANIFESTS = WORK / "manifests"
CJ_VENV = WORK / "cj-venv"
# Ours is measured as users install it (`pip install .`, not the editable dev install, whose
# import hook alone costs ~25 ms per start).
OURS_VENV = WORK / "ours-venv"
SCHEMA = ROOT / "schemas" / "s3-import.schema.json"
COUNT = 1000
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
OURS_BIN = OURS_VENV / "bin" / "manifest-tools"


def generate() -> list[Path]:
    MANIFESTS.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261128)
    paths = []
    for n in range(COUNT):
        lines = [
            "manifestVersion: \"2.0\"",
            "accessKeyId: AKIA2E0A8F3B244C9986",
            f"deviceId: \"DEV-{n:05d}\"",
            f"bucket: import-bucket-{n % 17}",
            "eraseDevice: \"yes\"",
            f"logPrefix: logs/{n}/",
            f"notificationEmail: person{n}@example.com",
            "returnAddress:",
            f"  name: Person {n}",
            f"  street1: {rng.randint(1, 9999)} Main Street",
            "  city: Seattle",
            "  stateOrProvince: WA",
            f"  postalCode: \"{rng.randint(10000, 99999)}\"",
            "  phoneNumber: 206-555-0100",
            "  country: USA",
        ]
        extra = rng.randint(0, 40)  # 0.5-3 KB
        if extra:
            lines.append("contentTypes:")
            lines += [f"  ext{i}: application/x-type-{i}-{rng.randint(0, 10**6)}"
                      for i in range(extra)]
        path = MANIFESTS / f"manifest-{n:04d}.yaml"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def check_jsonschema() -> Path:
    exe = CJ_VENV / "bin" / "check-jsonschema"
    if not exe.exists():
        venv.create(CJ_VENV, with_pip=True)
        subprocess.run([str(CJ_VENV / "bin" / "pip"), "install", "-q", "check-jsonschema"],
                       check=True)
    return exe


def install_ours() -> None:
    if not OURS_VENV.exists():
        venv.create(OURS_VENV, with_pip=True)
        subprocess.run([str(OURS_VENV / "bin" / "pip"), "install", "-q", str(ROOT)], check=True)
    subprocess.run([str(OURS_VENV / "bin" / "pip"), "install", "-q", "--no-deps",
                    "--force-reinstall", str(ROOT)], check=True)


def timed(cmd: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def instructions(cmd: Sequence[str]) -> int:
    """Instructions executed (valgrind callgrind): repeatable whatever the machine's load."""
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           *cmd], capture_output=True, text=True, check=False)
    for line in proc.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1].strip())
    raise RuntimeError(f"no instruction count for {cmd[0]}")


def compare_instructions(label: str, ours: Sequence[str], theirs: Sequence[str]) -> None:
    a, b = instructions(ours), instructions(theirs)
    print(f"{label:<34} ours {a / 1e6:8.1f} M    peer {b / 1e6:8.1f} M    ratio {a / b:.3f}")


def compare(label: str, ours: Sequence[str], theirs: Sequence[str]) -> None:
    timed(ours), timed(theirs)  # warm the page cache
    a, b = [], []
    for _ in range(ROUNDS):
        a.append(timed(ours))
        b.append(timed(theirs))
    ratios = [x / y for x, y in zip(a, b, strict=True)]
    print(f"{label:<34} ours {statistics.median(a) * 1000:8.1f} ms   peer "
          f"{statistics.median(b) * 1000:8.1f} ms   ratio {statistics.median(ratios):.3f}")


def main() -> None:
    paths = [str(p) for p in generate()]
    cj = str(check_jsonschema())
    install_ours()
    one = paths[0]
    print(f"{ROUNDS} interleaved rounds; ratio = median of per-pair ours/peer")
    for p in paths[:5]:  # sanity: both tools agree the files are valid
        assert subprocess.run([str(OURS_BIN), "validate", "-q", p]).returncode == 0
        assert subprocess.run([cj, "--schemafile", str(SCHEMA), p],
                              stdout=subprocess.DEVNULL).returncode == 0
    compare("validate 1 file (console script)", [str(OURS_BIN), "validate", one],
            [cj, "--schemafile", str(SCHEMA), one])
    compare("validate 1,000 files", [str(OURS_BIN), "validate", "-q", *paths],
            [cj, "--schemafile", str(SCHEMA), *paths])
    # The samples folder: ours walks the folder; the peer gets the same files by name
    # (against the S3 import schema: its verdicts on the other job types do not matter here).
    folder = ROOT / "samples" / "valid"
    files = [str(p) for p in sorted(folder.glob("*.yaml"))]
    compare("validate samples/valid folder", [str(OURS_BIN), "validate", "-q", str(folder)],
            [cj, "--schemafile", str(SCHEMA), *files])
    compare("--help vs python -c pass", [str(OURS_BIN), "--help"],
            [sys.executable, "-c", "pass"])
    status = str(ROOT / "samples" / "status" / "get-status.txt")
    compare("status vs validate (1 file)", [str(OURS_BIN), "status", status],
            [str(OURS_BIN), "validate", one])
    compare("verify --status vs validate", [str(OURS_BIN), "verify", "--status", status],
            [str(OURS_BIN), "validate", one])
    if shutil.which("valgrind") and os.environ.get("BENCH_VALGRIND", "1") != "0":
        print("\ninstructions executed (valgrind callgrind; noise-free cross-check)")
        compare_instructions("validate 1 file", [str(OURS_BIN), "validate", one],
                             [cj, "--schemafile", str(SCHEMA), one])
        compare_instructions("--help vs python -c pass", [str(OURS_BIN), "--help"],
                             [str(OURS_VENV / "bin" / "python"), "-c", "pass"])
        compare_instructions("status vs validate", [str(OURS_BIN), "status", status],
                             [str(OURS_BIN), "validate", one])
        compare_instructions("verify --status vs validate",
                             [str(OURS_BIN), "verify", "--status", status],
                             [str(OURS_BIN), "validate", one])


if __name__ == "__main__":
    main()
