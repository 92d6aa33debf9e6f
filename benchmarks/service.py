"""Benchmark the local Import/Export service: 1,000 sequential GetStatus calls from botocore.

Run by hand (``.venv/bin/python benchmarks/service.py``, ``BENCH_ROUNDS=N``, default 5);
never part of the tests. Three servers, each its own process on a free loopback port, each
called by the same botocore (boto3) client code, one call after the other:

- ours: ``manifest-tools service run`` answering GetStatus for one job (SigV4 verified,
  SQLite read, XML rendered);
- stub: a keep-alive ``http.server`` that returns one fixed GetStatus document without
  reading the request: the floor, i.e. the client's own cost (signing, serialising, parsing);
- moto: ``moto_server`` (moto[server]) answering STS GetCallerIdentity, the usual emulator
  people run for AWS. moto is installed only for this script, into its own venv
  (benchmarks/.work/moto-venv); it is not a dependency of manifest-tools.

Rounds are interleaved (ours, stub, moto, ours, ...) so a noisy neighbour hurts all three
alike; the script prints the median time of 1,000 calls for each and the medians of the
per-round ratios ours/stub (goal <= 1.5) and ours/moto (goal <= 0.5).
"""

from __future__ import annotations

import http.server
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"
MOTO_VENV = WORK / "moto-venv"
CALLS = 1000
WARM_UP = 50
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ACCESS = "AKIA2E0A8F3B244C9986"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
MANIFEST = (ROOT / "samples" / "valid" / "s3-import.yaml").read_text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"benchmark: nothing listens on port {port}")


# --- the stub ------------------------------------------------------------------------------

def _stub_body(job_id: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<GetStatusResponse xmlns="http://'
            f'importexport.amazonaws.com/doc/2010-06-01/"><GetStatusResult><JobId>{job_id}'
            "</JobId><JobType>Import</JobType><LocationCode>NotReceived</LocationCode>"
            "<ProgressCode>Pending</ProgressCode><Signature>a+zm2LmRl9/WLADn6R7i/ZTXwbs="
            "</Signature><CreationDate>2026-12-01T20:37:39Z</CreationDate></GetStatusResult>"
            "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
            "</GetStatusResponse>").encode()


def run_stub(port: int) -> None:
    body = _stub_body("STUB1")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Without it, headers and body go out as two segments and Nagle's algorithm meets
        # the client's delayed ACK: 40 ms a call, which would flatter every peer.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


# --- servers ---------------------------------------------------------------------------------

def _moto() -> Path | None:
    server = MOTO_VENV / "bin" / "moto_server"
    if not server.exists():
        print("benchmark: installing moto[server] into benchmarks/.work/moto-venv (only for "
              "this benchmark)", flush=True)
        venv.create(MOTO_VENV, with_pip=True)
        done = subprocess.run([str(MOTO_VENV / "bin" / "pip"), "install", "-q",
                               "moto[server]"], check=False)
        if done.returncode != 0:
            print("benchmark: moto[server] could not be installed; skipping that peer")
            return None
    return server


def _start_ours(tmp: Path) -> tuple[subprocess.Popen[str], str]:
    creds = tmp / "credentials"
    creds.write_text(f"[default]\naws_access_key_id = {ACCESS}\n"
                     f"aws_secret_access_key = {SECRET}\n")
    proc = subprocess.Popen([sys.executable, "-m", "manifest_tools", "service", "run",
                             "--data", str(tmp / "data"), "--credentials", str(creds)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on" not in line:
        raise SystemExit(f"benchmark: the service did not start: {line!r}")
    return proc, line.strip().rsplit(" ", 1)[1]


def _client(service: str, url: str) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id=ACCESS, aws_secret_access_key=SECRET,
                                    region_name=REGION)
    return session.client(service, endpoint_url=url,
                          config=Config(retries={"max_attempts": 1}))


def _time(call: Any) -> float:
    for _ in range(WARM_UP):
        call()
    started = time.perf_counter()
    for _ in range(CALLS):
        call()
    return time.perf_counter() - started


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--stub":
        run_stub(int(sys.argv[2]))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    moto = _moto()
    procs: list[subprocess.Popen[Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            ours, url = _start_ours(Path(tmp))
            procs.append(ours)
            client = _client("importexport", url)
            job_id = client.create_job(JobType="Import", Manifest=MANIFEST,
                                       ValidateOnly=False)["JobId"]
            stub_port = _free_port()
            procs.append(subprocess.Popen([sys.executable, __file__, "--stub",
                                           str(stub_port)]))
            _wait_port(stub_port)
            stub = _client("importexport", f"http://127.0.0.1:{stub_port}")
            calls = {"ours": lambda: client.get_status(JobId=job_id),
                     "stub": lambda: stub.get_status(JobId=job_id)}
            if moto is not None:
                moto_port = _free_port()
                procs.append(subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p",
                                               str(moto_port)], stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
                _wait_port(moto_port)
                sts = _client("sts", f"http://127.0.0.1:{moto_port}")
                calls["moto"] = sts.get_caller_identity
            report(calls)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(20)


def report(calls: dict[str, Any]) -> None:
    times: dict[str, list[float]] = {name: [] for name in calls}
    for n in range(ROUNDS):
        for name, call in calls.items():
            times[name].append(_time(call))
        print(f"round {n + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
              flush=True)
    print(f"\n{CALLS} sequential calls, median of {ROUNDS} rounds (Python "
          f"{sys.version.split()[0]}, {os.cpu_count()} cores):")
    for name, values in times.items():
        print(f"  {name:5} {statistics.median(values):6.2f} s  "
              f"({statistics.median(values) / CALLS * 1000:.2f} ms a call)")
    for peer, goal in (("stub", 1.5), ("moto", 0.5)):
        if peer in times:
            ratio = statistics.median(a / b for a, b in zip(times["ours"], times[peer],
                                                            strict=True))
            print(f"  ours / {peer}: {ratio:.2f} (goal <= {goal})")


if __name__ == "__main__":
    main()
