"""``--format junit``: JUnit XML for CI test tabs (GitLab, Jenkins, Azure, CircleCI).

One ``testsuite`` per file and one ``testcase`` per finding, named by rule and position, so a
CI's test tab lists each problem. Errors (and warnings under --strict) are ``failure``s;
other warnings pass with the finding in ``system-out``; a file with no finding is one passing
test case; a file that could not be read is an ``error``; a finding a suppression comment
silenced is ``skipped`` with the comment as the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from ..diagnostics import Diagnostic
from ..manifest.validate import FileResult
from .findings import RenderOptions


def _case(suite: ET.Element, path: str, d: Diagnostic) -> ET.Element:
    return ET.SubElement(suite, "testcase", {
        "name": f"{d.rule} {path}:{d.line}:{d.column}", "classname": path, "file": path,
        "line": str(d.line)})


def _text(path: str, d: Diagnostic) -> str:
    found = f"{path}:{d.line}:{d.column}: {d.severity.value} {d.rule} {d.message}"
    return found + (f"\nhint: {d.hint}" if d.hint else "")


def render_junit(results: Sequence[FileResult], options: RenderOptions) -> str:
    root = ET.Element("testsuites", {"name": "manifest-tools validate"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for r in results:
        suite = ET.SubElement(root, "testsuite", {"name": r.path})
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if r.read_error is not None:
            case = ET.SubElement(suite, "testcase", {"name": f"read {r.path}",
                                                     "classname": r.path})
            ET.SubElement(case, "error", {"type": "MT123", "message": r.read_error})
            counts["tests"] += 1
            counts["errors"] += 1
        else:
            _findings(suite, r, options, counts)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(
        root, encoding="unicode") + "\n"


def _findings(suite: ET.Element, r: FileResult, options: RenderOptions,
              counts: dict[str, int]) -> None:
    if not r.diagnostics and not r.suppressed:
        ET.SubElement(suite, "testcase", {"name": f"valid {r.path}", "classname": r.path,
                                          "file": r.path})
        counts["tests"] += 1
    for d in r.diagnostics:
        case = _case(suite, r.path, d)
        counts["tests"] += 1
        if d.is_error or options.strict:
            failure = ET.SubElement(case, "failure", {"type": d.rule, "message": d.message})
            failure.text = _text(r.path, d)
            counts["failures"] += 1
        else:
            ET.SubElement(case, "system-out").text = _text(r.path, d)
    for s in r.suppressed:
        case = _case(suite, r.path, s.diagnostic)
        ET.SubElement(case, "skipped", {"message": f"silenced by '{s.justification}' on "
                                        f"line {s.line}: {s.diagnostic.message}"})
        counts["tests"] += 1
        counts["skipped"] += 1
