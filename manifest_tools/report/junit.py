"""``--format junit``: JUnit XML for CI test tabs (GitLab, Jenkins, Azure, CircleCI).

One ``testsuite`` per file and one ``testcase`` per finding, named by rule and position, so a
CI's test tab lists each problem. Errors (and warnings under --strict) are ``failure``s;
other warnings pass with the finding in ``system-out``; a file with no finding is one passing
test case; a file that could not be read is an ``error``; a finding a suppression comment
silenced is ``skipped`` with the comment as the reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from ..diagnostics import Diagnostic
from ..manifest.validate import FileResult
from .validate import RenderOptions, located_in

# Characters XML 1.0 cannot hold at all (a message quoting a strange file name could).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _case(suite: ET.Element, path: str, d: Diagnostic) -> ET.Element:
    where = located_in(path, d)
    return ET.SubElement(suite, "testcase", {
        "name": _xml(f"{d.rule} {where}:{d.line}:{d.column}"), "classname": _xml(path),
        "file": _xml(where), "line": str(d.line)})


def _text(path: str, d: Diagnostic) -> str:
    found = f"{located_in(path, d)}:{d.line}:{d.column}: {d.severity.value} {d.rule} " \
        f"{d.message}"
    return _xml(found + (f"\nhint: {d.hint}" if d.hint else ""))


def render_junit(results: Sequence[FileResult], options: RenderOptions) -> str:
    root = ET.Element("testsuites", {"name": "manifest-tools validate"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for r in results:
        suite = ET.SubElement(root, "testsuite", {"name": _xml(r.path)})
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if r.read_error is not None:
            case = ET.SubElement(suite, "testcase", {"name": _xml(f"read {r.path}"),
                                                     "classname": _xml(r.path)})
            ET.SubElement(case, "error", {"type": "MT123", "message": _xml(r.read_error)})
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
        ET.SubElement(suite, "testcase", {"name": _xml(f"valid {r.path}"),
                                          "classname": _xml(r.path), "file": _xml(r.path)})
        counts["tests"] += 1
    for d in r.diagnostics:
        case = _case(suite, r.path, d)
        counts["tests"] += 1
        if d.is_error or options.strict:
            failure = ET.SubElement(case, "failure", {"type": d.rule,
                                                      "message": _xml(d.message)})
            failure.text = _text(r.path, d)
            counts["failures"] += 1
        else:
            ET.SubElement(case, "system-out").text = _text(r.path, d)
    for s in r.suppressed:
        case = _case(suite, r.path, s.diagnostic)
        ET.SubElement(case, "skipped", {"message": _xml(
            f"silenced by '{s.justification}' on line {s.line}: {s.diagnostic.message}")})
        counts["tests"] += 1
        counts["skipped"] += 1
