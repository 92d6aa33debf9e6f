"""A real service process on a free loopback port, and the real clients that talk to it.

``service`` starts ``manifest-tools service run --port 0`` as a child process with its own
data folder and credentials file, reads the ``listening on`` line, and stops it with
SIGTERM afterwards (the test fails if it does not stop cleanly). ``aws`` runs the real AWS
CLI with a private HOME and config, so nothing of the machine's own AWS setup leaks in: each
call is its own process running the ``aws`` script, forked from one warm interpreter per worker
that imported ``awscli.clidriver`` and its handlers once (tests/warm.py; a fresh ``aws``
process spent ~1 CPU second on start-up and imports, most of each call).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests import cputime, warm

ROOT = Path(__file__).parents[2]
SAMPLES = ROOT / "samples"
AWS = str(Path(sys.executable).with_name("aws"))
ACCESS = "AKIA2E0A8F3B244C9986"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
OTHER_ACCESS = "AKIAOTHERACCOUNT0001"
OTHER_SECRET = "otherSecretKey/otherSecretKey/otherSec01"
REGION = "us-east-1"
CREDENTIALS = (f"[default]\naws_access_key_id = {ACCESS}\naws_secret_access_key = {SECRET}\n"
               f"[other]\naws_access_key_id = {OTHER_ACCESS}\n"
               f"aws_secret_access_key = {OTHER_SECRET}\n")


def _no_aws_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


@dataclass
class Service:
    url: str
    data: Path
    proc: warm.WarmPopen
    log: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def start_service(tmp: Path, data: Path | None = None, extra: tuple[str, ...] = ()
                  ) -> Service:
    """Start a service process and wait for its first line (bounded)."""
    creds = tmp / "service-credentials"
    creds.write_text(CREDENTIALS)
    data = data or tmp / "data"
    # Forked from the worker's warm interpreter (warm.cli: a fresh ``python -m manifest_tools
    # service run`` spent ~0.6 CPU s starting, and each service imported the modules its
    # first requests need).
    proc = warm.cli().popen(
        ["service", "run", "--port", "0", "--data", str(data), "--credentials", str(creds),
         *extra], module="manifest_tools", env=_no_aws_env(), cwd=Path.cwd())
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(cputime.BACKSTOP)
    if not line or not line[0].startswith("manifest-tools service: listening on http://"):
        proc.kill()
        raise AssertionError(f"service did not start: {line!r} {proc.stderr.read()!r}")
    service = Service(line[0].strip().rsplit(" ", 1)[1], data, proc)
    threading.Thread(target=lambda: service.log.extend(proc.stderr), daemon=True).start()
    return service


def stop_service(service: Service, timeout: float = cputime.BACKSTOP) -> int:
    if service.proc.poll() is None:
        service.proc.send_signal(signal.SIGTERM)
    return service.proc.wait(timeout)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    started = start_service(tmp_path)
    try:
        yield started
    finally:
        code = stop_service(started)
    assert code == 0, "the service exits 0 on SIGTERM"


@dataclass(frozen=True)
class AwsResult:
    code: int
    out: str
    err: str


AwsRunner = Callable[..., AwsResult]


@pytest.fixture(scope="session")
def warm_aws() -> Iterator[warm.Warm]:
    # awscli.handlers imports the CLI's customizations (~190 modules) that each run
    # imported again: 0.33 -> 0.21 CPU s an `aws importexport` call.
    with warm.Warm(["awscli.clidriver", "awscli.handlers"], env=_no_aws_env()) as helper:
        yield helper


@pytest.fixture
def aws(service: Service, tmp_path: Path, warm_aws: warm.Warm) -> AwsRunner:
    """Run ``aws importexport ARGS --endpoint-url URL`` as the default (or another) account."""
    home = tmp_path / "aws-home"
    home.mkdir()

    def _run(*args: str, access: str = ACCESS, secret: str = SECRET,
             env: Mapping[str, str] | None = None, cwd: Path | None = None) -> AwsResult:
        base = _no_aws_env()
        base.update({"HOME": str(home), "AWS_CONFIG_FILE": str(home / "config"),
                     "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
                     "AWS_ACCESS_KEY_ID": access, "AWS_SECRET_ACCESS_KEY": secret,
                     "AWS_DEFAULT_REGION": REGION, "AWS_PAGER": "",
                     "AWS_MAX_ATTEMPTS": "1", **(env or {})})
        run = warm_aws.start(["importexport", *args, "--endpoint-url", service.url],
                             script=AWS, cpu_seconds=None, env=base,
                             cwd=cwd or Path.cwd()).wait()
        assert not run.hung, run.problem()
        assert run.returncode is not None
        return AwsResult(run.returncode, run.out, run.err)

    return _run


_BOTO: list[Any] = []  # this worker's boto3 session (made by the first client)
_BOTO_LOCK = threading.Lock()


def boto_client(service: Service, access: str = ACCESS, secret: str = SECRET,
                **config: Any) -> Any:
    """A boto3 client of the service, signing as ``access``/``secret``. Every client comes
    from one session (its credentials are the client's own, never the session's): a new
    session loaded and parsed botocore's data files again, ~90 of a client's ~100 CPU ms.
    A session is not thread-safe (clients are): the lock serialises making clients."""
    import boto3
    from botocore.config import Config

    with _BOTO_LOCK:
        if not _BOTO:
            _BOTO.append(boto3.session.Session())
        return _BOTO[0].client("importexport", endpoint_url=service.url, region_name=REGION,
                               aws_access_key_id=access, aws_secret_access_key=secret,
                               config=Config(retries={"max_attempts": 1}, **config))
