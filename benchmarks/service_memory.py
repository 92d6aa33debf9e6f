"""Peak memory of the local service under 8 concurrent ListJobs over 120 large jobs.

Run by hand (``.venv/bin/python benchmarks/service_memory.py``); never part of the tests.
Starts ``manifest-tools service run`` on a free loopback port with a fresh data folder,
creates 120 S3 import jobs whose manifests are just under the 1 MiB manifest limit (a long
comment line: what any client may send), then runs 8 threads each calling ListJobs (all
120 jobs in one page) 5 times, and prints the service's peak resident memory (VmHWM from
/proc) after creating and after listing. Issue 18 measured 3.5 GB before ListJobs stopped
loading every manifest; ``BENCH_MANIFEST_BYTES`` changes the manifest size.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ACCESS = "AKIA2E0A8F3B244C9986"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
MANIFEST = (ROOT / "samples" / "valid" / "s3-import.yaml").read_text()
JOBS = 120
THREADS = 8
CALLS = 5
SIZE = int(os.environ.get("BENCH_MANIFEST_BYTES", str(1024 * 1024 - 4096)))


def _peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _client(url: str) -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(aws_access_key_id=ACCESS, aws_secret_access_key=SECRET,
                                    region_name="us-east-1")
    return session.client("importexport", endpoint_url=url,
                          config=Config(retries={"max_attempts": 1}, read_timeout=600))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        creds = Path(tmp) / "credentials"
        creds.write_text(f"[default]\naws_access_key_id = {ACCESS}\n"
                         f"aws_secret_access_key = {SECRET}\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        proc = subprocess.Popen([sys.executable, "-m", "manifest_tools", "service", "run",
                                 "--port", "0", "--data", str(Path(tmp) / "data"),
                                 "--credentials", str(creds)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=env)
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().rsplit(" ", 1)[1]
        try:
            client = _client(url)
            padding = "# " + "x" * (SIZE - len(MANIFEST) - 3) + "\n"
            for _ in range(JOBS):
                client.create_job(JobType="Import", Manifest=MANIFEST + padding,
                                  ValidateOnly=False)
            created = _peak_mib(proc.pid)

            def lister() -> None:
                mine = _client(url)
                for _ in range(CALLS):
                    assert len(mine.list_jobs(MaxJobs=1000)["Jobs"]) == JOBS

            threads = [threading.Thread(target=lister) for _ in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            listed = _peak_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(60)
    print(f"{JOBS} jobs of {SIZE} bytes: peak RSS after CreateJob {created:.0f} MiB, after "
          f"{THREADS} x {CALLS} concurrent ListJobs {listed:.0f} MiB")


if __name__ == "__main__":
    main()
