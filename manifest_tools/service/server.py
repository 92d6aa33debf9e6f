"""The HTTP layer: waitress, with AWS error documents for HTTP-level refusals and a stop
that finishes the requests in flight.

Why waitress: a pure-Python, production WSGI server maintained by the Pylons project with no
dependencies of its own; it serves concurrent clients from a thread pool behind one
asyncore loop, parses HTTP strictly, bounds request bodies (``max_request_body_size``) and
headers, and times out idle connections (``channel_timeout``). ``wsgiref`` serves one
client at a time and bounds nothing. What waitress itself refuses (a body over the limit, a
malformed request line) would be a plain-text page; :class:`_AwsErrorTask` answers those as
AWS error documents too, so botocore always gets a parseable 4xx.

Stopping (SIGINT/SIGTERM): the listening socket closes at once, the loop keeps running until
every request already received has been answered and its answer flushed (at most
:data:`DRAIN_SECONDS`), then the worker threads are joined.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from types import FrameType
from typing import Any

from ..errors import InputError
from .app import BODY_LIMIT, Log, ServiceApp, stderr_log
from .errors import ServiceError
from .protocol import error_document

DRAIN_SECONDS = 10.0
THREADS = 8
# Idle keep-alive connections are closed after this long; a request must arrive meanwhile.
CHANNEL_TIMEOUT = 30
LOOP_TIMEOUT = 0.2
# Slowloris: waitress's channel_timeout only closes *idle* connections, so one
# header line every few seconds kept a connection forever. A request (headers and body,
# 4 MiB at most) must be complete within REQUEST_SECONDS of its first byte; one client
# address holds at most PER_CLIENT connections (more are closed at once), all clients
# together CONNECTION_LIMIT (waitress's own limit); others keep being served.
REQUEST_SECONDS = 60
PER_CLIENT = 32  # boto3 pools 10 connections per client: room for a few local clients
CONNECTION_LIMIT = 100
# How often the deadlines are checked (waitress's maintenance pass).
CLEANUP_SECONDS = 1

_CODES = {"RequestEntityTooLarge": "RequestEntityTooLarge",
          "RequestHeaderFieldsTooLarge": "RequestHeaderFieldsTooLarge"}


def _error_task_class() -> type:
    from waitress.task import ErrorTask

    class _AwsErrorTask(ErrorTask):
        """waitress's refusal of a request, as an AWS error document with its status."""

        def execute(self) -> None:
            problem: Any = getattr(self.request, "error", None)
            code = _CODES.get(type(problem).__name__, "InvalidRequest")
            error = ServiceError(code, f"the HTTP request was refused: {problem.reason}",
                                 int(problem.code), sender=int(problem.code) < 500)
            body = error_document(error, str(uuid.uuid4()))
            self.status = f"{problem.code} {problem.reason}"
            self.response_headers = [*self.response_headers, ("Content-Type", "text/xml")]
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    return _AwsErrorTask


def default_data_dir() -> str:
    """A per-user data folder: $XDG_DATA_HOME (default ~/.local/share)/manifest-tools/
    service on POSIX, %LOCALAPPDATA%\\manifest-tools\\service on Windows."""
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return os.path.join(os.environ["LOCALAPPDATA"], "manifest-tools", "service")
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local",
                                                           "share")
    return os.path.join(base, "manifest-tools", "service")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (what needs no warning)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def build(host: str, port: int, data_dir: str | None, credentials: str | None,
          log: Log = stderr_log) -> Server:
    """Keys, store, app and a bound server, ready to :meth:`Server.run`."""
    from ..credentials import load_key_pairs
    from .operations import Context
    from .store import Store

    if host == "localhost":
        # waitress would listen on every address localhost resolves to (two sockets).
        host = "127.0.0.1"
    keys = load_key_pairs(credentials)
    store = Store(data_dir or default_data_dir())
    app = ServiceApp(Context(store, keys, ""), log)
    server = Server(app, host, port)
    app.ctx = replace(app.ctx, base_url=server.url)
    return server


