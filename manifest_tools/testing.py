"""Test your own code that calls AWS Import/Export: the local service as a test tool.

No emulator has Import/Export (moto answers "not yet implemented", LocalStack has none), so
this module makes the toolkit's service as easy to use in a test suite as moto, with the
same judgement as over HTTP: signatures (SigV2 and SigV4) and accounts are checked, and a
bad manifest is the typed exception AWS answered.

- :func:`importexport_server`: the API on a free loopback port, in a thread, with a
  throwaway data folder unless one is given.
- :func:`mock_importexport`: no socket at all; every boto3/botocore ``importexport`` client
  created while it is active is answered in-process through botocore's ``before-send``
  event (as moto does).
- The pytest plugin (``manifest_tools.pytest_plugin``, loaded by installing the package)
  gives a fixture ``importexport_server`` with the endpoint and credentials in the
  environment for one test.

Both yield an object with ``access_key_id``, ``secret_access_key``, ``data`` (the data
folder), ``url``, and the dock's helpers :meth:`LocalImportExport.receive` and
:meth:`LocalImportExport.return_device` (the same code as ``service receive/return``). A
``seed`` makes JobIds (and generated test credentials) repeatable.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import io
import os
import random
import secrets
import shutil
import socket
import sqlite3
import string
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, overload
from urllib.parse import unquote, urlsplit

from .aws import JOB_ID_ALPHABET, JOB_ID_LENGTH
from .credentials import SecretKey
from .service.app import ServiceApp
from .service.dock import Receipt, receive, return_device
from .service.operations import Context
from .service.store import Job, Store

__all__ = ["Account", "ImportExportMock", "ImportExportServer", "LocalImportExport",
           "Receipt", "Response", "importexport_server", "mock_importexport"]

# Where a mock's label URLs point: a name that never resolves (RFC 2606); read them with
# :meth:`LocalImportExport.get`.
MOCK_BASE_URL = "http://importexport.mock.invalid"
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_IMPORTEXPORT"
# Import/Export had one endpoint (us-east-1); any region signs alike.
DEFAULT_REGION = "us-east-1"
_KEY_ID_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Account:
    """An access key pair the service accepts: one account (its jobs are its own)."""

    access_key_id: str
    secret_access_key: str

    def __repr__(self) -> str:  # a test key, but a secret key is never printed
        return f"Account(access_key_id={self.access_key_id!r}, secret_access_key=<redacted>)"


@dataclass(frozen=True)
class Response:
    """What :meth:`LocalImportExport.get` answers."""

    status: int
    headers: Mapping[str, str]
    text: str


def new_account(rng: random.Random | None = None) -> Account:
    """A fresh test key pair shaped like AWS's (``AKIA`` + 16, and 40 characters)."""
    choice = rng.choice if rng is not None else secrets.choice
    return Account("AKIA" + "".join(choice(_KEY_ID_ALPHABET) for _ in range(16)),
                   "".join(choice(_SECRET_ALPHABET) for _ in range(40)))


def _job_ids(rng: random.Random) -> Callable[[], str]:
    lock = threading.Lock()

    def new_job_id() -> str:
        with lock:
            return "".join(rng.choice(JOB_ID_ALPHABET) for _ in range(JOB_ID_LENGTH))

    return new_job_id


class _ThrowawayStore(Store):
    """A store in a folder deleted when the test ends: commits are not synced to disk
    (``synchronous=OFF``; WAL keeps the database consistent). The fsync of each commit
    cost ~4 ms of a ~25 ms CreateJob + GetStatus pair here (benchmarks/testing.py)."""

    def __init__(self, data_dir: str) -> None:
        self._fast = threading.local()  # before Store.__init__: it opens a connection
        super().__init__(data_dir)

    def _connection(self) -> sqlite3.Connection:
        db = super()._connection()
        if db is not getattr(self._fast, "db", None):
            db.execute("PRAGMA synchronous=OFF")
            self._fast.db = db
        return db


