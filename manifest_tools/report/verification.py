"""The output of ``verify``: each check with its mark, then the verdict; or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable

from ..job.verification import Verification
from .terminal import escape_controls

MARKS = {True: "ok  ", False: "FAIL", None: "skip"}


def render_text(report: Verification) -> str:
    lines = [f"verify job {report.job_id or '?'}"]
    for check in report.checks:
        first, *rest = check.full_detail.splitlines() or [""]
        lines.append(f"  {MARKS[check.ok]}  {check.name}: {first}")
        lines.extend(f"        {line}" for line in rest)
    failed = sum(1 for c in report.checks if c.ok is False)
    ran = sum(1 for c in report.checks if c.ok is not None)
    verdict = "ok" if report.ok else ("FAILED" if failed else "nothing verified")
    if report.ok and report.form_only:
        verdict = "the file is a well-formed SIGNATURE; nothing was compared with the job"
    lines.append(f"result: {verdict} ({ran - failed} of {ran} checks passed, "
                 f"{len(report.checks) - ran} skipped)")
    return escape_controls("\n".join(lines) + "\n")


def render_json(report: Verification) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Callable[[Verification], str]] = {"text": render_text, "json": render_json}
