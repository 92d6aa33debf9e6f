"""What suppression comments and ``--fix`` cost, in process (CPU time), timed by hand.

Run: ``.venv/bin/python benchmarks/conventions.py`` (``BENCH_CALLS=N``), never by the tests.
Pairs, each timed alternately in rounds, medians and the median of per-round ratios:

1. ``validate_bytes`` of a manifest with three suppression comments vs the same manifest
   without them (the peer): the directive pass's cost;
2. ``fix_manifest`` of a manifest with one finding of each fixable kind vs ``validate_bytes``
   of it (the peer): a fix re-reads the file once per round and check.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from manifest_tools.manifest.fix import fix_manifest  # noqa: E402
from manifest_tools.manifest.validate import validate_bytes  # noqa: E402
from tests.manifests import IMPORT  # noqa: E402

CALLS = int(os.environ.get("BENCH_CALLS", "200"))
ROUNDS = 7

PLAIN = IMPORT.replace("bucket: example-import-bucket", "bucket: My_Bucket").encode()
COMMENTED = (IMPORT.replace("bucket: example-import-bucket",
                            "bucket: My_Bucket  # manifest-tools: disable-line=MT304")
             + "# manifest-tools: disable-file=MT311\n# manifest-tools: disable-line=MT999\n"
             ).encode()
FIXABLE = ("\ufeff" + IMPORT.replace("  city", "\tcity").replace("eraseDevice: yes",
                                                                  "eraseDevice = yes")
           .replace("  name: Jane Doe", "  name: \u201cJane Doe\u201d")
           .replace("deviceId", "deviceid")).encode()


def cpu_us(action: Callable[[], object]) -> float:
    start = time.process_time()
    for _ in range(CALLS):
        action()
    return (time.process_time() - start) / CALLS * 1e6


def pair(label: str, ours: Callable[[], object], peer: Callable[[], object]) -> None:
    mine, theirs, ratios = [], [], []
    for _ in range(ROUNDS):
        a, b = cpu_us(ours), cpu_us(peer)
        mine.append(a)
        theirs.append(b)
        ratios.append(a / b)
    print(f"{label:48} {statistics.median(mine):8.0f} us {statistics.median(theirs):8.0f} us"
          f"  ratio {statistics.median(ratios):.2f}")


def main() -> None:
    found = validate_bytes(FIXABLE).diagnostics
    print(f"{'pair (ours vs peer, CPU per call)':48} {'ours':>11} {'peer':>11}")
    pair("validate with comments vs without", lambda: validate_bytes(COMMENTED),
         lambda: validate_bytes(PLAIN))
    pair("fix_manifest (5 kinds) vs validate of it", lambda: fix_manifest(FIXABLE, found),
         lambda: validate_bytes(FIXABLE))


if __name__ == "__main__":
    main()
