"""Slowloris against the real HTTP layer (waitress behind :class:`service.server.Server`) on
loopback sockets: connections that trickle a header line at a time are closed once their
request is overdue, one address cannot hold more than its share of connections, and a
client from another address is served all along.

Counts and deadlines are small (the server takes them as parameters); wall-clock time is
only a generous backstop against a hang."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from manifest_tools.service.server import Server

BACKSTOP = 20.0
PER_CLIENT = 4


def _app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server(_app, "127.0.0.1", 0, request_seconds=1.0, per_client=PER_CLIENT)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.stop()
        thread.join(BACKSTOP)
    assert not thread.is_alive(), "the server stops"


def _connect(server: Server, source: str = "127.0.0.1") -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=BACKSTOP,
                                    source_address=(source, 0))
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")  # a request that never ends
    return sock


def _closed(sock: socket.socket, wait: float) -> bool:
    """True when the server closed ``sock`` within ``wait`` seconds."""
    sock.settimeout(wait)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionError:
        return True


def _served(server: Server, source: str) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=BACKSTOP,
                                  source_address=(source, 0)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    return answer


def test_a_trickled_request_is_closed_at_its_deadline(server: Server) -> None:
    sock = _connect(server)
    deadline = time.monotonic() + BACKSTOP
    closed = False
    while not closed and time.monotonic() < deadline:
        try:
            sock.sendall(b"X-Slow: 1\r\n")  # one header line at a time keeps it 'active'
        except OSError:
            closed = True
            break
        closed = _closed(sock, 0.2)
    sock.close()
    assert closed, "a request still incomplete after its deadline is closed"


def test_one_address_cannot_lock_everybody_out(server: Server) -> None:
    socks = [_connect(server) for _ in range(120)]  # more than waitress's limit of 100
    try:
        answer = _served(server, "127.0.0.2")  # another client, served all along
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok")
        kept = [s for s in socks if not _closed(s, 0.05)]
        assert len(kept) <= PER_CLIENT
    finally:
        for sock in socks:
            sock.close()
