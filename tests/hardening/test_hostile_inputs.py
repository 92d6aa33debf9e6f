"""Every command against hostile inputs, each run as a real process with bounded resources.

Each case is ``python -m manifest_tools ...`` in its own process under RLIMIT_AS = 300 MB and
RLIMIT_CPU = 10 s (tests/cputime.py: the bounds are the child's own CPU seconds, so a busy
machine cannot fail them; a wall-clock backstop only catches a child that hangs without
using CPU, e.g. blocked on a FIFO). It must end with exit 1 or 2, a located or clear
message, and no traceback. The cases run two or more at a time (one per CPU); each one's
bounds are its own. The processes are forked from one warm interpreter that imported the CLI
once (tests/warm.py): 150 interpreter start-ups and CLI imports were ~60 of the fixture's
~70 CPU seconds, and none of them met a hostile input.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import cputime, warm

# Slow (make check skips it); one worker runs the module: its fixture runs every case once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hostile-inputs")]

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
MANIFEST = (SAMPLES / "valid" / "s3-export.yaml").read_bytes()
STATUS = (SAMPLES / "status" / "get-status.json").read_bytes()
SIGNATURE = (b"version:2.0\nsigningMethod:HmacSHA1\njobId:ABCDE\n"
             b"signature:Ara83XX0K7K15HeRcHM9hXMrNpw=\n")
KEY = "hOstIleKeyValue0123456789abcdefghijKLMN"
# A job log (its half ends inside the Notice.txt row).
LOG = (b"DateTime,File,Status,Code,Key,MD5,Bytes,Content-Type\r\n"
       b"Tue 03 Feb 2009 21:57:43 GMT,Notice.txt,200,OK,myawsbucket/Notice.txt,"
       b"f60fe317bc497b1204b327094959eb64,13,text/plain\r\n"
       b"Tue 03 Feb 2009 21:57:43 GMT,SIGNATURE,103,Ignored,,,90,text/plain\r\n")

# CPU seconds per case, start-up included. The slowest case (validate or sign of 60,000
# tab-indented lines) uses 3.4 s on an idle core and 4.5 s beside busy neighbours (a shared
# core runs slower per CPU second): 5 s failed under load. A quadratic pass on these inputs
# would need minutes, so 10 s still catches one.
CPU_LIMIT = 10.0
MEMORY_LIMIT = 300 * 1024 * 1024  # bytes of address space per case (the bound)
# A hostile input must not turn into megabytes of messages (1 MiB of NUL bytes once gave
# 86 MB): at most this much plus twice the input (a long value may be quoted once).
OUTPUT_LIMIT = 64 * 1024
LOCATED = re.compile(r"\S+:\d+:\d+: (?:error|warning) MT\d{3} |line \d+:\d+ MT\d{3} ")


def alias_bomb() -> bytes:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    return ("\n".join(lines) + "\n").encode()


def invalid_utf8(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + b"\xff\xfe\xc3(\x80" + data[middle:]


# name -> (the bytes for a file, or None for a special input built in ``make_input``)
CONTENTS: dict[str, bytes | None] = {
    "random-bytes": random.Random(5).randbytes(8192),
    "nul-bytes": b"\0" * 8192,
    "utf16-with-bom": MANIFEST.decode("utf-8").encode("utf-16"),
    "invalid-utf8": None,  # the command's own kind of input with undecodable bytes
    "truncated": None,  # the command's own kind of input cut in half
    "2MiB": b"bucket: b\n" * (2 * 1024 * 1024 // 10 + 1),
    "alias-bomb": alias_bomb(),
    "deep-nesting": b"[" * 10_000,
    "500KB-line": b"bucket: " + b"x" * 500_000 + b"\n",
    # The line pass's own worst cases: invisible spaces, tab-indented lines that
    # look for neighbours, runs of spaces after a key, '=' and ': ' (each was quadratic once).
    "nbsp-run": b"bucket:" + "\u00a0".encode() * 400_000 + b"\n",
    "tab-lines": b"returnAddress:\n" + b"\tname: x\n" * 60_000,
    "space-runs": (b"eraseDevice = x" + b" " * 200_000 + b"\nstreet1: a" + b": " * 100_000
                   + b"\n a" + b" " * 200_000 + b"\n  b: c\n"),
    "directory": None,
    "fifo-without-writer": None,
    "unreadable": None,  # mode 000; as root (who reads anything) a write-only sysctl file
    "read-error": None,  # /proc/self/mem: open works, read fails with EIO
    "endless": None,  # /dev/zero
}


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]  # "{F}" is the hostile input, "{M}" a valid manifest, "{D}" a device
    kind: str  # which sample "invalid-utf8" and "truncated" start from


COMMANDS: dict[str, Command] = {
    "validate": Command(("validate", "{F}"), "manifest"),
    "status": Command(("status", "{F}"), "status"),
    "verify-status": Command(("verify", "--status", "{F}"), "status"),
    "verify-signature-file": Command(("verify", "--signature-file", "{F}", "--manifest", "{M}"),
                                     "signature"),
    "sign": Command(("sign", "--job-id", "ABCDE", "{F}"), "manifest"),
    "write-signature-file": Command(("write-signature", "{D}", "--signature-file", "{F}"),
                                    "signature"),
    "write-signature-status": Command(("write-signature", "{D}", "--status", "{F}"), "status"),
    # The key file is an input too (the key itself comes from the environment otherwise).
    "sign-key-file": Command(("sign", "--job-id", "ABCDE", "--key-file", "{F}", "{M}"), "key"),
    # The log against the (empty) device: rows without files are findings too.
    "log": Command(("log", "{F}", "--device", "{D}"), "log"),
}
KIND_SAMPLES = {"manifest": MANIFEST, "status": STATUS, "signature": SIGNATURE,
                "key": KEY.encode(), "log": LOG}
# A key file cut in half is still a well-formed (wrong) key: nothing can tell.
SKIP = {("sign-key-file", "truncated")}

CASES = [(command, name) for command in COMMANDS for name in CONTENTS
         if (command, name) not in SKIP]


@dataclass
class Outcome:
    run: cputime.Finished
    path: str


def make_input(folder: Path, command: str, name: str) -> str | None:
    """Create the input in ``folder``; its path, or None where this system cannot make it."""
    path = folder / f"{command}.{name}"
    kind_sample = KIND_SAMPLES[COMMANDS[command].kind]
    data = CONTENTS[name]
    if name == "invalid-utf8":
        data = invalid_utf8(kind_sample)
    elif name == "truncated":
        data = kind_sample[: len(kind_sample) // 2]
    elif name == "directory":
        path.mkdir()
        return str(path)
    elif name == "fifo-without-writer":
        if not hasattr(os, "mkfifo"):
            return None
        os.mkfifo(path)
        return str(path)
    elif name == "read-error":
        return "/proc/self/mem" if os.path.exists("/proc/self/mem") else None
    elif name == "endless":
        return "/dev/zero" if os.path.exists("/dev/zero") else None
    elif name == "unreadable":
        if os.geteuid() == 0:
            return unreadable_for_root()
        data = kind_sample
    assert data is not None
    path.write_bytes(data)
    if name == "unreadable":
        path.chmod(0)
    return str(path)


def unreadable_for_root() -> str | None:
    """Root ignores mode bits, but procfs checks a sysctl's own mode: opening this
    write-only file for reading fails with EACCES even for root."""
    path = "/proc/sys/vm/compact_memory"
    try:
        with open(path, "rb"):
            return None
    except PermissionError:
        return path
    except OSError:
        return None


def run_all(folder: Path) -> dict[tuple[str, str], Outcome | str]:
    """Run every case, ``os.cpu_count()`` at a time; a str outcome is a skip reason."""
    manifest = folder / "manifest.yaml"
    manifest.write_bytes(MANIFEST)
    device = folder / "device"
    device.mkdir()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(folder), "NO_COLOR": "1",
           "AWS_SECRET_ACCESS_KEY": KEY, "PYTHONDONTWRITEBYTECODE": "1",
           "AWS_SHARED_CREDENTIALS_FILE": str(folder / "no-credentials")}
    results: dict[tuple[str, str], Outcome | str] = {}
    pending: list[tuple[tuple[str, str], list[str], str]] = []
    for command, name in CASES:
        path = make_input(folder, command, name)
        if path is None:
            results[command, name] = (f"{name} cannot be made on this system (as root: no "
                                      "file that root cannot read)")
            continue
        argv = [a.replace("{F}", path).replace("{M}", str(manifest)).replace("{D}", str(device))
                for a in COMMANDS[command].args]
        pending.append(((command, name), argv, path))
    running: list[tuple[tuple[str, str], warm.WarmChild, str]] = []
    width = max(2, os.cpu_count() or 2)
    with warm.Warm(warm.modules_of("manifest_tools")) as helper:
        while pending or running:
            while pending and len(running) < width:
                case, argv, path = pending.pop(0)
                child = helper.start(argv, module="manifest_tools", cpu_seconds=CPU_LIMIT,
                                     memory=MEMORY_LIMIT, env=env, cwd=folder)
                running.append((case, child, path))
            still = []
            for case, child, path in running:
                finished = child.poll()
                if finished is None:
                    still.append((case, child, path))
                else:
                    results[case] = Outcome(finished, path)
            running = still
            if running:
                time.sleep(0.005)
    return results


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[tuple[str, str], Outcome | str]]:
    folder = Path(tempfile.mkdtemp(prefix="manifest-tools-hostile-"))
    try:
        yield run_all(folder)
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize(("command", "name"), CASES)
def test_hostile_input_ends_cleanly(outcomes: dict[tuple[str, str], Outcome | str],
                                    command: str, name: str) -> None:
    outcome = outcomes[command, name]
    if isinstance(outcome, str):
        pytest.skip(outcome)
    run = outcome.run
    both = run.out + run.err
    assert run.problem() is None, run.problem()
    assert "Traceback" not in both, both[-3000:]
    assert "internal error" not in both, both[-3000:]
    assert run.returncode in (1, 2), (run.returncode, both[-3000:])
    # Located (file:line:column and a rule) or naming the input with what is wrong with it.
    assert LOCATED.search(both) or outcome.path in both, both[-3000:]
    size = os.path.getsize(outcome.path) if os.path.isfile(outcome.path) else 0
    assert len(both) < OUTPUT_LIMIT + 2 * size, len(both)
    assert KEY not in both


def test_no_case_wrote_to_the_device(outcomes: dict[tuple[str, str], Outcome | str]) -> None:
    outcome = next(o for o in outcomes.values() if isinstance(o, Outcome))
    device = Path(outcome.path).parent / "device"
    assert list(device.iterdir()) == []


def test_fifo_with_a_writer_is_still_read(tmp_path: Path) -> None:
    """O_NONBLOCK is only for the open: a FIFO that has a writer is read to its end."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "manifest.fifo"
    os.mkfifo(fifo)
    # Our end is open before the reader starts (O_RDWR never blocks on Linux), so the
    # command finds a writer there, as with `validate <(producer)`; a child that dies
    # early cannot leave the test blocked in open().
    writer = os.open(fifo, os.O_RDWR)
    child = cputime.start([sys.executable, "-m", "manifest_tools", "validate", str(fifo)],
                          cpu_seconds=CPU_LIMIT)

    def reader_opened() -> bool:
        assert child.poll() is None, "ended before opening the FIFO"
        try:
            return any(os.readlink(f) == str(fifo)
                       for f in Path(f"/proc/{child.proc.pid}/fd").iterdir())
        except OSError:  # an fd closed while we looked
            return False

    # Writing before the reader has it open would lose the data when our end closes.
    cputime.wait_for(reader_opened, what="the command opening the FIFO")
    with open(writer, "wb") as pipe:
        for start in range(0, len(MANIFEST), 100):
            pipe.write(MANIFEST[start:start + 100])
            pipe.flush()
            time.sleep(0.01)  # arrives in pieces: reads must block, not see EAGAIN
    run = child.wait()
    assert run.problem() is None, run.problem()
    assert run.returncode == 0, (run.out, run.err)
    assert "all valid" in run.out
