"""``manifest-tools status`` on every form get-status output reaches users in, timed.

Run by hand (``.venv/bin/python benchmarks/status_forms.py``; ``BENCH_ROUNDS=N``), never by
the tests. It renders one full get-status response (the samples' job, with a CR LF manifest
and a shipping label) through the AWS CLI's own formatters (awscli from the dev venv) and the
Windows transformations, writes each to benchmarks/.work/status-forms/, then:

1. times ``manifest-tools status FILE`` for each form with manifest-tools installed as users
   install it (benchmarks/run.py's non-editable venv), interleaved with the peer
   ``manifest-tools validate`` of one manifest, the same peer run.py uses, and prints both
   medians and the median of the per-pair ratios;
2. times ``read_status`` in-process per form (median of many calls): the reader's own cost,
   without the ~200 ms of interpreter and CLI start-up that dominate (1).
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import OURS_BIN, ROUNDS, WORK, compare, install_ours  # noqa: E402

from manifest_tools.status import read_status  # noqa: E402
from tests.status.render import (  # noqa: E402
    collapse_tabs,
    console_crlf,
    expand_tabs,
    powershell_redirect,
    render_json,
    render_table,
    render_text,
    render_yaml,
)
from tests.status.test_read import FULL  # noqa: E402

FORMS_DIR = WORK / "status-forms"
PEER_MANIFEST = ROOT / "samples" / "valid" / "s3-import.yaml"
CALLS = int(os.environ.get("BENCH_CALLS", "200"))


def forms() -> dict[str, bytes]:
    text = render_text(FULL)
    return {
        "json": render_json(FULL).encode(),
        "yaml (v2)": render_yaml(FULL).encode(),
        "text": text.encode(),
        "table, 80 columns": render_table(FULL, 80).encode(),
        "table, wide": render_table(FULL, 100_000).encode(),
        "table, colour": render_table(FULL, 100_000, color=True).encode(),
        "text, console CRLF": console_crlf(text).encode(),
        "text, PowerShell UTF-16": powershell_redirect(text),
        "table, PowerShell UTF-16": powershell_redirect(render_table(FULL, 80)),
        "copy, TABs expanded": expand_tabs(text).encode(),
        "copy, TABs collapsed": collapse_tabs(text).encode(),
        "copy, trailing spaces": text.replace("\n", "  \n").encode(),
        "AWS CLI docs example": (ROOT / "tests" / "fixtures"
                                 / "awscli-get-status-example.txt").read_bytes(),
    }


def in_process(data: bytes) -> float:
    """Median seconds of one read_status call."""
    run: Callable[[], object] = lambda: read_status(data)  # noqa: E731
    run()
    samples = []
    for _ in range(CALLS):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    FORMS_DIR.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for n, (name, data) in enumerate(forms().items()):
        path = FORMS_DIR / f"{n:02d}.out"
        path.write_bytes(data)
        files[name] = path
    print(f"read_status in-process, median of {CALLS} calls")
    base = in_process(files["json"].read_bytes())
    for name, path in files.items():
        t = in_process(path.read_bytes())
        print(f"  {name:<28} {t * 1e6:9.0f} us   x{t / base:5.1f} of json")
    if os.environ.get("BENCH_CLI", "1") == "0":
        return
    install_ours()
    print(f"\nmanifest-tools status FILE, {ROUNDS} interleaved rounds; peer = validate 1 file")
    for name, path in files.items():
        compare(f"status: {name}", [str(OURS_BIN), "status", str(path)],
                [str(OURS_BIN), "validate", str(PEER_MANIFEST)])


if __name__ == "__main__":
    main()
