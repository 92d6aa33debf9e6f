"""The output of ``prepare``: what was copied, what was found, the device's preflight.

Pure functions of a :class:`~manifest_tools.device.prepare.PrepareResult`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..device.findings import display_path
from ..device.prepare import PrepareResult
from .preflight import render_text as preflight_text
from .preflight import to_json as preflight_json


def render_text(r: PrepareResult) -> str:
    c = r.counts
    lines = [f"prepare {display_path(r.source)} -> {display_path(r.device)} "
             f"({r.filesystem or 'unknown file system'}), journal {display_path(r.journal)}",
             f"  {c.files:,} files to import ({c.bytes:,} bytes), {c.ignored:,} ignored by "
             "the manifest (not copied)"]
    if r.dry_run and r.stopped is None:
        lines.append(f"  dry run: {c.to_copy:,} files ({c.to_copy_bytes:,} bytes) would be "
                     f"copied, {c.already:,} are on the device already")
    elif r.stopped is None or r.fatal:
        lines.append(f"  copied {c.copied:,} files ({c.copied_bytes:,} bytes), {c.already:,} "
                     f"already on the device, {c.failed:,} not copied")
    lines.extend(f"  note: {n}" for n in r.notes)
    for d in r.findings:
        lines.append(f"{d.path or display_path(r.device)}: {d.severity.value} {d.rule} "
                     f"{d.message}")
        if d.hint:
            lines.append(f"  hint: {d.hint}")
    if r.signature is not None:
        lines.append(f"SIGNATURE {r.signature.action}: {display_path(r.signature.path)}")
    if r.stopped is not None:
        lines.append(f"stopped: {r.stopped}")
    if r.device_preflight is not None:
        # The device's preflight without its own result line: one result for the command.
        lines.extend(preflight_text(r.device_preflight).splitlines()[:-1])
    lines.append(f"result: {'ok' if r.clean else 'FAILED'}")
    return "\n".join(lines) + "\n"


def to_json(r: PrepareResult) -> dict[str, Any]:
    c = r.counts
    return {
        "source": display_path(r.source),
        "device": display_path(r.device),
        "journal": display_path(r.journal),
        "filesystem": r.filesystem,
        "dry_run": r.dry_run,
        "counts": {"files": c.files, "bytes": c.bytes, "ignored": c.ignored,
                   "already": c.already, "to_copy": c.to_copy,
                   "to_copy_bytes": c.to_copy_bytes, "copied": c.copied,
                   "copied_bytes": c.copied_bytes, "failed": c.failed},
        "findings": [{"rule": d.rule, "severity": d.severity.value, "message": d.message,
                      "path": d.path, "hint": d.hint} for d in r.findings],
        "removed_temporaries": [display_path(p) for p in r.removed_temporaries],
        "signature": r.signature.action if r.signature is not None else None,
        "stopped": r.stopped,
        "device_preflight": (preflight_json(r.device_preflight)
                             if r.device_preflight is not None else None),
        "notes": list(r.notes),
        "clean": r.clean,
    }


def render_json(r: PrepareResult) -> str:
    return json.dumps(to_json(r), indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[PrepareResult], str]] = {"text": render_text,
                                                       "json": render_json}
