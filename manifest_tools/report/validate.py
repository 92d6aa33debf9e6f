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
from ..diagnostics import Diagnostic, Severity, location
from ..manifest.validate import FileResult
from .terminal import escape_controls

README_URL = "https://github.com/manifest-tools/manifest-tools/blob/main/README.md"
# The OASIS standard schema (2.1.0 with errata 01); tests/fixtures holds a copy.
SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")


@dataclass(frozen=True, slots=True)
class RenderOptions:
    quiet: bool = False
    color: bool = False
    # --strict: warnings fail; they are then shown even with --quiet.
    strict: bool = False


def fails(result: FileResult, strict: bool) -> bool:
    """Whether a file fails the run: an error, or with --strict any warning."""
    return not result.valid or (strict and result.warnings > 0)


def _shown(d: Diagnostic, options: RenderOptions) -> bool:
    return d.severity is Severity.ERROR or not options.quiet or options.strict


Renderer = Callable[[Sequence[FileResult], RenderOptions], str]

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m"}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _summary(results: Sequence[FileResult], strict: bool = False) -> str:
    errors = sum(r.errors for r in results)
    warnings = sum(r.warnings for r in results)
    invalid = sum(1 for r in results if not r.valid)
    files = _plural(len(results), "file")
    if strict and warnings and not errors:
        # Say why a run with warnings only failed.
        return (f"{files} checked, failed (--strict): {_plural(warnings, 'warning')}"
                f"{_silenced(results)}")
    verdict = "all valid" if invalid == 0 else f"{invalid} invalid"
    tail = " (--strict: warnings fail too)" if strict and warnings else ""
    return (f"{files} checked, {verdict}: {_plural(errors, 'error')}, "
            f"{_plural(warnings, 'warning')}{_silenced(results)}{tail}")


def summary(results: Sequence[FileResult], strict: bool = False) -> str:
    """The text report's last line: files checked, verdict, counts (silenced ones too)."""
    return _summary(results, strict)


def _silenced(results: Sequence[FileResult]) -> str:
    """', 2 silenced (1 error)': a silenced finding is never invisible."""
    silenced = [s.diagnostic for r in results for s in r.suppressed]
    if not silenced:
        return ""
    errors = sum(1 for d in silenced if d.is_error)
    return f", {len(silenced)} silenced" + (f" ({_plural(errors, 'error')})" if errors else "")


def render_text(results: Sequence[FileResult], options: RenderOptions) -> str:
    """``path:line:col: severity rule message``, one per line (the hint on the next, indented),
    then a one-line summary. Files that could not be read are on stderr, not here."""
    lines: list[str] = []
    readable = [r for r in results if r.read_error is None]
    for result in readable:
        for d in result.diagnostics:
            if _shown(d, options):
                lines.extend(_text_lines(result.path, d, options.color))
    if not options.quiet or (options.strict and any(fails(r, True) for r in readable)):
        lines.append(_summary(readable, options.strict))
    return "\n".join(lines) + ("\n" if lines else "")


def located_in(path: str, d: Diagnostic) -> str:
    """The file a finding's line and column point into: its source, else the file read.
    Every format of ``validate`` names that one file."""
    return path if d.source is None else d.source


def _text_lines(path: str, d: Diagnostic, color: bool) -> list[str]:
    severity = d.severity.value
    # The input the line and column point into: the finding's source, else the file read.
    where = location(d) or f"{path}:{d.line}:{d.column}"
    if d.path is not None:  # a file on a device
        where += f": {d.path}"
    location_ = escape_controls(f"{where}:")
    if color:
        severity = f"{_COLORS[d.severity]}{severity}{_RESET}"
        location_ = f"{_BOLD}{location_}{_RESET}"
    found = [f"{location_} {severity} {d.rule} {escape_controls(d.message)}"]
    if d.hint:
        found.append(f"    hint: {escape_controls(d.hint)}")
    return found


def diagnostic_json(d: Diagnostic) -> dict[str, object]:
    """One diagnostic as the stable JSON object of ``--format json``: ``line`` and
    ``column`` point into the file's own bytes, or into ``source`` when the finding has one;
    ``path`` (when present) is a file on a device."""
    found: dict[str, object] = {
        "rule": d.rule, "severity": d.severity.value, "message": d.message,
        "line": d.line, "column": d.column, "pointer": d.pointer, "hint": d.hint}
    if d.source is not None:
        found["source"] = d.source
    if d.path is not None:
        found["path"] = d.path
    return found


