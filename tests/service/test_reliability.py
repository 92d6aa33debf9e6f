"""Reliability and security of the service, bounded in CPU time, loopback only.

Concurrent clients lose or duplicate nothing; a SIGKILL during a CreateJob load loses no job
a client was answered for; hostile requests get AWS error documents and leave the service
answering; SIGTERM finishes a request in flight; no secret reaches a log or an error.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import sqlite3
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from manifest_tools.service.store import DB_NAME
from tests import cputime

from .conftest import (
    ACCESS,
    OTHER_ACCESS,
    OTHER_SECRET,
    REGION,
    SAMPLES,
    SECRET,
    Service,
    boto_client,
    start_service,
    stop_service,
)

pytestmark = pytest.mark.slow  # a real service process, end to end

VALID = (SAMPLES / "valid" / "s3-import.yaml").read_text()
# CPU seconds the service may spend refusing one hostile manifest.
HOSTILE_CPU = 10.0


def _signed(service: Service, body: bytes, headers: dict[str, str] | None = None
            ) -> tuple[int, bytes]:
    """POST ``body`` signed with SigV4 (botocore's own signer), as any SDK would send it."""
    request = AWSRequest("POST", service.url + "/", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **(headers or {})})
    SigV4Auth(Credentials(ACCESS, SECRET), "IngestionService", REGION).add_auth(request)
    return _send(service, body, dict(request.headers.items()))


def _send(service: Service, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=cputime.BACKSTOP)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _form(**params: str) -> bytes:
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items()).encode()


def _assert_error(status: int, body: bytes, code: str) -> None:
    assert 400 <= status < 500, (status, body[:300])
    text = body.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse')
    assert f"<Code>{code}</Code>" in text and "<RequestId>" in text, text[:400]
    assert "Traceback" not in text


def _still_answers(service: Service) -> None:
    assert boto_client(service).list_jobs(MaxJobs=1)["ResponseMetadata"][
        "HTTPStatusCode"] == 200


def _all_jobs(client: Any) -> list[str]:
    pages = client.get_paginator("list_jobs").paginate(PaginationConfig={"PageSize": 1000})
    return [job["JobId"] for page in pages for job in page["Jobs"]]


# --- concurrency ----------------------------------------------------------------------------

def _mixed_calls(service: Service, worker: int, calls: int, created: list[str],
                 errors: list[str]) -> None:
    client = boto_client(service) if worker % 2 else boto_client(service, OTHER_ACCESS,
                                                                 OTHER_SECRET)
    mine: list[str] = []
    try:
        for n in range(calls):
            kind = n % 5
            if kind == 0 or not mine:
                mine.append(client.create_job(JobType="Import", Manifest=VALID
                                              .replace(ACCESS, client._request_signer
                                                       ._credentials.access_key),
                                              ValidateOnly=False)["JobId"])
            elif kind == 1:
                assert client.get_status(JobId=mine[-1])["JobId"] == mine[-1]
            elif kind == 2:
                assert client.list_jobs(MaxJobs=3)["Jobs"]
            elif kind == 3:
                client.create_job(JobType="Import", Manifest=VALID.replace(
                    ACCESS, client._request_signer._credentials.access_key),
                    ValidateOnly=True)
            else:
                assert client.get_status(JobId=mine[0])["ProgressCode"] == "Pending"
    except Exception as exc:  # collected: the assertion below names it
        errors.append(f"worker {worker}: {type(exc).__name__}: {exc}")
    created.extend(mine)


