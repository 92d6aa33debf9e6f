"""One test per documented limit: at the limit is accepted, one past it is refused with a
clear message, and the size limits are checked before anything is parsed.

| input                  | limit                          | past it                        |
|------------------------|--------------------------------|--------------------------------|
| manifest               | 1 MiB (source.MANIFEST_LIMIT)  | exit 2, "larger than the limit" |
| get-status output      | 4 MiB (source.STATUS_LIMIT)    | exit 2                          |
| SIGNATURE file         | 64 KiB (source.SIGNATURE_LIMIT) | exit 2                         |
| key file               | 4 KiB (credentials.KEY_FILE_LIMIT) | exit 2                      |
| manifest nesting       | 32 levels (manifest.MAX_DEPTH) | MT114                           |
| manifest values        | 10,000 (manifest.MAX_NODES)    | MT114                           |
| one finding per rule   | 200 (manifest.MAX_FINDINGS_PER_RULE) | counted no more           |

No line-length limit: every reader is linear in the line length, and the size limit bounds
it (a 1 MiB line is read like any other).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from manifest_tools.credentials import KEY_FILE_LIMIT
from manifest_tools.errors import InputError, StatusFormatError
from manifest_tools.inputs import MANIFEST_LIMIT, SIGNATURE_LIMIT, STATUS_LIMIT, read_source
from manifest_tools.manifest.parse import MAX_DEPTH, MAX_FINDINGS_PER_RULE, MAX_NODES
from manifest_tools.manifest.validate import validate_bytes
from manifest_tools.status import read_status
from tests.conftest import RunCli

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MANIFEST = (SAMPLES / "valid" / "s3-import.yaml").read_bytes()
SIGNATURE = (b"version:2.0\nsigningMethod:HmacSHA1\njobId:ABCDE\n"
             b"signature:Ara83XX0K7K15HeRcHM9hXMrNpw=\n")


def padded(data: bytes, size: int) -> bytes:
    """``data`` followed by comment lines (or blank lines) up to exactly ``size`` bytes."""
    filler = b"#" + b"x" * 78 + b"\n"
    out = data + filler * ((size - len(data)) // len(filler))
    return out + b"\n" * (size - len(out))


def test_the_readme_states_the_limits_the_code_enforces() -> None:
    # The tests below hold each limit at the constant; this holds the README to the same
    # constants, so changing a limit without its documentation fails here.
    text = (SAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = " ".join(text.split("\n## Limits and hostile input\n", 1)[1]
                       .split("\n## ", 1)[0].split())
    for stated in (f"a manifest over {MANIFEST_LIMIT >> 20} MiB",
                   f"get-status output over {STATUS_LIMIT >> 20} MiB",
                   f"SIGNATURE file over {SIGNATURE_LIMIT >> 10} KiB",
                   f"a key file over {KEY_FILE_LIMIT >> 10} KiB",
                   f"nested deeper than {MAX_DEPTH} levels",
                   f"more than {MAX_NODES:,} keys and values",
                   f"at most {MAX_FINDINGS_PER_RULE} times per file"):
        assert stated in section, stated


def test_manifest_size_limit(run_cli: RunCli, tmp_path: Path) -> None:
    at = tmp_path / "at.yaml"
    at.write_bytes(padded(MANIFEST, MANIFEST_LIMIT))
    over = tmp_path / "over.yaml"
    over.write_bytes(padded(MANIFEST, MANIFEST_LIMIT + 1))
    assert run_cli("validate", str(at)).code == 0
    result = run_cli("validate", str(over))
    assert result.code == 2
    assert f"{over}: {MANIFEST_LIMIT + 1} bytes is larger than the limit of {MANIFEST_LIMIT}" \
        in result.err
    assert "MT" not in result.out  # refused before parsing: no finding at all
    piped = run_cli("validate", "-", input=padded(MANIFEST, MANIFEST_LIMIT + 1))
    assert piped.code == 2 and "<stdin>: larger than the limit" in piped.err


def test_status_size_limit(run_cli: RunCli, tmp_path: Path) -> None:
    status = (SAMPLES / "status" / "get-status.yaml").read_bytes()
    at = tmp_path / "at.yaml"
    at.write_bytes(padded(status, STATUS_LIMIT))
    over = tmp_path / "over.yaml"
    over.write_bytes(padded(status, STATUS_LIMIT + 1))
    assert run_cli("status", str(at)).code == 0
    result = run_cli("status", str(over))
    assert result.code == 2
    assert f"larger than the limit of {STATUS_LIMIT} bytes" in result.err
    with pytest.raises(StatusFormatError, match="limit"):
        read_status(padded(status, STATUS_LIMIT + 1))


def test_signature_size_limit(run_cli: RunCli, tmp_path: Path) -> None:
    at = tmp_path / "at"
    at.write_bytes(SIGNATURE + b"\n" * (SIGNATURE_LIMIT - len(SIGNATURE)))
    over = tmp_path / "over"
    over.write_bytes(SIGNATURE + b"\n" * (SIGNATURE_LIMIT + 1 - len(SIGNATURE)))
    # At the limit the file is read and judged on its contents (blank lines a copy added:
    # a failed check naming them).
    at_result = run_cli("verify", "--signature-file", str(at))
    assert "larger than the limit" not in at_result.err
    assert at_result.code == 1
    assert re.search(r"\d{5} empty lines at the end", at_result.out), at_result.out
    for args in (["verify", "--signature-file", str(over)],
                 ["write-signature", str(tmp_path), "--signature-file", str(over)]):
        result = run_cli(*args)
        assert result.code == 2, result
        assert f"larger than the limit of {SIGNATURE_LIMIT} bytes" in result.err
    device = tmp_path / "device"
    device.mkdir()
    (device / "SIGNATURE").write_bytes(over.read_bytes())
    result = run_cli("verify", "--device", str(device), "--manifest", str(SAMPLES / "valid"
                                                                          / "s3-import.yaml"))
    assert result.code == 2 and "larger than the limit" in result.err


def test_key_file_size_limit(run_cli: RunCli, tmp_path: Path) -> None:
    manifest = SAMPLES / "valid" / "s3-import.yaml"
    at = tmp_path / "at"
    at.write_bytes(b"k" * KEY_FILE_LIMIT)
    over = tmp_path / "over"
    over.write_bytes(b"k" * (KEY_FILE_LIMIT + 1))
    for path in (at, over):
        path.chmod(0o600)
    assert run_cli("sign", "--job-id", "ABCDE", "--key-file", str(at), str(manifest)).code == 0
    result = run_cli("sign", "--job-id", "ABCDE", "--key-file", str(over), str(manifest))
    assert result.code == 2
    assert f"key file {over} is larger than {KEY_FILE_LIMIT} bytes" in result.err
    assert "kkkk" not in result.err
    piped = run_cli("sign", "--job-id", "ABCDE", "--key-file", "-", str(manifest),
                    input=b"k" * (KEY_FILE_LIMIT + 1))
    assert piped.code == 2 and "larger than" in piped.err


class Endless(io.RawIOBase):
    """An input that never ends (like /dev/zero), counting what was asked of it."""

    def __init__(self) -> None:
        self.requested = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        self.requested += len(buffer)
        buffer[:] = b"\0" * len(buffer)
        return len(buffer)


def test_endless_input_is_read_only_up_to_the_limit() -> None:
    stream = Endless()
    with pytest.raises(InputError, match="larger than the limit of 1000 bytes"):
        read_source("-", 1000, stdin=io.BufferedReader(stream, buffer_size=16))
    assert stream.requested <= 1001 + 16


def rules(data: bytes) -> list[str]:
    return [d.rule for d in validate_bytes(data).diagnostics]


def test_depth_limit() -> None:
    assert "MT114" not in rules(b"a: " + b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"\n")
    over = validate_bytes(b"a: " + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"\n").diagnostics
    assert [d.rule for d in over if d.rule == "MT114"] == ["MT114"]
    assert "nesting deeper than 32 levels" in next(d.message for d in over if d.rule == "MT114")
    # Far deeper costs nothing more: the parser stops at the limit, no recursion.
    assert rules(b"[" * 100_000).count("MT114") == 1


def test_value_count_limit() -> None:
    # Keys count too: the root mapping, the key, its list and the items, MAX_NODES in all.
    at = b"bucket:\n" + b"  - x\n" * (MAX_NODES - 3)
    assert "MT114" not in rules(at)
    over = validate_bytes(at + b"  - x\n").diagnostics
    assert [d.message for d in over if d.rule == "MT114"] == [
        f"more than {MAX_NODES} values; a manifest holds a few dozen"]


def test_repeated_findings_are_capped() -> None:
    found = validate_bytes(b"a: b\x00\n" * 1000).diagnostics
    control = [d for d in found if d.rule == "MT113"]
    assert len(control) == MAX_FINDINGS_PER_RULE
    assert control[-1].message.endswith("(and more like it after this one; stopped counting)")
    assert "stopped counting" not in control[-2].message
    anchors = validate_bytes(b"".join(b"k%d: &a v\n" % i for i in range(500))).diagnostics
    assert len([d for d in anchors if d.rule == "MT107"]) == MAX_FINDINGS_PER_RULE


def test_one_long_line_is_read_without_a_line_limit() -> None:
    line = b"bucket: " + b"x" * (MANIFEST_LIMIT - 20) + b"\n"
    found = rules(line)
    assert "MT201" in found  # read and checked like any manifest
    assert "MT100" not in found and "MT114" not in found


def test_status_json_nested_too_deep_is_a_finding() -> None:
    data = b'{"JobId": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(StatusFormatError) as info:
        read_status(data)
    assert info.value.diagnostics[0].rule == "MT501"
    assert "nested" in str(info.value)


def test_status_yaml_nested_too_deep_is_a_finding() -> None:
    with pytest.raises(StatusFormatError, match="nested deeper"):
        read_status(b"JobId: " + b"[" * 100_000)
