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

from .._version import __version__
from ..diagnostics import Diagnostic, Severity
from ..manifest.validate import FileResult
from ..rules import RULES

README_URL = "https://github.com/manifest-tools/manifest-tools/blob/main/README.md"
# The OASIS standard schema (2.1.0 with errata 01); tests/fixtures holds a copy.
SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")


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
    """One diagnostic as the stable JSON object of ``--format json``."""
    return {"rule": d.rule, "severity": d.severity.value, "message": d.message,
            "line": d.line, "column": d.column, "pointer": d.pointer, "hint": d.hint}


def render_json(results: Sequence[FileResult], options: RenderOptions) -> str:
    """``{"files": [...]}``: every finding of every file (the keys are a stable API)."""
    document = {"files": [
        {"path": r.path,
         "job_type": r.job_type.value if r.job_type else None,
         "valid": r.valid,
         "diagnostics": [diagnostic_json(d) for d in r.diagnostics]}
        for r in results
    ]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    """Escape a workflow command's message as actions/toolkit does (core/src/command.ts)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """Escape a workflow command's property value: the message escapes plus ``:`` and ``,``."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _is_pseudo(path: str) -> bool:
    """``<stdin>`` and ``<bytes>`` name no file."""
    return path.startswith("<") and path.endswith(">")


def render_github(results: Sequence[FileResult], options: RenderOptions) -> str:
    """GitHub Actions workflow commands, one ``::error``/``::warning`` line per finding."""
    lines = []
    for r in results:
        for d in r.diagnostics:
            if options.quiet and d.severity is not Severity.ERROR:
                continue
            command = "error" if d.severity is Severity.ERROR else "warning"
            props = [f"line={d.line}", f"col={d.column}", f"title={_escape_property(d.rule)}"]
            if not _is_pseudo(r.path):  # standard input has no file to annotate
                props.insert(0, f"file={_escape_property(_relative(r.path))}")
            lines.append(f"::{command} {','.join(props)}::{_escape_data(d.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _relative(path: str) -> str:
    """Paths as SARIF and GitHub want them: relative to the working folder, POSIX.

    A path outside the working folder stays absolute.
    """
    if _is_pseudo(path):
        return path
    import os

    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        rel = path
    if rel == ".." or rel.startswith(("../", "..\\")):
        rel = os.path.abspath(path)
    return PurePath(rel).as_posix()


def _artifact_location(path: str) -> dict[str, object]:
    """A SARIF artifactLocation: a relative URI reference, or a file: URI outside the folder."""
    if _is_pseudo(path):
        # Standard input has no URI; SARIF allows a location described in words only.
        words = "standard input" if path == "<stdin>" else path
        return {"description": {"text": words}}
    from pathlib import Path
    from urllib.parse import quote

    rel = _relative(path)
    if PurePath(rel).is_absolute():
        return {"uri": Path(rel).as_uri()}
    # Percent-encode what a URI cannot hold (spaces, '%', a ':' that would read as a scheme).
    return {"uri": quote(rel, safe="/-._~!$&'()*+,;=@")}


def _region(d: Diagnostic) -> dict[str, int]:
    return {"startLine": d.line, "startColumn": d.column}


def render_sarif(results: Sequence[FileResult], options: RenderOptions) -> str:
    """SARIF 2.1.0 (OASIS), one run, rules from the catalogue.

    ``rules`` lists the rules that fired (every rule when none did); each result carries its
    own ``level``, as one rule can report an error or a warning. ``options`` are ignored:
    SARIF consumers want every finding and no colour.
    """
    used = sorted({d.rule for r in results for d in r.diagnostics})
    rule_ids = used if used else sorted(RULES)
    index = {rule_id: n for n, rule_id in enumerate(rule_ids)}
    rules = [{
        "id": RULES[rule_id].id,
        "name": RULES[rule_id].name,
        "shortDescription": {"text": RULES[rule_id].short},
        "fullDescription": {"text": RULES[rule_id].full},
        "helpUri": f"{README_URL}#{RULES[rule_id].id.lower()}",
    } for rule_id in rule_ids]
    sarif_results = []
    for r in results:
        location = _artifact_location(r.path)
        for d in r.diagnostics:
            sarif_results.append({
                "ruleId": d.rule,
                "ruleIndex": index[d.rule],
                "level": "error" if d.severity is Severity.ERROR else "warning",
                "message": {"text": d.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": location,
                    "region": _region(d),
                }}],
            })
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "manifest-tools",
                "version": __version__,
                "semanticVersion": __version__,
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
