"""Renderers for validation results: pure functions ``(results, options) -> str``.

Picked by name from ``RENDERERS`` (check-jsonschema's reporter table, cfn-lint's formatters).
Diagnostics never carry secret values (the rule layer hides them), so renderers need no
redaction of their own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from ._version import __version__
from .catalog import RULES
from .diagnostics import Diagnostic, Severity
from .validate import FileResult

README_URL = "https://github.com/manifest-tools/manifest-tools/blob/main/README.md"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True, slots=True)
class RenderOptions:
    quiet: bool = False
    color: bool = False


Renderer = Callable[[Sequence[FileResult], RenderOptions], str]

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m"}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def _summary(results: Sequence[FileResult]) -> str:
    errors = sum(r.errors for r in results)
    warnings = sum(r.warnings for r in results)
    invalid = sum(1 for r in results if not r.valid)
    files = f"{len(results)} file" + ("" if len(results) == 1 else "s")
    verdict = "all valid" if invalid == 0 else f"{invalid} invalid"
    return (f"{files} checked, {verdict}: {errors} error" + ("" if errors == 1 else "s")
            + f", {warnings} warning" + ("" if warnings == 1 else "s"))


def render_text(results: Sequence[FileResult], options: RenderOptions) -> str:
    """``path:line:col: severity rule message``, one per line, then a one-line summary."""
    lines: list[str] = []
    for result in results:
        for d in result.diagnostics:
            if options.quiet and d.severity is not Severity.ERROR:
                continue
            severity = d.severity.value
            if options.color:
                severity = f"{_COLORS[d.severity]}{severity}{_RESET}"
            location = f"{result.path}:{d.line}:{d.column}:"
            if options.color:
                location = f"{_BOLD}{location}{_RESET}"
            lines.append(f"{location} {severity} {d.rule} {d.message}")
    if not options.quiet:
        lines.append(_summary(results))
    return "\n".join(lines) + ("\n" if lines else "")


def diagnostic_json(d: Diagnostic) -> dict[str, object]:
    return {"rule": d.rule, "severity": d.severity.value, "message": d.message,
            "line": d.line, "column": d.column, "pointer": d.pointer, "hint": d.hint}


def render_json(results: Sequence[FileResult], options: RenderOptions) -> str:
    document = {"files": [
        {"path": r.path,
         "job_type": r.job_type.value if r.job_type else None,
         "valid": r.valid,
         "diagnostics": [diagnostic_json(d) for d in r.diagnostics]}
        for r in results
    ]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    # GitHub workflow commands: https://github.com/actions/toolkit (core/src/command.ts)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(results: Sequence[FileResult], options: RenderOptions) -> str:
    lines = []
    for r in results:
        for d in r.diagnostics:
            if options.quiet and d.severity is not Severity.ERROR:
                continue
            command = "error" if d.severity is Severity.ERROR else "warning"
            props = (f"file={_escape_property(_relative(r.path))},line={d.line},col={d.column},"
                     f"title={_escape_property(d.rule)}")
            lines.append(f"::{command} {props}::{_escape_data(d.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _relative(path: str) -> str:
    """Paths as SARIF and GitHub want them: relative to the working folder, POSIX."""
    if path.startswith("<"):
        return path
    import os

    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        rel = path
    if rel.startswith(".."):
        rel = os.path.abspath(path)
    return PurePath(rel).as_posix()


def render_sarif(results: Sequence[FileResult], options: RenderOptions) -> str:
    """SARIF 2.1.0 (OASIS), one run, rules from the catalogue."""
    used = sorted({d.rule for r in results for d in r.diagnostics})
    rule_ids = used if used else sorted(RULES)
    index = {rule_id: n for n, rule_id in enumerate(rule_ids)}
    rules = [{
        "id": RULES[rule_id].id,
        "name": RULES[rule_id].name,
        "shortDescription": {"text": RULES[rule_id].short},
        "fullDescription": {"text": RULES[rule_id].full},
        "helpUri": f"{README_URL}#{RULES[rule_id].id.lower()}",
        "defaultConfiguration": {"level": "error"},
    } for rule_id in rule_ids]
    sarif_results = []
    for r in results:
        for d in r.diagnostics:
            sarif_results.append({
                "ruleId": d.rule,
                "ruleIndex": index[d.rule],
                "level": "error" if d.severity is Severity.ERROR else "warning",
                "message": {"text": d.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": _relative(r.path)},
                    "region": {"startLine": d.line, "startColumn": d.column},
                }}],
            })
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "manifest-tools",
                "version": __version__,
                "informationUri": README_URL,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": sarif_results,
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}
