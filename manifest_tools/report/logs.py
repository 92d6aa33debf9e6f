"""The output of ``log``: a summary then the findings (text), or one JSON object, in the same
shape as ``preflight``'s (``summary``, ``findings`` with rule, severity, message, path, hint;
a finding located in an input also carries that input as ``source`` with ``line`` and
``column``: the log for a finding about one of its rows, the manifest for a manifest's).

Pure functions of a :class:`~manifest_tools.logs.reconcile.Reconciliation`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..aws import LOG_CODES
from ..diagnostics import Diagnostic, location
from ..logs.model import Outcome
from ..logs.reconcile import Reconciliation
from .terminal import escape_controls

__all__ = ["RENDERERS", "render_json", "render_text", "show", "to_json"]

def show(path: str | None) -> str | None:
    """A device path for output: a name that is not UTF-8 (kept with surrogateescape by the
    walk) is shown with backslash escapes instead of failing to print."""
    if path is None:
        return None
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _summary_lines(r: Reconciliation) -> list[str]:
    s = r.summary
    lines = [f"  {s.rows:,} rows: {s.count(Outcome.LOADED):,} loaded "
             f"({s.bytes(Outcome.LOADED):,} bytes), {s.count(Outcome.IGNORED):,} ignored, "
             f"{s.count(Outcome.FAILED):,} failed"]
    for (status, code), (n, _) in sorted(s.codes.items(), key=lambda kv: -kv[1][0]):
        meaning = LOG_CODES.get((status, code), "not a code this tool knows")
        lines.append(f"    {status} {code}: {n:,} ({meaning})")
    d = r.device
    if d is not None:
        lines.append(f"  device: {d.files:,} files, {d.bytes:,} bytes; {d.matched:,} matched "
                     f"a row, {d.hashed:,} hashed ({d.hashed_bytes:,} bytes), "
                     f"{d.md5_equal:,} MD5 equal, {d.not_compared:,} not compared")
    j = r.journal
    if j is not None:
        lines.append(f"  journal: {j.rows:,} rows, {j.matched:,} loaded by AWS, "
                     f"{j.not_compared:,} not compared by MD5"
                     + (" (its torn last line ignored)" if j.torn else ""))
    for g in r.glacier:
        lines.append(f"  glacier archive {g.archive_id} in vault {g.vault} (account "
                     f"{g.account_id}), {g.date}" + (f": {g.comment}" if g.comment else ""))
    if r.retry:
        n = len(r.retry)
        lines.append(f"  to send again: {n:,} file{'' if n == 1 else 's'}")
    return lines


def _where(d: Diagnostic, log: str) -> str:
    """Where a finding points, from its own fields (``source``, ``path``): ``source:line:col``
    in an input, a device path (with the log line of its row), or the whole log."""
    where = location(d)
    if d.path is None:
        return where or log
    if where is None:
        return show(d.path) or ""
    at = f"log line {d.line}" if d.source == log else where
    return f"{show(d.path)} ({at})"


def render_text(r: Reconciliation, log: str) -> str:
    lines = [f"log {log} ({r.kind.value})", *_summary_lines(r)]
    lines.extend(f"  note: {note}" for note in r.notes)
    for d in r.findings:
        lines.append(f"{_where(d, log)}: {d.severity.value} {d.rule} {d.message}")
        if d.hint:
            lines.append(f"  hint: {d.hint}")
    lines.append(f"result: {'ok' if r.clean else 'FAILED'}")
    return escape_controls("\n".join(lines) + "\n")


def _finding(d: Diagnostic) -> dict[str, Any]:
    out: dict[str, Any] = {"rule": d.rule, "severity": d.severity.value,
                           "message": d.message, "path": show(d.path), "hint": d.hint}
    if d.source is not None:
        out.update(source=d.source, line=d.line, column=d.column)
    return out


def to_json(r: Reconciliation, log: str) -> dict[str, Any]:
    summary: dict[str, Any] = {"kind": r.kind.value, **r.summary.to_json()}
    if r.device is not None:
        d = r.device
        summary["device"] = {"files": d.files, "bytes": d.bytes, "matched": d.matched,
                             "hashed": d.hashed, "hashed_bytes": d.hashed_bytes,
                             "md5_equal": d.md5_equal, "not_compared": d.not_compared}
    if r.journal is not None:
        j = r.journal
        summary["journal"] = {"rows": j.rows, "matched": j.matched,
                              "not_compared": j.not_compared, "torn": j.torn}
    if r.glacier:
        summary["glacier"] = [{"line": g.line, "date": g.date, "vault": g.vault,
                               "account_id": g.account_id, "archive_id": g.archive_id,
                               "comment": g.comment} for g in r.glacier]
    return {
        "log": log,
        "summary": summary,
        "failed": [{"path": show(row.relpath), "line": row.line, "status": row.status,
                    "code": row.code, "reason": row.reason} for row in r.summary.failed],
        "findings": [_finding(d) for d in r.findings],
        "retry": [show(p) for p in r.retry],
        "notes": list(r.notes),
        "result": "ok" if r.clean else "failed",
    }


def render_json(r: Reconciliation, log: str) -> str:
    return json.dumps(to_json(r, log), indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[Reconciliation, str], str]] = {
    "text": render_text,
    "json": render_json,
}