class LocalImportExport:
    """The service behind a test: its accounts, its data folder, the dock's helpers."""

    url: str

    def __init__(self, data: Path, seed: int | str | None, account: Account | None,
                 base_url: str, throwaway: bool = False) -> None:
        self.data = data
        rng = random.Random(seed) if seed is not None else None
        first = account or new_account(rng)
        self._rng = rng
        self.accounts: dict[str, Account] = {first.access_key_id: first}
        self._keys: dict[str, SecretKey] = {
            first.access_key_id: SecretKey(first.secret_access_key, "manifest_tools.testing")}
        self._store = (_ThrowawayStore if throwaway else Store)(str(data))
        ctx = Context(self._store, self._keys, base_url)
        if rng is not None:
            ctx = replace(ctx, new_job_id=_job_ids(random.Random(rng.random())))
        self.log: list[str] = []
        self.app = ServiceApp(ctx, self.log.append)
        self.access_key_id = first.access_key_id
        self.secret_access_key = first.secret_access_key

    def __repr__(self) -> str:
        return f"<{type(self).__name__} url={self.url!r} data={str(self.data)!r}>"

    @property
    def account(self) -> Account:
        """The first account (``access_key_id``, ``secret_access_key``)."""
        return self.accounts[self.access_key_id]

    def add_account(self, account: Account | None = None) -> Account:
        """Accept one more key pair (a new one unless given): another account."""
        account = account or new_account(self._rng)
        self._keys[account.access_key_id] = SecretKey(account.secret_access_key,
                                                      "manifest_tools.testing")
        self.accounts[account.access_key_id] = account
        return account

    def environment(self) -> dict[str, str]:
        """The variables that point the AWS CLI and boto3 at this service as the first
        account (``AWS_ENDPOINT_URL_IMPORTEXPORT``, ``AWS_ACCESS_KEY_ID``,
        ``AWS_SECRET_ACCESS_KEY``), and ``AWS_DEFAULT_REGION`` when no region is set:
        botocore cannot sign for a custom endpoint without one."""
        found = {ENDPOINT_VARIABLE: self.url, "AWS_ACCESS_KEY_ID": self.access_key_id,
                 "AWS_SECRET_ACCESS_KEY": self.secret_access_key}
        if not (os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")):
            found["AWS_DEFAULT_REGION"] = DEFAULT_REGION
        return found

    def client(self, account: Account | None = None, **kwargs: Any) -> Any:
        """A boto3 ``importexport`` client for this service (the first account unless
        another is given); ``kwargs`` go to ``boto3.session.Session.client``."""
        import boto3

        account = account or self.account
        session = boto3.session.Session(aws_access_key_id=account.access_key_id,
                                        aws_secret_access_key=account.secret_access_key,
                                        region_name=kwargs.pop("region_name",
                                                               DEFAULT_REGION))
        return session.client("importexport", endpoint_url=kwargs.pop("endpoint_url",
                                                                      self.url), **kwargs)

    # --- the receiving dock --------------------------------------------------------------

    def receive(self, job_id: str, device_root: str | os.PathLike[str],
                copy: bool = False) -> Receipt:
        """What ``manifest-tools service receive`` does: check the device's SIGNATURE,
        import it, write the import log; get-status then shows the outcome."""
        return receive(self._store, job_id, os.fspath(device_root), copy=copy)

    def return_device(self, job_id: str, carrier: str = "UPS",
                      tracking_number: str | None = None) -> Job:
        """What ``manifest-tools service return`` does: LocationCode becomes Returned."""
        return return_device(self._store, job_id, carrier, tracking_number)

    # --- the control endpoints, in-process -------------------------------------------------

    def get(self, url: str) -> Response:
        """GET a URL or path of this service in-process: a ``ShippingLabelURL``, the
        dashboard ``/``, ``/_manifest-tools/state``..."""
        return self._call("GET", url)

    def state(self) -> dict[str, Any]:
        """Every job of every account, as ``GET /_manifest-tools/state`` answers."""
        import json

        answer: dict[str, Any] = json.loads(self.get("/_manifest-tools/state").text)
        return answer

    def reset(self) -> None:
        """Every job and label gone, as ``POST /_manifest-tools/reset``."""
        self._call("POST", "/_manifest-tools/reset")

    def _call(self, method: str, url: str, body: bytes = b"",
              headers: Mapping[str, str] | None = None) -> Response:
        status, answer, content = _wsgi_call(self.app, method, url, body, headers or {},
                                           default_host=urlsplit(self.url).netloc)
        return Response(status, answer, content.decode("utf-8", "replace"))

    def close(self) -> None:
        self._store.close()


def _wsgi_call(app: Callable[..., Any], method: str, url: str, body: bytes,
             headers: Mapping[str, str], default_host: str
             ) -> tuple[int, dict[str, str], bytes]:
    """One request to a WSGI app as an HTTP server would pass it: (status, headers, body)."""
    split = urlsplit(url)
    default_port = 443 if split.scheme == "https" else 80
    host = split.netloc.rpartition("@")[2]  # what urllib3 sends as Host: no default port
    host = host.removesuffix(f":{default_port}") if split.port == default_port else host
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "PATH_INFO": unquote(split.path) or "/",
        "QUERY_STRING": split.query, "SERVER_NAME": split.hostname or "localhost",
        "SERVER_PORT": str(split.port or default_port), "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "in-process", "wsgi.url_scheme": split.scheme or "http",
        "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": host or default_host,
    }
    for name, value in headers.items():
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ[key] = text
        elif key != "CONTENT_LENGTH":  # the body's own length stands
            environ["HTTP_" + key] = text  # a Host header given overrides the URL's
    started: list[Any] = []

    def start_response(status: str, response_headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], None]:
        started[:] = [status, response_headers]
        return lambda data: None

    content = b"".join(app(environ, start_response))
    return int(started[0].split()[0]), dict(started[1]), content


