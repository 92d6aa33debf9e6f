"""The dashboard and the label in a real headless browser (Debian's chromium, JavaScript
on): the jobs appear, the links lead to each job and its label, hostile values stay text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from manifest_tools.testing import ImportExportServer, importexport_server

from .conftest import ACCESS, OTHER_ACCESS, OTHER_SECRET, SAMPLES, SECRET

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"
# A file name cannot hold '/': the tag that needs no closing one.
HOSTILE_NAME = "<img src=x onerror=document.title='pwned'>"
IMPORT = (SAMPLES / "valid" / "s3-import.yaml").read_text().replace(
    "generator: manifest-tools sample", f'generator: "{HOSTILE}"')

pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="no chromium here (.ci/run installs it)")


def _browser(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None, "CI must have chromium (.ci/run installs it)"
    profile = tmp / "chromium-profile"
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--no-first-run", "--disable-dev-shm-usage",
                           f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def dump(tmp: Path, *args: str) -> str:
    run = _browser(tmp, "--dump-dom", *args)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ImportExportServer]:
    with importexport_server(data=tmp_path / "data", access_key_id=ACCESS,
                             secret_access_key=SECRET) as started:
        started.add_account(type(started.account)(OTHER_ACCESS, OTHER_SECRET))
        yield started


def _policy(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as answer:
        return str(answer.headers["Content-Security-Policy"])


def _hrefs(dom: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', dom)


def test_jobs_links_log_and_label_in_a_browser(server: ImportExportServer,
                                               tmp_path: Path) -> None:
    mine = server.client()
    job = mine.create_job(JobType="Import", Manifest=IMPORT, ValidateOnly=False)
    theirs = server.client(server.accounts[OTHER_ACCESS])
    other = theirs.create_job(JobType="Export", ValidateOnly=False, Manifest=(
        SAMPLES / "valid" / "s3-export.yaml").read_text().replace(ACCESS, OTHER_ACCESS))
    device = tmp_path / "device"
    device.mkdir()
    (device / "SIGNATURE").write_text(job["SignatureFileContents"])
    (device / "notes.txt").write_text("hello\n")
    (device / f"{HOSTILE_NAME}.txt").write_text("x")
    assert server.receive(job["JobId"], device).errors == 0

    overview = dump(tmp_path, server.url + "/")
    # Nothing on it is a script, and its Content-Security-Policy would stop any: what the
    # browser shows with JavaScript on is what it shows with JavaScript off.
    assert "<script" not in overview
    policy = _policy(server.url + "/")
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert f"Account <code>{ACCESS}</code>" in overview
    assert f"Account <code>{OTHER_ACCESS}</code>" in overview
    assert "AtAWS / Success" in overview and "NotReceived / Pending" in overview
    links = [h for h in _hrefs(overview) if "/jobs/" in h]
    assert links == sorted(links, key=lambda h: h != f"/_manifest-tools/jobs/{job['JobId']}")
    assert len(links) == 2 and {h.rsplit("/", 1)[1] for h in links} == \
        {job["JobId"], other["JobId"]}

    page = dump(tmp_path, server.url + f"/_manifest-tools/jobs/{job['JobId']}")
    assert "<title>pwned</title>" not in page and "<title>Job " in page
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in page  # as text
    assert "<img src=\"x\"" not in page and "<script>" not in page
    assert "&lt;img src=x onerror=document.title='pwned'&gt;.txt" in page
    assert "imports/2015/notes.txt" in page  # the log's table: key of the imported file
    # One log row per entry: two files imported (200), the SIGNATURE ignored (103).
    assert page.count("<td>200</td>") == 2 and page.count("<td>103</td>") == 1
    assert "correct-horse" not in page
    [label] = [h for h in _hrefs(page) if h.startswith("/labels/")]
    printed = dump(tmp_path, server.url + label.replace("&amp;", "&"))
    assert job["JobId"] in printed and "Boston, MA 02134" in printed
    assert re.search(r'<svg [^>]*class="qr"', printed)

    secrets = dump(tmp_path, server.url + f"/_manifest-tools/jobs/{other['JobId']}")
    assert "trueCryptPassword: ****" in secrets and "correct-horse" not in secrets

    shot = tmp_path / "dashboard.png"
    run = _browser(tmp_path, f"--screenshot={shot}", "--window-size=1200,900",
                   server.url + f"/_manifest-tools/jobs/{job['JobId']}")
    assert run.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("MANIFEST_TOOLS_SCREENSHOTS")
    if keep:  # for a person to look at (README, "Development")
        shutil.copy(shot, Path(keep) / "dashboard-job.png")
        _browser(tmp_path, f"--screenshot={Path(keep) / 'dashboard.png'}",
                 "--window-size=1200,700", server.url + "/")
        _browser(tmp_path, f"--screenshot={Path(keep) / 'label.png'}",
                 "--window-size=384,576", server.url + label.replace("&amp;", "&"))
