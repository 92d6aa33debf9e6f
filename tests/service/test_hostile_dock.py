"""The receiving dock under attack and accident: bucket names
and symbolic links that lead out of DATA/buckets, receives racing each other and CancelJob/
UpdateJob, a receive interrupted, killed or out of space, and databases that are not ours."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from manifest_tools.credentials import SecretKey
from manifest_tools.device.opening import Listed
from manifest_tools.errors import InputError, UsageError
from manifest_tools.service import dock
from manifest_tools.service.dock import receive
from manifest_tools.service.errors import ServiceError
from manifest_tools.service.operations import Context, cancel_job, create_job, update_job
from manifest_tools.service.store import Store
from tests.warm import ToolRun, tool

from .conftest import ACCESS, SAMPLES, SECRET

VALID = (SAMPLES / "valid" / "s3-import.yaml").read_text()
KEYS = {ACCESS: SecretKey(SECRET, "test")}
BACKSTOP = 120  # seconds: only against a hang


def _tool(*args: str) -> ToolRun:
    return tool(*args, backstop=BACKSTOP)


def _job(data: Path, manifest: str = VALID) -> tuple[Context, str]:
    ctx = Context(Store(str(data)), KEYS, "http://127.0.0.1:1")
    made = dict(create_job(ctx, ACCESS, {"JobType": b"Import", "Manifest": manifest.encode(),
                                         "ValidateOnly": b"false"}))
    return ctx, str(made["JobId"])


def _device(tmp: Path, ctx: Context, job_id: str, files: dict[str, bytes]) -> Path:
    device = tmp / "device"
    device.mkdir()
    for name, data in files.items():
        (device / name).parent.mkdir(parents=True, exist_ok=True)
        (device / name).write_bytes(data)
    job = ctx.store.job_by_id(job_id)
    assert job is not None
    (device / "SIGNATURE").write_text(job.signature_file)
    return device


def _state(ctx: Context, job_id: str) -> tuple[str, str, int]:
    job = ctx.store.job_by_id(job_id)
    assert job is not None
    return job.location_code, job.progress_code, job.canceled


def _partial(data: Path) -> list[Path]:
    """Every temporary file a receive could leave: staged parts and old-style temp names."""
    return [p for p in data.rglob("*") if p.is_file() and p.name.startswith(
        (".part.", ".import.", ".log."))]


# --- nothing is written outside DATA/buckets ----------------------------------------

@pytest.mark.parametrize("field", ["bucket", "logBucket"])
@pytest.mark.parametrize("value", ["../../victim", "/VICTIM", "a/../../../victim"])
def test_stored_path_bucket_is_refused_by_receive(tmp_path: Path, field: str,
                                                  value: str) -> None:
    data = tmp_path / "data"
    ctx, job_id = _job(data)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "import-log-x").write_text("precious")
    # A job stored before CreateJob refused such names (or a database edited by hand).
    absolute = str(victim) if value == "/VICTIM" else value
    old = f"{field}: example-{'log' if field == 'logBucket' else 'import'}-bucket"
    with sqlite3.connect(ctx.store.path) as db:
        db.execute("UPDATE jobs SET manifest = ? WHERE job_id = ?",
                   (VALID.replace(old, f"{field}: {absolute}").encode(), job_id))
    device = _device(tmp_path, ctx, job_id, {"victim/import-log-x": b"overwritten"})
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")
                    if data not in p.parents and device not in p.parents)
    received = _tool("service", "receive", job_id, str(device), "--data", str(data), "--copy")
    assert received.returncode == 2 and "MT316" in received.stderr, received.stderr
    assert "Traceback" not in received.stderr
    assert (victim / "import-log-x").read_text() == "precious"
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")
                   if data not in p.parents and device not in p.parents)
    assert after == before
    assert _state(ctx, job_id) == ("NotReceived", "Pending", 0)


def test_symlinks_under_buckets_are_never_followed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ctx, job_id = _job(data)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notes.txt").write_text("precious")
    # The import bucket's folder is a link to a folder outside DATA/buckets.
    (data / "buckets").mkdir(parents=True)
    (data / "buckets" / "example-import-bucket").symlink_to(outside)
    device = _device(tmp_path, ctx, job_id, {"notes.txt": b"overwritten",
                                             "new.txt": b"planted"})
    received = _tool("service", "receive", job_id, str(device), "--data", str(data), "--copy")
    assert received.returncode == 0, received.stderr
    assert "not copied" in received.stdout
    assert (outside / "notes.txt").read_text() == "precious"
    assert sorted(p.name for p in outside.iterdir()) == ["notes.txt"]
    assert _partial(data) == []


def test_symlinked_log_folder_fails_the_receive_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ctx, job_id = _job(data)
    outside = tmp_path / "outside"
    outside.mkdir()
    (data / "buckets").mkdir(parents=True)
    (data / "buckets" / "example-log-bucket").symlink_to(outside)
    device = _device(tmp_path, ctx, job_id, {"a.txt": b"a"})
    received = _tool("service", "receive", job_id, str(device), "--data", str(data))
    assert received.returncode == 2, received.stdout + received.stderr
    assert "cannot write the import log" in received.stderr
    assert list(outside.iterdir()) == [] and _partial(data) == []
    assert _state(ctx, job_id) == ("NotReceived", "Pending", 0)


# --- one receive per job; CancelJob/UpdateJob refused while it runs -----------------

def test_cancel_and_update_during_a_receive_are_refused(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    ctx, job_id = _job(data)
    device = _device(tmp_path, ctx, job_id, {"a.txt": b"a", "b.txt": b"b"})
    seen: list[str] = []
    real = dock.read_chunks

    def chunks(path: Listed) -> Iterator[bytes]:
        if not seen:  # in the middle of the receive: another client, another receive
            other = Context(Store(str(data)), KEYS, "http://127.0.0.1:1")
            params = {"JobId": job_id.encode()}
            for call, extra in ((cancel_job, {}),
                                (update_job, {"JobType": b"Import", "ValidateOnly": b"false",
                                              "Manifest": VALID.replace("49382", "1").encode()})):
                with pytest.raises(ServiceError) as refused:
                    call(other, ACCESS, {**params, **extra})
                seen.append(refused.value.code)
                assert "being received" in refused.value.message
            with pytest.raises(UsageError, match=r"being received|already been received"):
                receive(Store(str(data)), job_id, str(device))
        yield from real(path)

    monkeypatch.setattr(dock, "read_chunks", chunks)
    receipt = receive(ctx.store, job_id, str(device))
    assert seen == ["UnableToCancelJobIdException", "UnableToUpdateJobIdException"]
    assert receipt.progress_code == "Success" and receipt.loaded == 2
    job = ctx.store.job_by_id(job_id)
    assert job is not None and job.manifest == VALID.encode()  # the one on the device
    assert _state(ctx, job_id) == ("AtAWS", "Success", 0)


def test_two_concurrent_receive_processes_import_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ctx, job_id = _job(data)
    device = _device(tmp_path, ctx, job_id, {f"f{n}.bin": os.urandom(64 * 1024)
                                             for n in range(40)})
    command = [sys.executable, "-m", "manifest_tools", "service", "receive", job_id,
               str(device), "--data", str(data), "--copy"]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    results = [(p.wait(BACKSTOP), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2, 2], results
    for code, _, err in results:
        if code == 2:
            assert "being received" in err or "already been received" in err, err
    assert _state(ctx, job_id) == ("AtAWS", "Success", 0)
    assert _partial(data) == []


# --- interrupted, killed or full: nothing partial, the job given back -------------

def test_interrupted_receive_leaves_nothing_partial(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    ctx, job_id = _job(data)
    device = _device(tmp_path, ctx, job_id, {"a.txt": b"a" * 3000, "b.txt": b"b" * 3000})
    real = dock.read_chunks
    calls: list[Listed] = []

    def chunks(path: Listed) -> Iterator[bytes]:
        calls.append(path)
        for chunk in real(path):
            yield chunk[:1000]
            if len(calls) == 2:
                raise KeyboardInterrupt  # Ctrl-C in the middle of the second file

    monkeypatch.setattr(dock, "read_chunks", chunks)
    with pytest.raises(KeyboardInterrupt):
        receive(ctx.store, job_id, str(device), copy=True)
    assert _partial(data) == []
    assert not any((data / "receiving").rglob("*.*"))
    assert _state(ctx, job_id) == ("NotReceived", "Pending", 0)
    monkeypatch.setattr(dock, "read_chunks", real)
    assert receive(ctx.store, job_id, str(device), copy=True).progress_code == "Success"


def test_killed_receive_is_swept_and_taken_over(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ctx, job_id = _job(data)
    device = _device(tmp_path, ctx, job_id, {f"f{n:03}.bin": b"x" * (1024 * 1024)
                                             for n in range(80)})
    proc = subprocess.Popen([sys.executable, "-m", "manifest_tools", "service", "receive",
                             job_id, str(device), "--data", str(data), "--copy"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    staging = data / "receiving" / job_id
    deadline = time.monotonic() + BACKSTOP
    while not (staging.is_dir() and any(staging.iterdir())):
        assert proc.poll() is None and time.monotonic() < deadline, "no staged file seen"
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait(BACKSTOP)
    assert [p for p in (data / "buckets").rglob("*") if p.is_file()
            and p.name.startswith((".part.", ".import.", ".log."))] == []
    assert any(staging.iterdir())  # what the killed receive left, outside the buckets
    assert _state(ctx, job_id) == ("AtAWS", "InProgress", 0)
    again = _tool("service", "receive", job_id, str(device), "--data", str(data), "--copy")
    assert again.returncode == 0, again.stderr
    assert "80 file(s) imported" in again.stdout
    assert _partial(data) == [] and list(staging.iterdir()) == []
    assert _state(ctx, job_id) == ("AtAWS", "Success", 0)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: the data folder's file system fills during a receive."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr!r}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_data_disk_is_our_fault_exit_2(tmp_path: Path, small_disk: Path) -> None:
    data = small_disk / "data"
    ctx, job_id = _job(data)
    device = _device(tmp_path, ctx, job_id, {"big.bin": b"z" * (2 * 1024 * 1024)})
    received = _tool("service", "receive", job_id, str(device), "--data", str(data), "--copy")
    assert received.returncode == 2, received.stdout + received.stderr
    assert "no space on our side" in received.stderr and "Traceback" not in received.stderr
    assert "IncompleteBody" not in received.stdout + received.stderr
    assert _partial(data) == [] and list((data / "receiving" / job_id).iterdir()) == []
    assert _state(ctx, job_id) == ("NotReceived", "Pending", 0)


# --- databases that are not ours, hosts that are not addresses --------------------

def test_database_with_right_version_and_wrong_schema_is_exit_2(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / "importexport.sqlite3") as db:
        db.execute("CREATE TABLE jobs (job_id TEXT)")
        db.execute("PRAGMA user_version = 1")
    for args in (("service", "receive", "ABCDE", str(tmp_path)),
                 ("service", "return", "ABCDE")):
        done = _tool(*args, "--data", str(data))
        assert done.returncode == 2, done.stderr
        assert "importexport.sqlite3" in done.stderr and "column" in done.stderr
        assert "internal error" not in done.stderr
    with pytest.raises(InputError, match="without the column"):
        Store(str(data))


def test_host_that_is_no_address_is_exit_2(tmp_path: Path) -> None:
    creds = tmp_path / "credentials"
    creds.write_text(f"[default]\naws_access_key_id = {ACCESS}\n"
                     f"aws_secret_access_key = {SECRET}\n")
    done = _tool("service", "run", "--host", "x y", "--port", "0", "--data",
                 str(tmp_path / "data"), "--credentials", str(creds))
    assert done.returncode == 2
    assert "cannot listen on x y" in done.stderr and "internal error" not in done.stderr
