"""The read-only dashboard: every account's jobs on one page, one page per job.

Plain HTML and CSS, no script (it works with JavaScript off, and the Content-Security-Policy
the app sends forbids any). Every value from a manifest, a request or a log goes through
:func:`html.escape`; the manifest is shown with its secret values masked (redact.py), and no
secret key is known to this module at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from html import escape
from itertools import groupby
from urllib.parse import quote

from ..logs.model import LogKind, LogRow
from ..manifest.redact import redact_manifest_text
from ..signature import canonical_manifest
from .dock import bucket_path
from .operations import Context
from .store import STATUS_MEMBERS, Job

# A device of a million files has a million log rows; a page shows the first ones.
LOG_ROWS_SHOWN = 1000
LOG_COLUMNS = ("Line", "DateTime", "File", "Status", "Code", "Key", "MD5", "Bytes",
               "Content-Type")

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #111; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #eee; }
td.num { text-align: right; }
code, pre { font-family: ui-monospace, monospace; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: 0.6em; white-space: pre-wrap;
      word-break: break-all; }
.muted { color: #555; }
"""


def _page(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head>\n"
            f"<body>\n{body}\n</body></html>\n").encode()


def job_href(job_id: str) -> str:
    return f"/_manifest-tools/jobs/{quote(job_id, safe='')}"


def _cell(value: object, numeric: bool = False) -> str:
    text = "" if value is None else str(value)
    return f'<td class="num">{escape(text)}</td>' if numeric else f"<td>{escape(text)}</td>"


def _table(headings: Sequence[str], rows: Iterable[str]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _progress(job: Job) -> str:
    return f"{job.location_code} / {job.progress_code}"


def _overview_row(job: Job) -> str:
    link = (f'<td><a href="{escape(job_href(job.job_id))}"><code>{escape(job.job_id)}'
            "</code></a></td>")
    return (f"<tr>{link}{_cell(job.job_type)}{_cell(_progress(job))}"
            f"{_cell(job.creation_date)}{_cell(job.error_count, numeric=True)}</tr>")


def overview_page(jobs: Iterable[Job]) -> bytes:
    """``GET /``: the jobs per account (access key id), newest first."""
    jobs = sorted(jobs, key=lambda j: (j.account, -j.seq))
    parts = ["<h1>manifest-tools: local AWS Import/Export service</h1>",
             f'<p class="muted">{len(jobs)} job(s). Read-only; the API is '
             f"<code>POST /</code>. JSON: <a href=\"/_manifest-tools/state\">state</a>, "
             f'<a href="/_manifest-tools/health">health</a>.</p>']
    if not jobs:
        parts.append("<p>No jobs yet.</p>")
    for account, owned in groupby(jobs, key=lambda j: j.account):
        listed = list(owned)
        parts.append(f"<h2>Account <code>{escape(account)}</code> ({len(listed)} job(s))"
                     "</h2>")
        parts.append(_table(("Job", "Type", "Location / progress", "Created", "Errors"),
                            (_overview_row(job) for job in listed)))
    return _page("manifest-tools service: jobs", "\n".join(parts))


def _details(job: Job) -> str:
    # GetStatus's members (the store's one table) but the SIGNATURE file, shown below.
    fields: list[tuple[str, object]] = [
        ("Account", job.account), ("Kind", job.kind.described), ("IsCanceled", bool(job.canceled)),
        *((name, getattr(job, column)) for name, column in STATUS_MEMBERS
          if column != "signature_file")]
    rows = "".join(f'<tr><th scope="row">{escape(name)}</th>{_cell(value)}</tr>'
                   for name, value in fields if value is not None)
    return f"<table>{rows}</table>"


def _log_row(row: LogRow) -> str:
    return "<tr>" + "".join([
        _cell(row.line, True), _cell(row.datetime), _cell(row.file), _cell(row.status),
        _cell(row.code), _cell(row.key), _cell(row.md5), _cell(row.size, True),
        _cell(row.content_type)]) + "</tr>"


def log_rows(path: str, limit: int = LOG_ROWS_SHOWN) -> tuple[list[LogRow], bool]:
    """The first ``limit`` rows of a log file, and whether more follow."""
    from ..logs.read import LogReader

    rows: list[LogRow] = []
    with open(path, "rb") as stream:
        for row in LogReader(stream, os.path.basename(path), LogKind.IMPORT):
            if len(rows) == limit:
                return rows, True
            rows.append(row)
    return rows, False


def _log(ctx: Context, job: Job) -> str:
    if job.log_bucket is None or job.log_key is None:
        return "<p>No log yet: the dock writes one when it receives the device.</p>"
    path = bucket_path(ctx.store.data_dir, job.log_bucket, job.log_key)
    where = f"<p class=\"muted\">s3://{escape(job.log_bucket)}/{escape(job.log_key)}</p>"
    try:
        rows, more = log_rows(path)
    except OSError as exc:
        return f"{where}<p>The log cannot be read: {escape(exc.strerror or str(exc))}.</p>"
    table = _table(LOG_COLUMNS, (_log_row(row) for row in rows))
    note = f"<p>The first {len(rows)} rows are shown.</p>" if more else ""
    return where + table + note


def job_page(ctx: Context, job: Job) -> bytes:
    """``GET /_manifest-tools/jobs/<JOBID>``: status details, label, the dock's log and
    the manifest (secret values masked)."""
    manifest = redact_manifest_text(canonical_manifest(job.manifest).decode("utf-8",
                                                                             "replace"))
    label = f"/labels/{quote(job.label_token, safe='')}"
    body = "\n".join([
        f'<p><a href="/">All jobs</a></p><h1>Job <code>{escape(job.job_id)}</code></h1>',
        "<h2>Status</h2>", _details(job),
        f'<h2>Shipping label</h2><p><a href="{escape(label)}">Printable shipping label'
        "</a> (4x6 in)</p>",
        "<h2>Log</h2>", _log(ctx, job),
        "<h2>Manifest</h2>", f"<pre>{escape(manifest)}</pre>",
    ])
    return _page(f"Job {job.job_id}", body)
