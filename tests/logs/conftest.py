"""Helpers for the log tests: read a log from bytes."""

from __future__ import annotations

import io

from manifest_tools.logs.model import LogRow
from manifest_tools.logs.read import LogReader


def read(data: bytes, name: str = "import-log-TSTD1") -> tuple[LogReader, list[LogRow]]:
    reader = LogReader(io.BytesIO(data), name)
    rows = list(reader)
    return reader, rows
