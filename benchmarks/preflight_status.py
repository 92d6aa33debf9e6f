"""CPU time of ``preflight DEV --manifest M --status S`` against a peer checkout.

By hand (never in the tests): ``.venv/bin/python benchmarks/preflight_status.py PEER`` where
PEER is another source tree of manifest-tools (e.g. ``git worktree add /tmp/peer main``, or
``git archive main | tar -x -C /tmp/peer``). A generated device of ``--files`` files (default
5,000) and a CurrentManifest in AWS's compact form (same fields, other text, so verify
compares fields and shows a diff) are checked by both trees alternately, ``--rounds`` times
(default 7), each run in a fresh interpreter; prints each side's median child CPU time and
the median of the per-round ratios (this tree / peer).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from preflight_status_work import write_job  # noqa: E402


def _cpu(tree: Path, argv: list[str]) -> float:
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from manifest_tools.cli.app import main; main(sys.argv[2:])")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code, str(tree), *argv], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("peer", type=Path)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        dev = write_job(root, "compact")
        for n in range(args.files):
            folder = dev / f"d{n // 50:04d}"
            folder.mkdir(exist_ok=True)
            (folder / f"IMG_{n:06d}.jpg").write_bytes(b"x")
        argv = ["preflight", str(dev), "--manifest", str(root / "m.yaml"), "--status",
                str(root / "status.json"), "--format", "json", "--no-progress"]
        ours: list[float] = []
        peer: list[float] = []
        for _ in range(args.rounds):
            ours.append(_cpu(HERE, argv))
            peer.append(_cpu(args.peer, argv))
    ratios = [a / b for a, b in zip(ours, peer, strict=True)]
    print(f"preflight --status, {args.files:,} files, {args.rounds} rounds: this tree "
          f"{statistics.median(ours) * 1000:.0f} ms CPU, peer "
          f"{statistics.median(peer) * 1000:.0f} ms CPU, ratio (median of rounds) "
          f"{statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