# --- importexport_server ---------------------------------------------------------------------

class ImportExportServer(LocalImportExport):
    """The service listening on a loopback port, served by a thread."""

    def __init__(self, data: Path, seed: int | str | None, account: Account | None,
                 host: str, port: int, throwaway: bool = False) -> None:
        from .service.server import Server

        super().__init__(data, seed, account, "", throwaway)
        self._server = Server(self.app, "127.0.0.1" if host == "localhost" else host, port)
        self.url = self._server.url
        self.host, self.port = self._server.host, self._server.port
        self.app.ctx = replace(self.app.ctx, base_url=self.url)
        self._thread = threading.Thread(target=self._server.run, daemon=True,
                                        name=f"manifest-tools service {self.url}")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop listening; requests in flight are answered first."""
        self._server.stop()
        with contextlib.suppress(OSError):  # wake the poll now, not at its 0.2 s timeout
            socket.create_connection((self.host, self.port), timeout=1).close()
        self._thread.join(30)
        self.close()


@contextmanager
def _folder(data: str | os.PathLike[str] | None) -> Iterator[Path]:
    if data is not None:
        yield Path(data)
        return
    folder = tempfile.mkdtemp(prefix="manifest-tools-service-")
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _account(access_key_id: str | None, secret_access_key: str | None) -> Account | None:
    if (access_key_id is None) != (secret_access_key is None):
        raise ValueError("give both access_key_id and secret_access_key, or neither")
    if access_key_id is None or secret_access_key is None:
        return None
    return Account(access_key_id, secret_access_key)


@contextmanager
def importexport_server(*, data: str | os.PathLike[str] | None = None,
                        seed: int | str | None = None, access_key_id: str | None = None,
                        secret_access_key: str | None = None, host: str = "127.0.0.1",
                        port: int = 0) -> Iterator[ImportExportServer]:
    """Serve the Import/Export API in a thread for the ``with`` block.

    ``port`` 0 picks a free one (read ``.url``). Without ``data`` the jobs live in a
    throwaway folder, gone afterwards. Without a key pair a test pair is generated. With a
    ``seed`` the JobIds (and a generated key pair) are the same on every run.
    """
    with _folder(data) as folder:
        server = ImportExportServer(folder, seed, _account(access_key_id, secret_access_key),
                                    host, port, throwaway=data is None)
        server.start()
        try:
            yield server
        finally:
            server.stop()


# --- mock_importexport -----------------------------------------------------------------------

_ACTIVE: list[ImportExportMock] = []
_LOCK = threading.Lock()
_INSTALLED: list[bool] = []


class _RawBody(io.BytesIO):
    """What botocore reads a response body from (``raw.stream()``)."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        while chunk := self.read(65536):
            yield chunk