def test_eight_clients_two_hundred_mixed_calls(service: Service) -> None:
    created: list[str] = []
    errors: list[str] = []
    workers = [threading.Thread(target=_mixed_calls, args=(service, w, 200, created, errors))
               for w in range(8)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(cputime.BACKSTOP)
    assert not any(t.is_alive() for t in workers), "a client hangs (deadlock?)"
    assert errors == []
    listed = _all_jobs(boto_client(service)) + _all_jobs(
        boto_client(service, OTHER_ACCESS, OTHER_SECRET))
    assert len(created) == 8 * 40
    assert sorted(listed) == sorted(created), "no job lost, none duplicated"
    assert len(set(listed)) == len(listed)


# --- SIGKILL --------------------------------------------------------------------------------

def _create_until_refused(service: Service, answered: list[str], stop: threading.Event
                          ) -> None:
    client = boto_client(service)
    while not stop.is_set():
        try:
            answered.append(client.create_job(JobType="Import", Manifest=VALID,
                                              ValidateOnly=False)["JobId"])
        except Exception:
            return


def test_kill_9_during_create_job_load_loses_no_answered_job(tmp_path: Path) -> None:
    service = start_service(tmp_path)
    answered: list[str] = []
    stop = threading.Event()
    clients = [threading.Thread(target=_create_until_refused, args=(service, answered, stop))
               for _ in range(4)]
    for thread in clients:
        thread.start()
    cputime.wait_for(lambda: len(answered) >= 40 or not any(t.is_alive() for t in clients),
                     what="40 answered CreateJob calls")
    os.kill(service.proc.pid, signal.SIGKILL)
    service.proc.wait(cputime.BACKSTOP)
    stop.set()
    for thread in clients:
        thread.join(cputime.BACKSTOP)
    assert len(answered) >= 40
    with sqlite3.connect(tmp_path / "data" / DB_NAME) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restarted = start_service(tmp_path, data=tmp_path / "data")
    try:
        present = set(_all_jobs(boto_client(restarted)))
        assert set(answered) <= present
        assert len(present) - len(answered) <= 4, "at most one unanswered job per client"
        with sqlite3.connect(tmp_path / "data" / DB_NAME) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        assert stop_service(restarted) == 0


# --- SIGTERM finishes a request in flight -----------------------------------------------------

def _server_has_read(service: Service, sock: socket.socket) -> bool:
    """The service has accepted ``sock``'s connection and read all it was sent (Linux /proc:
    its end of the connection is one of its descriptors and has nothing left to read)."""
    mine = sock.getsockname()[1]
    with open("/proc/net/tcp", encoding="ascii") as table:
        rows = [row.split() for row in table.read().splitlines()[1:]]
    for row in rows:
        local, remote = int(row[1].rsplit(":", 1)[1], 16), int(row[2].rsplit(":", 1)[1], 16)
        if (local, remote) == (service.port, mine):
            unread = int(row[4].split(":")[1], 16)
            descriptors = Path(f"/proc/{service.proc.pid}/fd")
            owned = any(os.readlink(fd) == f"socket:[{row[9]}]"
                        for fd in descriptors.iterdir())
            return owned and unread == 0
    return False


def _refuses_connections(service: Service) -> bool:
    try:
        socket.create_connection(("127.0.0.1", service.port), timeout=cputime.BACKSTOP).close()
    except OSError:
        return True
    return False

def test_sigterm_answers_the_request_in_flight(tmp_path: Path) -> None:
    service = start_service(tmp_path)
    body = _form(Action="ListJobs", Version="2010-06-01")
    request = AWSRequest("POST", service.url + "/", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(ACCESS, SECRET), "IngestionService", REGION).add_auth(request)
    head = "".join(f"{k}: {v}\r\n" for k, v in request.headers.items())
    with socket.create_connection(("127.0.0.1", service.port),
                                  timeout=cputime.BACKSTOP) as sock:
        sock.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{service.port}\r\n{head}"
                     f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
        # In flight: the service has the head and part of the body (not a sleep and a hope).
        cputime.wait_for(lambda: _server_has_read(service, sock), what="reading the head")
        service.proc.send_signal(signal.SIGTERM)
        # No new connections once stopping (the listening socket closes at once).
        cputime.wait_for(lambda: _refuses_connections(service), what="refusing connections")
        sock.sendall(body[10:])
        answer = b""
        while b"</ListJobsResponse>" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and b"<ListJobsResult>" in answer
    assert service.proc.wait(cputime.BACKSTOP) == 0


# --- hostile requests -----------------------------------------------------------------------

def test_bad_form_encoding_missing_and_repeated_parameters(service: Service) -> None:
    cases = [
        (b"Action=ListJobs&Version=2010-06-01&Marker=%ZZ", "InvalidParameterException"),
        (b"Action=ListJobs&Version=2010-06-01&garbage", "InvalidParameterException"),
        (b"Action=ListJobs&Action=GetStatus&Version=2010-06-01", "InvalidParameterException"),
        (b"Version=2010-06-01", "MissingParameterException"),
        (b"Action=GetStatus&Version=2010-06-01", "MissingParameterException"),
        (b"Action=ListJobs", "MissingParameterException"),
        (b"Action=ListJobs&Version=2006-03-01", "InvalidVersionException"),
        (b"Action=CreateJob&Version=2010-06-01&JobType=Import&ValidateOnly=false",
         "MissingParameterException"),
        (b"Action=ListJobs&Version=2010-06-01&MaxJobs=-1", "InvalidParameterException"),
        (b"Action=Frobnicate&Version=2010-06-01", "InvalidAction"),
        (b"Action=ListJobs&Version=2010-06-01&Marker=\xff\xfe", "InvalidParameterException"),
    ]
    for body, code in cases:
        status, answer = _signed(service, body)
        _assert_error(status, answer, code)
    # Unsigned, or not a form at all.
    _assert_error(*_send(service, b"Action=ListJobs&Version=2010-06-01",
                         {"Content-Type": "application/x-www-form-urlencoded"}),
                  "MissingAuthenticationToken")
    _assert_error(*_send(service, b"{}", {"Content-Type": "application/json"}),
                  "InvalidParameterException")
    _assert_error(*_send(service, b"Action=ListJobs", {"Authorization": "AWS4-HMAC-SHA256 x",
                                         "Content-Type": "application/x-www-form-urlencoded"}),
                  "IncompleteSignature")
    _still_answers(service)


def test_hundred_megabyte_body_is_refused_early(service: Service) -> None:
    size = 100 * 1024 * 1024
    chunk = b"A" * (1024 * 1024)
    with socket.create_connection(("127.0.0.1", service.port),
                                  timeout=cputime.BACKSTOP) as sock:
        sock.sendall(f"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                     f"x-www-form-urlencoded\r\nContent-Length: {size}\r\n\r\n".encode())
        sent = 0
        try:
            while sent < size:
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the service stopped reading: it has answered already
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    body = answer.split(b"\r\n\r\n", 1)[1]
    assert b"<Code>RequestEntityTooLarge</Code>" in body
    assert sent < size, "refused before the whole body was read"
    _still_answers(service)


def test_hostile_manifests(service: Service) -> None:
    client = boto_client(service)
    deep = "a:\n" + "".join(" " * i + "- a:\n" for i in range(1, 200)) + "[" * 10_000 \
        + "]" * 10_000
    nesting = "[" * 10_000 + "]" * 10_000
    for manifest in ("\x00" * 100_000, nesting, deep, "\ufeff" * 1000, "a: b\n" * 60_000):
        before = cputime.cpu_of(service.proc.pid)
        with pytest.raises(ClientError) as refused:
            client.create_job(JobType="Import", Manifest=manifest, ValidateOnly=False)
        assert refused.value.response["Error"]["Code"] in (
            "MalformedManifestException", "MissingManifestFieldException")
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        spent = cputime.cpu_of(service.proc.pid) - before
        assert spent < HOSTILE_CPU, f"{spent:.1f} CPU seconds to refuse {manifest[:40]!r}"
    status, answer = _signed(service, _form(Action="CreateJob", Version="2010-06-01",
                                            JobType="Import", ValidateOnly="false",
                                            Manifest="\x00" * 1000))
    _assert_error(status, answer, "MalformedManifestException")
    _still_answers(service)


def test_no_secret_in_logs_or_errors(service: Service) -> None:
    client = boto_client(service)
    password = "Zq7-UNIQUE-PASSWORD-9x"
    export = (SAMPLES / "valid" / "s3-export.yaml").read_text()
    assert "trueCryptPassword" in export
    lines = [line if not line.startswith("trueCryptPassword") else
             f"trueCryptPassword: {password}" for line in export.splitlines()]
    broken = "\n".join(lines).replace("fileSystem: NTFS", "fileSystem: [NTFS]")
    messages = []
    for manifest in (broken, broken.replace(f": {password}", f": [{password}]"),
                     "\n".join(lines) + f"\npinCode: {password}\ncolour: {password}\n"):
        try:
            answer = client.create_job(JobType="Export", Manifest=manifest, ValidateOnly=True)
        except ClientError as exc:
            messages.append(str(exc))
        else:
            messages.append(answer.get("WarningMessage", ""))
    forged = boto_client(service, secret=SECRET[:-1] + "Z")
    with pytest.raises(ClientError) as bad:
        forged.list_jobs()
    messages.append(str(bad.value))
    assert len(messages) == 4 and all(messages), messages
    # The service logs a line per request before answering it; the test's reader thread
    # collects them: wait until it has all four.
    cputime.wait_for(lambda: sum(" -> " in line for line in service.log) >= 4,
                     what="four request lines in the service log")
    for text in [*messages, *service.log]:
        assert SECRET not in text and OTHER_SECRET not in text
        assert password not in text, text
