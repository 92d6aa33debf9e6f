"""Properties of the reader: whatever the writer writes comes back unchanged, and no bytes make
it raise."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.aws import LOG_CODES
from manifest_tools.logs.model import LogRow
from manifest_tools.logs.read import LogReader
from manifest_tools.logs.write import format_log
from manifest_tools.rules import RULES

# Any character a name can hold except U+FFFD (the reader reports it as a replaced byte).
NAMES = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\ufffd"),
                max_size=40)
TRIMMED = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e), max_size=30)
PAIRS = st.one_of(st.sampled_from(sorted(LOG_CODES)),
                  st.tuples(st.from_regex(r"[1-5][0-9]{2}", fullmatch=True),
                            st.from_regex(r"[A-Za-z]{1,20}", fullmatch=True)))
MD5S = st.one_of(st.just(""), st.from_regex(r"[0-9a-f]{32}(-[1-9][0-9]{0,3})?", fullmatch=True))


@st.composite
def log_rows(draw: st.DrawFn) -> LogRow:
    status, code = draw(PAIRS)
    when = draw(st.sampled_from(["Tue 03 Feb 2009 21:57:43 GMT", "Wed Nov 12 11:07:34 PST 2008",
                                 "2009-02-03T21:57:43Z"]))
    size = draw(st.one_of(st.none(), st.integers(0, 6 * 1024**4)))
    return LogRow(0, when, draw(NAMES), status, code, draw(NAMES), draw(MD5S), size,
                  draw(TRIMMED))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(log_rows(), min_size=1, max_size=12), st.booleans(),
       st.sampled_from(["\r\n", "\n"]))
def test_what_the_writer_writes_the_reader_reads(rows: list[LogRow], header: bool,
                                                 newline: str) -> None:
    text = format_log(rows, header=header)
    if newline == "\n" and not any("\r" in r.file + r.key for r in rows):
        text = text.replace("\r\n", "\n")  # a log saved with LF line ends
    reader = LogReader(io.BytesIO(text.encode()), "import-log-PROP1")
    back = list(reader)
    assert [r._replace(line=0) for r in back] == rows
    assert [d.rule for d in reader.diagnostics if d.rule != "MT704"] == []


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_no_bytes_make_the_reader_raise(data: bytes) -> None:
    reader = LogReader(io.BytesIO(data), "import-log-PROP2")
    for row in reader:
        assert isinstance(row, LogRow)
    assert all(d.rule in RULES and d.line >= 1 for d in reader.diagnostics)
