"""Every reader is linear in its input: blank-heavy inputs at two sizes,
CPU time (``time.process_time``, never wall time) must grow about as the size does.

Two adjacent ``[ \\t]*`` in the wrong-kind sniffer made a line of 64 KiB of blanks cost
40-100 s in every command, and a lazy value before ``[ \\t]*`` made the redactor quadratic
in a run of spaces inside a secret. Here each reader (manifest, status, log, credentials,
configuration), the sniffer and the redactor reads each input at N and 4N characters: a
linear reader takes about 4x the CPU time, a quadratic one 16x; the bound is 12x.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from manifest_tools.config import load_config
from manifest_tools.credentials import load_key_pairs
from manifest_tools.errors import ManifestToolsError
from manifest_tools.logs.read import LogReader
from manifest_tools.manifest.parse import parse_manifest
from manifest_tools.manifest.redact import redact_manifest_text
from manifest_tools.sniff import sniff
from manifest_tools.status.read import read_status

SIZE = 8 * 1024  # characters of the small input; the large one is 4x
GROWTH = 12.0  # allowed CPU ratio for 4x the input (linear ~4, quadratic ~16)
MIN_CPU = 0.05  # seconds measured at least per size (repeating short calls)


def _blank_shapes(n: int) -> dict[str, str]:
    """Blank-heavy texts of about ``n`` characters."""
    return {
        "spaces": " " * n,
        "tabs": "\t" * n,
        "mixed": " \t" * (n // 2),
        "nbsp": "\u00a0" * n,
        "newlines": "\n" * n,
        "spaced-lines": " \n" * (n // 2),
        "dash-then-spaces": "-" + " " * n,
        "value-of-spaces": "deviceId: a" + " " * n + "b\n",
        "secret-with-spaces": "pinCode: a" + " " * n + "b\n",
        "listed-secret-with-spaces": "- pinCode: a" + " " * n + "b\n",
    }


def _tmp_file(text: str, folder: Path, name: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _quietly(call: Callable[[], object]) -> None:
    # Refusing an input is a fine answer; only the time it takes matters here.
    with contextlib.suppress(ManifestToolsError):
        call()


def _readers(folder: Path) -> dict[str, Callable[[str], object]]:
    def credentials(text: str) -> None:
        path = _tmp_file("[default]\naws_access_key_id = AKIA2E0A8F3B244C9986\n"
                         "aws_secret_access_key = " + text + "x\n", folder, "credentials")
        _quietly(lambda: load_key_pairs(path, env={}))

    def config(text: str) -> None:
        path = _tmp_file("disable = [" + text + "]\nstrict = false\n" + text + "\n", folder,
                         "manifest-tools.toml")
        _quietly(lambda: load_config(explicit=path))

    def status(text: str) -> None:
        _quietly(lambda: read_status(text.encode("utf-8")))
        _quietly(lambda: read_status(('{"JobId": "ABCDE", "ProgressMessage": "' + text
                                      + '"}').encode("utf-8")))
        _quietly(lambda: read_status(("JobId: ABCDE\nProgressMessage: " + text)
                                     .encode("utf-8")))

    def log(text: str) -> None:
        data = ("DateTime,File,Status,Code,Key,MD5,Bytes,Content-Type\n"
                f"2010-07-22 10:00:00,{text},200,Success,k,,0,x\n{text}\n").encode()
        for _ in LogReader(io.BytesIO(data), "import-log-ABCDE"):
            pass

    return {
        "manifest": lambda text: parse_manifest(text.encode("utf-8")),
        "status": status,
        "log": log,
        "credentials": credentials,
        "config": config,
        "sniffer": lambda text: sniff(text.encode("utf-8")),
        "redactor": redact_manifest_text,
    }


def _cpu(call: Callable[[], object]) -> float:
    """CPU seconds per call, repeating until MIN_CPU is measured."""
    runs = 0
    start = time.process_time()
    while True:
        call()
        runs += 1
        spent = time.process_time() - start
        if spent >= MIN_CPU:
            return spent / runs


@pytest.mark.parametrize("reader", ["manifest", "status", "log", "credentials", "config",
                                    "sniffer", "redactor"])
def test_cpu_time_grows_linearly_with_blanks(reader: str, tmp_path: Path) -> None:
    read = _readers(tmp_path)[reader]
    slow = []
    for shape in _blank_shapes(SIZE):
        small = _blank_shapes(SIZE)[shape]
        large = _blank_shapes(4 * SIZE)[shape]
        read(small)  # warm up: imports and caches are not the reader's cost
        ratio = _cpu(partial(read, large)) / _cpu(partial(read, small))
        if ratio >= GROWTH:
            slow.append(f"{shape}: {ratio:.1f}x")
    assert slow == [], f"{reader} is not linear in blanks: {slow}"
