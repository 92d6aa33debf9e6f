"""Mutation fuzzing with hypothesis: the manifest parser, the SIGNATURE parser, the status
reader, seeded with every file under samples/.

Each target runs *complete* hypothesis runs of ROUND examples (generation, and shrinking if
anything fails) one after another. Each round is an ordinary ``@given`` test, so a failure is
reported and shrunk exactly as usual; only the number of rounds varies:

- ``make test``: ``FUZZ_ROUNDS`` rounds per target (default 3): the same amount of work on
  any machine, however busy;
- ``make fuzz`` (``FUZZ_SECONDS=N``): rounds until the targets have used N seconds of this
  process's CPU time between them (default 300), then prints the number of executions.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.errors import StatusFormatError
from manifest_tools.manifest.validate import FileResult, validate_bytes
from manifest_tools.signature import SignatureFile, parse_signature_file
from manifest_tools.status import StatusReading, read_status

pytestmark = pytest.mark.slow  # ~10 CPU seconds of fuzzing

# CPU seconds shared by the targets (make fuzz), or None: a fixed number of rounds.
BUDGET = float(os.environ["FUZZ_SECONDS"]) if os.environ.get("FUZZ_SECONDS") else None
ROUNDS = int(os.environ.get("FUZZ_ROUNDS", "3"))
TARGETS = 3
ROUND = 100  # examples per hypothesis run

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SEEDS: list[bytes] = [p.read_bytes() for p in sorted(SAMPLES.rglob("*")) if p.is_file()]
SEEDS.append(b"version:2.0\nsigningMethod:HmacSHA1\njobId:ABCDE\n"
             b"signature:Ara83XX0K7K15HeRcHM9hXMrNpw=\n")
# Bytes that matter to the readers: YAML and JSON indicators, line ends, TAB, NUL, a BOM,
# invalid and multi-byte UTF-8.
INTERESTING = [b":", b"-", b"[", b"{", b"}", b"]", b"&a", b"*a", b"!", b"|", b">", b"'", b'"',
               b"#", b"\t", b"\r\n", b"\n", b"\r", b"\x00", b"\xef\xbb\xbf", b"\xff", b"\xc3",
               b"\xe2\x80\xa8", b"  ", b"---\n", b"JobId\t", b"ABCDE", b"0" * 40]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A seed file with up to 8 byte flips, insertions, deletions and splices."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "splice", "repeat"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(INTERESTING) | st.binary(max_size=8))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif op == "splice":
            other = draw(st.sampled_from(SEEDS))
            start = draw(st.integers(0, len(other)))
            data[at:] = other[start:start + draw(st.integers(0, 400))]
        elif op == "repeat" and data:
            start = draw(st.integers(0, len(data) - 1))
            chunk = bytes(data[start:start + draw(st.integers(1, 32))])
            data[at:at] = chunk * draw(st.integers(2, 200))
    return bytes(data)


INPUTS = mutated() | st.binary(max_size=2048)


def check_manifest(data: bytes) -> None:
    result = validate_bytes(data, "fuzz.yaml")
    assert isinstance(result, FileResult)
    for diag in result.diagnostics:
        assert diag.rule.startswith("MT") and diag.line >= 1 and diag.column >= 1, diag


def check_signature(data: bytes) -> None:
    parsed, findings = parse_signature_file(data)
    assert parsed is None or isinstance(parsed, SignatureFile)
    assert parsed is not None or any(d.is_error for d in findings)
    for diag in findings:
        assert diag.line >= 1 and diag.column >= 1, diag


def check_status(data: bytes) -> None:
    try:
        reading = read_status(data)
    except StatusFormatError as exc:  # the only exception the reader may raise
        assert exc.diagnostics and exc.diagnostics[0].rule == "MT501"
        return
    assert isinstance(reading, StatusReading)
    reading.status.to_json()


@pytest.mark.parametrize("check", [check_manifest, check_signature, check_status],
                         ids=["manifest", "signature", "status"])
def test_fuzz(check: Callable[[bytes], None]) -> None:
    executions = 0

    @settings(max_examples=ROUND, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(INPUTS)
    def one_round(data: bytes) -> None:
        nonlocal executions
        executions += 1
        check(data)

    # CPU time, not wall time: the budget buys the same work on a busy machine.
    stop = time.process_time() + BUDGET / TARGETS if BUDGET is not None else None
    rounds = 0
    while True:
        one_round()
        rounds += 1
        if rounds >= ROUNDS if stop is None else time.process_time() >= stop:
            break
    print(f"fuzz {check.__name__}: {executions} executions in {rounds} rounds, no findings")
