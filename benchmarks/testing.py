"""Benchmark manifest_tools.testing: a CreateJob + GetStatus round trip through
``mock_importexport()`` (in-process, botocore's before-send event) against the same through
``importexport_server()`` (HTTP on a loopback port, served by a thread of this process).

Run by hand (``.venv/bin/python benchmarks/testing.py``, ``BENCH_ROUNDS=N``, default 9);
never part of the tests. Both use one boto3 client made once, the same manifest and the
same key pair; each round times ``CALLS`` round trips through each, interleaved (mock,
server, mock, ...) so a noisy neighbour hurts both alike. Printed: the median time of one
round trip for each and the median of the per-round ratios mock/server. Also the cost of
entering and leaving each (a fresh data folder and database every time).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from manifest_tools.testing import importexport_server, mock_importexport

ROOT = Path(__file__).resolve().parents[1]
CALLS = 100
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
ACCESS = "AKIA2E0A8F3B244C9986"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
MANIFEST = (ROOT / "samples" / "valid" / "s3-import.yaml").read_text()


def _round_trips(client: Any) -> tuple[float, float]:
    """Seconds per CreateJob + GetStatus pair over CALLS pairs: wall clock, and CPU time of
    the process (the client's and the service's threads: both live here), which a loaded
    machine disturbs less."""
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(CALLS):
        job_id = client.create_job(JobType="Import", Manifest=MANIFEST,
                                   ValidateOnly=False)["JobId"]
        assert client.get_status(JobId=job_id)["ProgressCode"] == "Pending"
    return (time.perf_counter() - start) / CALLS, (time.process_time() - cpu) / CALLS


def _client(endpoint: str | None) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id=ACCESS, aws_secret_access_key=SECRET,
                                    region_name="us-east-1")
    return session.client("importexport", endpoint_url=endpoint,
                          config=Config(retries={"max_attempts": 1}))


def _lifetime(enter: Callable[[], Any]) -> float:
    start = time.perf_counter()
    with enter():
        pass
    return time.perf_counter() - start


def main() -> None:
    # The mock accepts the environment's key pair as its account (as a test's own keys).
    os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"] = ACCESS, SECRET
    mocked: list[tuple[float, float]] = []
    served: list[tuple[float, float]] = []
    with importexport_server(access_key_id=ACCESS, secret_access_key=SECRET) as server:
        via_http = _client(server.url)
        _round_trips(via_http)
        with mock_importexport():  # sessions made from now on ask the mock first
            via_mock = _client(None)  # https://importexport.amazonaws.com, in-process
            _round_trips(via_mock)
        for _ in range(ROUNDS):
            # A mock answers every importexport client while active: one round inside it,
            # one outside, where the same request handler lets requests go out over HTTP.
            with mock_importexport():
                mocked.append(_round_trips(via_mock))
            served.append(_round_trips(via_http))
    print(f"CreateJob + GetStatus round trip, {CALLS} per round, {ROUNDS} rounds (median):")
    for index, what in ((0, "wall clock"), (1, "process CPU")):
        mock = [m[index] for m in mocked]
        http = [h[index] for h in served]
        ratio = statistics.median(m / h for m, h in zip(mock, http, strict=True))
        print(f"  {what:11}  mock_importexport() {statistics.median(mock) * 1000:6.2f} ms   "
              f"importexport_server() {statistics.median(http) * 1000:6.2f} ms   "
              f"ratio mock/server {ratio:.2f}")
    enter_mock = [_lifetime(mock_importexport) for _ in range(ROUNDS)]
    enter_server = [_lifetime(importexport_server) for _ in range(ROUNDS)]
    print("entering and leaving (median):")
    print(f"  mock_importexport()    {statistics.median(enter_mock) * 1000:7.2f} ms")
    print(f"  importexport_server()  {statistics.median(enter_server) * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
