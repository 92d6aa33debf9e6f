"""The control endpoints, `service jobs` and `service run --ephemeral`, over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from manifest_tools.testing import ImportExportServer, importexport_server
from tests.conftest import RunCli

from .conftest import ACCESS, SAMPLES, SECRET

EXPORT = (SAMPLES / "valid" / "s3-export.yaml").read_text()
PIN = (SAMPLES / "valid" / "s3-export-pincode.yaml").read_text()
IMPORT = (SAMPLES / "valid" / "s3-import.yaml").read_text()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ImportExportServer]:
    with importexport_server(data=tmp_path / "data", access_key_id=ACCESS,
                             secret_access_key=SECRET) as started:
        yield started


def _request(url: str, method: str = "GET", headers: dict[str, str] | None = None
             ) -> tuple[int, Any]:
    request = urllib.request.Request(url, method=method, headers=headers or {},
                                     data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            body = answer.read()
            kind = answer.headers["Content-Type"]
            return answer.status, json.loads(body) if kind == "application/json" else body
    except urllib.error.HTTPError as refused:
        body = refused.read()
        kind = refused.headers["Content-Type"] or ""
        return refused.code, json.loads(body) if kind == "application/json" else body


def test_health_state_and_reset(server: ImportExportServer) -> None:
    client = server.client()
    status, health = _request(server.url + "/_manifest-tools/health")
    assert status == 200
    assert health == {"status": "ok", "service": "manifest-tools", "version": health["version"],
                      "apiVersion": "2010-06-01", "jobs": 0}
    made = [client.create_job(JobType="Export", Manifest=m, ValidateOnly=False)["JobId"]
            for m in (EXPORT, PIN)]
    made.append(client.create_job(JobType="Import", Manifest=IMPORT,
                                  ValidateOnly=False)["JobId"])
    status, state = _request(server.url + "/_manifest-tools/state")
    assert status == 200 and [j["jobId"] for j in state["jobs"]] == made
    first = state["jobs"][0]
    assert first["account"] == ACCESS and first["jobType"] == "Export"
    assert first["progressCode"] == "Pending" and first["isCanceled"] is False
    assert first["labelUrl"].startswith(server.url + "/labels/")
    text = json.dumps(state)
    assert "correct-horse-battery-staple" not in text and "73915" not in text
    assert "trueCryptPassword: ****" in first["manifest"]
    assert "pinCode: ****" in state["jobs"][1]["manifest"]
    assert _request(server.url + "/_manifest-tools/health")[1]["jobs"] == 3

    assert _request(server.url + "/_manifest-tools/reset")[0] == 405  # GET cannot reset
    assert _request(server.url + "/_manifest-tools/reset", "POST") == \
        (200, {"status": "ok", "removed": 3})
    assert _request(server.url + "/_manifest-tools/state")[1] == {"jobs": []}
    assert client.list_jobs()["Jobs"] == []
    with pytest.raises(client.exceptions.InvalidJobIdException):
        client.get_status(JobId=made[0])


def test_a_web_page_cannot_use_them(server: ImportExportServer) -> None:
    server.client().create_job(JobType="Import", Manifest=IMPORT, ValidateOnly=False)
    # A cross-site form post carries the page's Origin: refused, nothing removed.
    status, body = _request(server.url + "/_manifest-tools/reset", "POST",
                            {"Origin": "http://evil.example"})
    assert status == 403 and "cross-origin" in body["error"]
    # DNS rebinding: the page's own name in Host, on our loopback address.
    for path in ("/_manifest-tools/state", "/", "/_manifest-tools/reset"):
        status, body = _request(server.url + path, "POST" if "reset" in path else "GET",
                                {"Host": f"evil.example:{server.port}"})
        assert status == 403, path
    assert _request(server.url + "/_manifest-tools/health")[1]["jobs"] == 1
    # The same origin and localhost are fine.
    assert _request(server.url + "/_manifest-tools/state", headers={
        "Host": f"localhost:{server.port}"})[0] == 200
    assert _request(server.url + "/_manifest-tools/reset", "POST",
                    {"Origin": server.url})[0] == 200


def test_the_api_and_unknown_paths_are_untouched(server: ImportExportServer) -> None:
    status, body = _request(server.url + "/?Action=ListJobs&Version=2010-06-01")
    assert status == 405 and b"<Code>InvalidAction</Code>" in body
    status, body = _request(server.url + "/_manifest-tools/nothing")
    assert status == 404 and "GET /_manifest-tools/state" in body["endpoints"]
    assert _request(server.url + "/_manifest-tools/jobs/ZZZZZ")[0] == 404
    assert _request(server.url + "/elsewhere")[0] == 404


def test_service_jobs_lists_a_data_folder(server: ImportExportServer, run_cli: RunCli
                                          ) -> None:
    client = server.client()
    first = client.create_job(JobType="Export", Manifest=EXPORT, ValidateOnly=False)["JobId"]
    second = client.create_job(JobType="Import", Manifest=IMPORT, ValidateOnly=False)["JobId"]
    client.cancel_job(JobId=second)
    text = run_cli("service", "jobs", "--data", str(server.data))
    assert text.code == 0, text.err
    lines = text.out.splitlines()
    assert lines[0].split() == ["JOBID", "ACCOUNT", "TYPE", "LOCATION", "PROGRESS", "CREATED",
                                "ERRORS"]
    assert lines[1].split()[:5] == [first, ACCESS, "Export", "NotReceived", "Pending"]
    assert lines[2].split()[:5] == [second, ACCESS, "Import", "NotReceived", "Canceled"]
    listed = run_cli("service", "jobs", "--data", str(server.data), "--format", "json")
    jobs = json.loads(listed.out)["jobs"]
    assert [j["jobId"] for j in jobs] == [first, second]
    assert "correct-horse-battery-staple" not in listed.out
    missing = run_cli("service", "jobs", "--data", str(server.data / "nowhere"))
    assert missing.code == 2 and "no service data folder" in missing.err
    assert not (server.data / "nowhere").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_ephemeral_on_a_fixed_port_says_how_to_point_clients(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": ACCESS, "AWS_SECRET_ACCESS_KEY": SECRET,
                "TMPDIR": str(tmp_path)})
    proc = subprocess.Popen([sys.executable, "-m", "manifest_tools", "service", "run",
                             "--ephemeral", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        url = f"http://127.0.0.1:{port}"
        assert proc.stdout.readline() == f"manifest-tools service: listening on {url}\n"
        hint = proc.stdout.readline()
        assert f"AWS_ENDPOINT_URL_IMPORTEXPORT={url} " in hint
        assert f"AWS_ENDPOINT_URL={url} " in hint
        [folder] = list(tmp_path.glob("manifest-tools-service-*"))
        assert (folder / "importexport.sqlite3").exists()
        assert _request(url + "/_manifest-tools/health")[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    assert not folder.exists()


def test_the_aws_cli_follows_the_printed_endpoint_variable(server: ImportExportServer,
                                                           tmp_path: Path) -> None:
    from .conftest import AWS

    made = server.client().create_job(JobType="Import", Manifest=IMPORT,
                                      ValidateOnly=False)["JobId"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(server.environment())  # no --endpoint-url: the variable alone
    env.update({"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none"),
                "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_PAGER": ""})
    run = subprocess.run([AWS, "importexport", "list-jobs"], env=env, capture_output=True,
                         text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert [j["JobId"] for j in json.loads(run.stdout)["Jobs"]] == [made]
