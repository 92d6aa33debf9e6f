"""``aws importexport list-jobs`` output (json, yaml, text, table): the jobs it lists.

Users pass it where get-status output is expected; ``status`` then lists the jobs and says
which command gives one job's status. Members (botocore model ``Job``): ``JobId``,
``CreationDate``, ``IsCanceled``, ``JobType``; the response adds ``IsTruncated``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..textcodec import decode_text, undo_console_crlf
from .model import fail

_TEXT_ROW = re.compile(r"JOBS\t(.*)")


@dataclass(frozen=True, slots=True)
class JobSummary:
    JobId: str
    JobType: str | None = None
    CreationDate: str | None = None
    IsCanceled: bool | None = None


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _from_records(records: Any) -> tuple[JobSummary, ...]:
    if not isinstance(records, list):
        fail("list-jobs output without a list of Jobs")
    jobs = []
    for item in records:
        if isinstance(item, dict) and isinstance(item.get("JobId"), str):
            jobs.append(JobSummary(item["JobId"], _text(item.get("JobType")),
                                   _text(item.get("CreationDate")),
                                   _flag(item.get("IsCanceled"))))
    return tuple(jobs)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _text_rows(text: str) -> tuple[JobSummary, ...]:
    # Sorted keys, TAB-joined: CreationDate, IsCanceled, JobId, JobType (absent ones skipped).
    jobs = []
    for line in text.splitlines():
        m = _TEXT_ROW.fullmatch(line.rstrip("\r"))
        if m is None:
            continue
        cols = m.group(1).split("\t")
        ids = [c for c in cols if re.fullmatch(r"[A-Za-z0-9]{5}", c)]
        if not ids:
            continue
        flag = next((_flag(c) for c in cols if _flag(c) is not None), None)
        kind = next((c for c in cols if c in ("Import", "Export")), None)
        date = next((c for c in cols if re.match(r"\d{4}-\d{2}-\d{2}", c)), None)
        jobs.append(JobSummary(ids[-1], kind, date, flag))
    return tuple(jobs)


def read_list_jobs(data: bytes) -> tuple[JobSummary, ...]:
    """The jobs of list-jobs output in any CLI form (platform encodings undone)."""
    try:
        text, _ = undo_console_crlf(decode_text(data).text)
    except UnicodeDecodeError as exc:
        fail(f"list-jobs output is not UTF-8 or UTF-16 text (byte {exc.start})")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        import json

        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            fail(f"not valid JSON: {exc.msg}", exc.lineno, exc.colno)
        jobs = _from_records(obj.get("Jobs") if isinstance(obj, dict) else None)
    elif stripped.startswith("-"):
        from .table import read_table, table_mapping

        jobs = _from_records(table_mapping(read_table(text)).get("Jobs", []))
    elif "JOBS\t" in text:
        jobs = _text_rows(text)
    else:
        obj = _yaml(text)
        if isinstance(obj, list) and len(obj) == 1:
            obj = obj[0]
        jobs = _from_records(obj.get("Jobs") if isinstance(obj, dict) else None)
    return jobs


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=False).load(text)
    except YAMLError as exc:
        fail(f"list-jobs output is not valid YAML: {exc}")
