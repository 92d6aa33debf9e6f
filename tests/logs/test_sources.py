"""Findings of ``log`` say which input they point into (``Diagnostic.source``): the log for
a finding about one of its rows, the manifest for a manifest's; the renderers read that,
never the rule id."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

from manifest_tools.diagnostics import Diagnostic, Severity
from manifest_tools.logs.check import check_log
from manifest_tools.logs.model import LogKind
from manifest_tools.logs.reconcile import Reconciliation
from manifest_tools.logs.summary import LogSummary
from manifest_tools.report import logs as report_logs

HEADER = "DateTime,File,Status,Code,Key,MD5,Bytes,Content-Type\n"


def test_the_renderers_take_the_place_from_the_finding_not_its_rule() -> None:
    log = "import-log-ABCDE"
    findings = [
        # A rule the old table did not list, about a row of the log.
        Diagnostic("MT718", Severity.ERROR, "cannot read", 7, 1, path="a.txt", source=log),
        # A rule the old table listed, about a device file only.
        Diagnostic("MT712", Severity.ERROR, "not on the device", 1, 1, path="b.txt"),
        # About the whole log.
        Diagnostic("MT706", Severity.ERROR, "ErrorCount differs"),
        # In another input.
        Diagnostic("MT612", Severity.ERROR, "bad pattern", 4, 3, source="manifest.yaml"),
    ]
    result = Reconciliation(LogKind.IMPORT, LogSummary(), findings)
    text = report_logs.render_text(result, log)
    assert "a.txt (log line 7): error MT718" in text
    assert "\nb.txt: error MT712" in text
    assert f"\n{log}: error MT706" in text
    assert "\nmanifest.yaml:4:3: error MT612" in text
    out = json.loads(report_logs.render_json(result, log))["findings"]
    assert (out[0]["source"], out[0]["line"], out[0]["path"]) == (log, 7, "a.txt")
    assert "source" not in out[1] and "line" not in out[1] and out[1]["path"] == "b.txt"
    assert "line" not in out[2] and out[2]["path"] is None
    assert (out[3]["source"], out[3]["line"], out[3]["column"]) == ("manifest.yaml", 4, 3)
    assert "MT7" not in inspect.getsource(report_logs)  # no rule ids guessed from


def test_row_findings_point_into_the_log_by_source(tmp_path: Path) -> None:
    log = tmp_path / "import-log-ABCDE"
    log.write_text(HEADER + "2026-01-01T00:00:00Z,a.txt,200,OK,bkt/a.txt,"
                   "0cc175b9c0f1b6a831c399e269772661,1,text/plain\n"
                   "2026-01-01T00:00:00Z,gone.txt,400,InvalidSubstitution,,,,\n"
                   "2026-01-01T00:00:00Z,b.txt,200,OK,bkt/b.txt,x1,1,text/plain\n")
    device = tmp_path / "device"
    device.mkdir()
    (device / "a.txt").write_text("b")  # differs from the log's MD5 (of "a")
    result = check_log(str(log), device=str(device))
    by_rule = {d.rule: d for d in result.findings}
    for rule, line in (("MT705", 3), ("MT714", 2), ("MT703", 4)):
        assert by_rule[rule].source == str(log) and by_rule[rule].line == line, rule
    assert by_rule["MT712"].source == str(log) and by_rule["MT712"].path == "b.txt"
