"""``--format gitlab``: GitLab's code-quality report (a JSON list, the Code Climate subset
GitLab reads: description, check_name, fingerprint, severity, location.path and
location.lines.begin).

The fingerprint identifies a finding across pipelines, so it hashes the rule, the file and
the message, not the line (a line added above must not make it "new"); identical findings in
one file are told apart by their order. Silenced findings are left out: GitLab has no field
for them. Errors are ``major``, warnings ``minor``; a file that could not be read is
``blocker``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from ..diagnostics import Diagnostic
from ..manifest.validate import FileResult
from .validate import RenderOptions, located_in, relative_path


def _issue(path: str, d: Diagnostic, seen: dict[str, int], severity: str
           ) -> dict[str, object]:
    key = f"{d.rule}\0{path}\0{d.message}"
    seen[key] = seen.get(key, 0) + 1
    fingerprint = hashlib.sha256(f"{key}\0{seen[key]}".encode()).hexdigest()
    return {"type": "issue", "description": f"{d.rule} {d.message}", "check_name": d.rule,
            "fingerprint": fingerprint, "severity": severity,
            "location": {"path": relative_path(located_in(path, d)),
                         "lines": {"begin": d.line}}}


def render_gitlab(results: Sequence[FileResult], options: RenderOptions) -> str:
    issues: list[dict[str, object]] = []
    for r in results:
        path = relative_path(r.path)
        seen: dict[str, int] = {}
        for d in r.diagnostics:
            severity = "blocker" if r.read_error is not None else (
                "major" if d.is_error else "minor")
            issues.append(_issue(path, d, seen, severity))
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
