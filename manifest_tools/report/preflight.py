"""The output of ``preflight``: a summary then the findings (text), or one JSON object.

Pure functions of a :class:`~manifest_tools.device.preflight.Preflight`, and the ``--keys``
CSV lines (RFC 4180 quoting as Python's csv module writes it, ``\n`` line ends).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from ..device.preflight import KEYS_HEADER, KeyRow, Preflight, display_path
from ..diagnostics import Diagnostic, location
from .terminal import escape_controls


def _summary_line(p: Preflight) -> str:
    s = p.summary
    return (f"{_count(s.files, 'file')}, {_count(s.bytes, 'byte')}, {_count(s.keys, 'key')}, "
            f"{s.ignored:,} ignored, {s.skipped:,} skipped, {_count(p.errors, 'error')}, "
            f"{_count(p.warnings, 'warning')}")


def _count(number: int, word: str) -> str:
    """'1 error', '2 errors', '1,024 bytes'."""
    return f"{number:,} {word}" + ("" if number == 1 else "s")


def render_text(p: Preflight, strict: bool = False) -> str:
    fs = p.filesystem or "unknown file system"
    where = "mount root" if p.mount_root else "folder, not a mount root"
    device = display_path(p.device)
    lines = [f"preflight {device} ({fs}, {where}) against {p.manifest or 'the manifest'} "
             f"(S3 {p.job_type.value})", f"  {_summary_line(p)}"]
    lines.extend(f"  note: {note}" for note in p.notes)
    for d in p.findings:
        lines.append(f"{location(d) or d.path or device}: {d.severity.value} {d.rule} "
                     f"{d.message}")
        if d.hint:
            lines.append(f"  hint: {d.hint}")
    failed = p.errors or (strict and p.warnings)
    lines.append(f"result: {'FAILED' if failed else 'ok'}")
    return escape_controls("\n".join(lines) + "\n")


def to_json(p: Preflight) -> dict[str, Any]:
    s = p.summary
    return {
        "device": display_path(p.device),
        "manifest": p.manifest,
        "job_type": p.job_type.value,
        "filesystem": p.filesystem,
        "mount_root": p.mount_root,
        "summary": {"files": s.files, "bytes": s.bytes, "keys": s.keys, "ignored": s.ignored,
                    "skipped": s.skipped},
        "findings": [_finding(d) for d in p.findings],
        "notes": list(p.notes),
    }


def _finding(d: Diagnostic) -> dict[str, Any]:
    """``path``: the device file; ``source``, ``line``, ``column``: where in which input
    (the manifest) a finding located in one points."""
    out: dict[str, Any] = {"rule": d.rule, "severity": d.severity.value,
                           "message": d.message, "path": d.path, "hint": d.hint}
    if d.source is not None:
        out.update(source=d.source, line=d.line, column=d.column)
    return out


def render_json(p: Preflight, strict: bool = False) -> str:
    return json.dumps(to_json(p), indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[Preflight, bool], str]] = {
    "text": render_text,
    "json": render_json,
}


def csv_header() -> str:
    return ",".join(KEYS_HEADER) + "\n"


def csv_lines(rows: Iterable[KeyRow]) -> str:
    """The CSV lines of ``rows``. Written by hand for the common batch (no field needs
    quotes): the csv module takes 3 us a row, a quarter of a preflight's time per file.
    One check covers the whole batch: each line holds at least its 4 separators and its
    line end, so the batch's totals equal 4 and 1 per row only when every row is plain.
    Otherwise each row is checked alone, and one that needs quotes goes through the csv
    module, so the output is the same."""
    batch = rows if isinstance(rows, list) else list(rows)
    text = "".join([f"{p},{k},{b},{a},{r}\n" for p, k, b, a, r in batch])
    if (text.count(",") == 4 * len(batch) and text.count("\n") == len(batch)
            and '"' not in text and "\r" not in text):
        return text
    return "".join([_csv_line(row) for row in batch])


def _csv_line(row: KeyRow) -> str:
    path, key, size, action, reason = row
    line = f"{path},{key},{size},{action},{reason}\n"
    # Plain when the only commas are the 4 separators and nothing else needs quotes.
    if line.count(",") == 4 and line.count("\n") == 1 and '"' not in line and "\r" not in line:
        return line
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(row)
    return buffer.getvalue()
