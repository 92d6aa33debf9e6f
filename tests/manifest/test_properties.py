"""Properties of ``validate_bytes`` on hostile input: it never raises, every position it
reports lies inside the file, and the same bytes always give the same result."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.manifest.decode import decode
from manifest_tools.manifest.validate import FileResult, validate_bytes

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_LINES: list[str] = sorted({
    line
    for path in sorted((SAMPLES / "valid").glob("*.yaml"))
    for line in path.read_text(encoding="utf-8").splitlines()
})
# Characters that matter to the reader: YAML indicators, every kind of line break, tabs,
# control characters, a BOM, non-ASCII and astral characters, a surrogate-free U+FFFD.
SPECIAL = list(":-?[]{},#&*!|>'\"%@`\t \r\n\x85\u2028\u2029\x00\x01\x7f\ufeff\ufffdüé😀")

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def line_count(data: bytes) -> int:
    """Lines as the reader counts them (every YAML line break, in the decoded text)."""
    text = decode(data).text
    return text.count("\n") + text.count("\r") - text.count("\r\n") + sum(
        text.count(c) for c in "\x85\u2028\u2029") + 1


def check_result(data: bytes) -> FileResult:
    result = validate_bytes(data, "fuzz.yaml")
    lines = line_count(data)
    for diag in result.diagnostics:
        assert diag.rule.startswith("MT"), diag
        assert 1 <= diag.line <= lines + 1, (diag, lines)
        assert diag.column >= 1, diag
        assert diag.message, diag
    assert result.valid == (result.errors == 0)
    again = validate_bytes(data, "fuzz.yaml")
    assert again == result, "same bytes, different result"
    return result


@st.composite
def near_manifests(draw: st.DrawFn) -> bytes:
    """Lines of the valid samples, shuffled, re-indented, cut and salted with noise."""
    lines = draw(st.lists(st.sampled_from(SAMPLE_LINES), min_size=0, max_size=25))
    out: list[str] = []
    for line in lines:
        action = draw(st.integers(0, 9))
        if action == 0:  # random indentation
            line = " " * draw(st.integers(0, 6)) + line.lstrip()
        elif action == 1 and line:  # truncate
            line = line[: draw(st.integers(0, len(line)))]
        elif action == 2:  # insert characters
            at = draw(st.integers(0, len(line)))
            noise = draw(st.text(st.sampled_from(SPECIAL), min_size=1, max_size=3))
            line = line[:at] + noise + line[at:]
        elif action == 3 and line:  # delete characters
            at = draw(st.integers(0, len(line) - 1))
            line = line[:at] + line[at + draw(st.integers(1, 3)):]
        elif action == 4:  # insert a ':' somewhere
            at = draw(st.integers(0, len(line)))
            line = line[:at] + ":" + line[at:]
        elif action == 5:  # compact form
            line = line.replace(": ", ":", 1)
        out.append(line)
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = ending.join(out) + draw(st.sampled_from(["", ending]))
    data = text.encode("utf-8")
    if data and draw(st.booleans()):  # corrupt one byte
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
    if draw(st.integers(0, 9)) == 0:
        data = b"\xef\xbb\xbf" + data
    return data


@SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    check_result(data)


@SETTINGS
@given(st.text(st.sampled_from(SPECIAL + list("abcxyz0123 ")), max_size=120))
def test_arbitrary_yaml_punctuation_never_raises(text: str) -> None:
    check_result(text.encode("utf-8"))


@SETTINGS
@given(near_manifests())
def test_near_manifests_never_raise(data: bytes) -> None:
    check_result(data)


def test_line_count_agrees_with_reader() -> None:
    # The bound the properties use must itself be right, or they prove nothing.
    assert line_count(b"a: b") == 1
    assert line_count(b"a: b\r\nc: d\re: f\n") == 4
    assert line_count("a\u2028b\x85c".encode()) == 3
    last = validate_bytes(b"a: b\r\nc: d\re: [g\n").diagnostics
    assert [(d.rule, d.line, d.column) for d in last] == [("MT100", 3, 4)]