def _before_send(request: Any, **_: Any) -> Any:
    """botocore's ``before-send.importexport``: answer from the active mock, if any."""
    with _LOCK:
        mock = _ACTIVE[-1] if _ACTIVE else None
    if mock is None:
        return None  # no mock: the request goes out as usual
    from botocore.awsrequest import AWSResponse

    body = request.body
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes | bytearray):
        body = body.read()
    status, headers, content = _wsgi_call(mock.app, request.method, request.url, bytes(body),
                                        dict(request.headers.items()),
                                        default_host="importexport.amazonaws.com")
    return AWSResponse(request.url, status, headers, _RawBody(content))


def _install() -> None:
    """Answer from sessions created from now on (botocore's built-in handlers, as moto),
    and from boto3's default session, which is made anew."""
    with _LOCK:
        if not _INSTALLED:
            from botocore.handlers import BUILTIN_HANDLERS

            BUILTIN_HANDLERS.append(("before-send.importexport", _before_send))
            _INSTALLED.append(True)
    forget_default_session()


def forget_default_session() -> None:
    """boto3's default session caches credentials read from the environment: the next
    ``boto3.client()`` must read the test's (moto does the same)."""
    boto3: Any = sys.modules.get("boto3")
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None


class ImportExportMock(LocalImportExport):
    """The service answering botocore in-process; see :func:`mock_importexport`."""

    def __init__(self, data: str | os.PathLike[str] | None = None,
                 seed: int | str | None = None) -> None:
        self._given_data = data
        self._seed = seed
        self._folder: Any = None
        self._saved: dict[str, str | None] = {}
        self.url = MOCK_BASE_URL

    def start(self) -> ImportExportMock:
        if self in _ACTIVE:
            raise RuntimeError("this mock_importexport() is already active")
        self._folder = _folder(self._given_data)
        folder = self._folder.__enter__()
        key_id = os.environ.get("AWS_ACCESS_KEY_ID")
        secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
        mine = Account(key_id, secret) if key_id and secret else None
        super().__init__(folder, self._seed, mine, MOCK_BASE_URL,
                         throwaway=self._given_data is None)
        if mine is None:  # the test set no credentials of its own: ours, for the duration
            for name, value in (("AWS_ACCESS_KEY_ID", self.access_key_id),
                                ("AWS_SECRET_ACCESS_KEY", self.secret_access_key)):
                self._saved[name] = os.environ.get(name)
                os.environ[name] = value
        _install()
        with _LOCK:
            _ACTIVE.append(self)
        return self

    def stop(self) -> None:
        with _LOCK:
            if self in _ACTIVE:
                _ACTIVE.remove(self)
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()
        forget_default_session()
        self.close()
        if self._folder is not None:
            self._folder.__exit__(None, None, None)
            self._folder = None

    def __enter__(self) -> ImportExportMock:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def __call__(self, func: F) -> F:
        """Decorate a test function (or every ``test*`` method of a class)."""
        if inspect.isclass(func):
            for name, method in list(vars(func).items()):
                if name.startswith("test") and callable(method):
                    setattr(func, name, ImportExportMock(self._given_data, self._seed)(method))
            return func

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with ImportExportMock(self._given_data, self._seed):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


@overload
def mock_importexport(func: F) -> F: ...
@overload
def mock_importexport(*, data: str | os.PathLike[str] | None = None,
                      seed: int | str | None = None) -> ImportExportMock: ...


def mock_importexport(func: Any = None, *, data: str | os.PathLike[str] | None = None,
                      seed: int | str | None = None) -> Any:
    """Answer every boto3/botocore ``importexport`` client in-process, no socket.

    Use as ``with mock_importexport() as mock:``, as ``@mock_importexport`` or as
    ``@mock_importexport(seed=1)``. While active, a client created in the process gets the
    service's answers (typed exceptions, accounts and signatures checked, as over HTTP).
    Unless the test has set ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY`` (the mock
    then accepts that pair as its account), a generated test pair is put in the
    environment until the block ends. Each activation starts with no jobs.
    """
    if func is not None:
        return ImportExportMock(data, seed)(func)
    return ImportExportMock(data, seed)