def render_json(results: Sequence[FileResult], options: RenderOptions) -> str:
    """``{"files": [...]}``: every finding of every file (the keys are a stable API)."""
    document = {"files": [
        {"path": r.path,
         "job_type": r.job_type.value if r.job_type else None,
         # With --strict a file with warnings is not valid: the same verdict as the exit code.
         "valid": not fails(r, options.strict),
         "diagnostics": [diagnostic_json(d) for d in r.diagnostics],
         # Findings a '# manifest-tools:' comment silenced, with the comment's line.
         "suppressed": [{**diagnostic_json(s.diagnostic), "suppressed_by": {
             "kind": s.kind, "line": s.line, "comment": s.justification}}
             for s in r.suppressed]}
        for r in results
    ], "silenced": sum(len(r.suppressed) for r in results)}
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
            if not _shown(d, options):
                continue
            command = "error" if d.severity is Severity.ERROR else "warning"
            props = [f"line={d.line}", f"col={d.column}", f"title={_escape_property(d.rule)}"]
            where = located_in(r.path, d)
            if not _is_pseudo(where):  # standard input has no file to annotate
                props.insert(0, f"file={_escape_property(relative_path(where))}")
            lines.append(f"::{command} {','.join(props)}::{_escape_data(d.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def relative_path(path: str) -> str:
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

    rel = relative_path(path)
    if PurePath(rel).is_absolute():
        return {"uri": Path(rel).as_uri()}
    # Percent-encode what a URI cannot hold (spaces, '%', a ':' that would read as a scheme).
    return {"uri": quote(rel, safe="/-._~!$&'()*+,;=@")}


def _region(d: Diagnostic) -> dict[str, int]:
    return {"startLine": d.line, "startColumn": d.column}


def sarif_rule(rule_id: str) -> dict[str, object]:
    from ..rules import RULES

    rule = RULES[rule_id]
    help_text = rule.full + (f" Example: {rule.example}" if rule.example else "")
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.full},
        "help": {"text": help_text},
        "helpUri": f"{README_URL}#{rule.id.lower()}",
        "defaultConfiguration": {"level": rule.level},
    }


def _sarif_location(d: Diagnostic, artifact: object) -> dict[str, object]:
    """The physicalLocation is the file the line and column point into (the finding's
    source, else the file read); a device file the finding is about is a logical location
    (kind "resource") and the ``devicePath`` property, never the artifact."""
    if d.source is not None:
        artifact = _artifact_location(d.source)
    found: dict[str, object] = {"physicalLocation": {"artifactLocation": artifact,
                                                     "region": _region(d)}}
    if d.path is not None:
        found["logicalLocations"] = [{"fullyQualifiedName": d.path, "kind": "resource"}]
        found["properties"] = {"devicePath": d.path}
    return found


def _sarif_result(d: Diagnostic, index: dict[str, int], artifact: object
                  ) -> dict[str, object]:
    return {
        "ruleId": d.rule,
        "ruleIndex": index[d.rule],
        "level": "error" if d.severity is Severity.ERROR else "warning",
        "message": {"text": d.message},
        "locations": [_sarif_location(d, artifact)],
    }


def render_sarif(results: Sequence[FileResult], options: RenderOptions) -> str:
    """SARIF 2.1.0 (OASIS), one run.

    ``rules`` lists every rule of the catalogue, in id order, whatever fired (so a rule's
    index is stable across runs); each result carries its own ``level``. A file that could
    not be read is an MT123 result and a notification of the one invocation, whose
    ``executionSuccessful`` is then false. Otherwise ``options`` are ignored: SARIF
    consumers want every finding and no colour.
    """
    from ..rules import RULES  # here only: the text report needs no rule table

    rule_ids = sorted(RULES)
    index = {rule_id: n for n, rule_id in enumerate(rule_ids)}
    sarif_results = []
    notifications = []
    for r in results:
        location = {"physicalLocation": {"artifactLocation": _artifact_location(r.path)}}
        if r.read_error is not None:
            notifications.append({"level": "error", "message": {"text": r.read_error},
                                  "locations": [location]})
        artifact = location["physicalLocation"]["artifactLocation"]
        for d in r.diagnostics:
            sarif_results.append(_sarif_result(d, index, artifact))
        for s in r.suppressed:
            result = _sarif_result(s.diagnostic, index, artifact)
            # SARIF 3.35: a finding silenced in the analysed file itself is kind inSource.
            result["suppressions"] = [{
                "kind": "inSource", "status": "accepted", "justification": s.justification,
                "location": {"physicalLocation": {"artifactLocation": artifact,
                                                  "region": {"startLine": s.line}}}}]
            sarif_results.append(result)
    invocation: dict[str, object] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "manifest-tools",
                "fullName": f"manifest-tools {__version__} validate",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": README_URL,
                "rules": [sarif_rule(rule_id) for rule_id in rule_ids],
            }},
            # GitHub code scanning's category is what precedes the last '/'.
            "automationDetails": {"id": "manifest-tools/validate/"},
            "invocations": [invocation],
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