def _channel_class(request_seconds: float, per_client: int) -> type:
    from waitress.channel import HTTPChannel

    class _Channel(HTTPChannel):
        """waitress's channel with a deadline per request and a cap per client address."""

        error_task_class = _error_task_class()
        request_started: float | None = None

        def __init__(self, server: Any, sock: Any, addr: Any, adj: Any,
                     map: Any = None) -> None:
            super().__init__(server, sock, addr, adj, map)
            host = addr[0] if isinstance(addr, tuple) else addr
            same = sum(1 for channel in list(server.active_channels.values())
                       if (channel.addr[0] if isinstance(channel.addr, tuple)
                           else channel.addr) == host)
            if same > per_client:
                self.handle_close()

        def received(self, data: bytes) -> bool:
            if self.request is None and data:
                self.request_started = time.monotonic()
            done: bool = super().received(data)
            if self.request is None:  # every request received so far is complete
                self.request_started = None
            return done

        def overdue(self, now: float) -> bool:
            started = self.request_started
            return self.request is not None and started is not None \
                and now - started > request_seconds

    return _Channel


class Server:
    """A bound, not yet running server; :meth:`run` serves until :meth:`stop`.

    ``request_seconds`` and ``per_client`` are the slowloris bounds (tests make them small).
    """

    def __init__(self, app: ServiceApp | Callable[..., Any], host: str, port: int,
                 request_seconds: float = REQUEST_SECONDS, per_client: int = PER_CLIENT
                 ) -> None:
        from waitress.server import create_server

        self._map: dict[int, Any] = {}
        try:
            created: Any = self._create(create_server, app, host, port)
        except (OSError, ValueError) as exc:
            # ValueError: waitress's refusal of a host that is no address ('x y').
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise InputError(f"cannot listen on {host}:{port}: {reason}") from None
        # One host and port: a single TcpWSGIServer (not waitress's multi-socket wrapper).
        self._server: Any = created
        self._server.channel_class = _channel_class(request_seconds, per_client)
        maintenance = self._server.maintenance

        def _maintenance(now: float) -> None:
            maintenance(now)
            clock = time.monotonic()
            for channel in list(self._server.active_channels.values()):
                if channel.overdue(clock):
                    channel.will_close = True  # the loop closes it on its next pass

        self._server.maintenance = _maintenance
        self._stopping = False
        self.host = host
        self.port = int(self._server.effective_port)

    def _create(self, create_server: Callable[..., Any], app: Callable[..., Any], host: str,
                port: int) -> Any:
        return create_server(
            app, map=self._map, host=host, port=port, threads=THREADS,
            channel_timeout=CHANNEL_TIMEOUT, cleanup_interval=CLEANUP_SECONDS,
            connection_limit=CONNECTION_LIMIT,
            max_request_body_size=BODY_LIMIT, asyncore_loop_timeout=1,
            # No tracebacks to clients, no server banner to leak versions, no access log:
            # the app logs one line per request itself.
            expose_tracebacks=False, ident="manifest-tools", clear_untrusted_proxy_headers=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self, *_: object) -> None:
        """Stop accepting; requests in flight are still answered. Safe in a signal handler."""
        self._stopping = True

    def install_signal_handlers(self) -> None:
        def handler(signum: int, frame: FrameType | None) -> None:
            self.stop()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)

    def _busy(self) -> bool:
        """A request is being received, waits, runs, or its answer is not yet flushed."""
        return any(channel.request is not None or channel.requests
                   or channel.total_outbufs_len
                   for channel in list(self._server.active_channels.values()))

    def run(self) -> None:
        from waitress import wasyncore

        server = self._server
        mapping = self._map
        while not self._stopping:
            wasyncore.loop(timeout=LOOP_TIMEOUT, map=mapping, use_poll=True, count=1)
        server.accepting = False
        server.del_channel()
        server.socket.close()
        deadline = time.monotonic() + DRAIN_SECONDS
        while self._busy() and time.monotonic() < deadline:
            wasyncore.loop(timeout=LOOP_TIMEOUT, map=mapping, use_poll=True, count=1)
        for channel in list(server.active_channels.values()):
            channel.close()
        server.task_dispatcher.shutdown(timeout=DRAIN_SECONDS)
        server.trigger.close()
