"""list-jobs output in every CLI form: the jobs it lists."""

from __future__ import annotations

import pytest

from manifest_tools.status.jobs import JobSummary, read_list_jobs
from tests.status.render import powershell_redirect
from tests.test_sniff import list_jobs_renderings

WANT = (JobSummary("EX1ID", "Import", "2015-05-27T18:58:21Z", False),
        JobSummary("EX2ID", "Export", "2015-05-28T10:00:00Z", True))


@pytest.mark.parametrize("name,text", list_jobs_renderings())
def test_every_form(name: str, text: str) -> None:
    assert read_list_jobs(text.encode()) == WANT
    assert read_list_jobs(powershell_redirect(text)) == WANT
