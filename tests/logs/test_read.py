"""The log reader over logs in AWS's documented format, with every oddity users meet."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.aws import LOG_COLUMNS
from manifest_tools.logs.model import GlacierRecord, LogKind, LogRow, Outcome
from manifest_tools.logs.read import MAX_REPEATS, LogReader, Tally
from manifest_tools.logs.write import LogWriter, format_glacier_log, format_log

from .conftest import read

D = "Tue 03 Feb 2009 21:57:43 GMT"
MD5 = "f60fe317bc497b1204b327094959eb64"
HEADER = ",".join(LOG_COLUMNS)
# The guide's TSTD1 example (Examples page), as CSV.
TSTD1 = (
    f"{HEADER}\n"
    f"{D},SIGNATURE,103,Ignored,,,90,text/plain\n"
    f"{D},Notice.txt,200,OK,myawsbucket/Notice.txt,{MD5},13,text/plain\n"
    f"{D},README.txt,200,OK,myawsbucket/README.txt,d5a46fa22596d2464eff10babb19000e,13,"
    "text/plain\n"
)


def rules(reader: LogReader) -> list[str]:
    return [d.rule for d in reader.diagnostics]


def test_the_guides_example() -> None:
    reader, rows = read(TSTD1.encode())
    assert reader.header and reader.kind is LogKind.IMPORT and rules(reader) == []
    assert [r.file for r in rows] == ["SIGNATURE", "Notice.txt", "README.txt"]
    sig, notice, _ = rows
    assert sig.outcome is Outcome.IGNORED and sig.size == 90 and sig.key == ""
    assert notice == LogRow(3, D, "Notice.txt", "200", "OK", "myawsbucket/Notice.txt", MD5,
                            13, "text/plain")
    assert notice.outcome is Outcome.LOADED and notice.reason == "loaded"


@pytest.mark.parametrize("transform", [
    pytest.param(lambda t: t.replace("\n", "\r\n"), id="crlf"),
    pytest.param(lambda t: t.replace("\n", "\r"), id="cr"),
    pytest.param(lambda t: "\ufeff" + t, id="utf8-bom"),
    pytest.param(lambda t: t.split("\n", 1)[1], id="no-header"),
    pytest.param(lambda t: t.replace(",", "\t"), id="tab-separated"),
    pytest.param(lambda t: t.replace(HEADER, HEADER.upper()), id="header-case"),
    pytest.param(lambda t: t.replace("\n", ",,\n"), id="trailing-empty-fields"),
    pytest.param(lambda t: t.replace(",200,", ", 200 ,").replace(",13,", ", 13 ,"),
                 id="spaces-around-numbers"),
    pytest.param(lambda t: t.replace("\n", "\n\n"), id="blank-lines"),
])
def test_variants_read_the_same(transform: object) -> None:
    assert callable(transform)
    _, expected = read(TSTD1.encode())
    reader, rows = read(transform(TSTD1).encode())
    assert rules(reader) == []
    assert [(r.file, r.status, r.code, r.key, r.md5, r.size) for r in rows] == \
        [(r.file, r.status, r.code, r.key, r.md5, r.size) for r in expected]


def test_utf16_as_excel_saves_unicode_text() -> None:
    text = TSTD1.replace(",", "\t").replace("\n", "\r\n")
    reader, rows = read(text.encode("utf-16"))
    assert rules(reader) == [] and [r.size for r in rows] == [90, 13, 13]


def test_columns_in_another_order_are_mapped_by_the_header() -> None:
    order = [1, 0, 2, 3, 4, 5, 7, 6]
    lines = [",".join(line.split(",")[i] for i in order) for line in TSTD1.splitlines()]
    reader, rows = read(("\n".join(lines) + "\n").encode())
    assert rules(reader) == [] and rows[1].file == "Notice.txt" and rows[1].size == 13


def test_quoted_names_with_commas_quotes_and_line_breaks() -> None:
    names = ["a,b.txt", 'say "hi".txt', "two\nlines.txt", "crlf\r\nname.txt", "ünï çødé.txt"]
    out = io.StringIO(newline="")
    writer = LogWriter(out)
    for name in names:
        writer.loaded(name, f"bucket/{name}", MD5, 5)
    writer.loaded("after.txt", "bucket/after.txt", MD5, 6)
    reader, rows = read(out.getvalue().encode())
    assert rules(reader) == []
    assert [r.file for r in rows] == [*names, "after.txt"]
    assert [r.key for r in rows][:2] == ["bucket/a,b.txt", 'bucket/say "hi".txt']
    # Line numbers count physical lines: a name and key with a line break take 3 lines.
    assert [r.line for r in rows] == [2, 3, 4, 7, 10, 11]


def test_stray_quote_inside_an_unquoted_name_is_read_leniently() -> None:
    reader, rows = read(f'{D},5" disk.img,200,OK,b/5" disk.img,{MD5},1,\n'.encode())
    assert rules(reader) == [] and rows[0].file == '5" disk.img'


def test_unterminated_quote_is_located_and_the_rest_is_read() -> None:
    lines = [f"{D},Notice.txt,200,OK,b/Notice.txt,{MD5},13,text/plain"] * 40
    lines[2] = f'{D},"broken.txt,200,OK,b/broken.txt,{MD5},13,text/plain'
    reader, rows = read(("\n".join(lines) + "\n").encode())
    [finding] = reader.diagnostics
    assert (finding.rule, finding.line, finding.column) == ("MT702", 3, 30)
    assert len(rows) == 39 and [r.line for r in rows][2] == 4


def test_malformed_rows_are_located_findings_not_crashes() -> None:
    text = (f"{HEADER}\n"
            f"{D},short.txt,200,OK\n"
            f"{D},a,b.txt,200,OK,bucket/a,b.txt,{MD5},3,text/plain\n"
            f"{D},bad-bytes.txt,200,OK,b/k,{MD5},12x,text/plain\n"
            f"{D},bad-md5.txt,200,OK,b/k,nothex,3,text/plain\n"
            f"{D},fine.txt,200,OK,b/fine.txt,{MD5},3,text/plain\n")
    reader, rows = read(text.encode())
    found = [(d.rule, d.line, d.column) for d in reader.diagnostics]
    col_bytes = len(f"{D},bad-bytes.txt,200,OK,b/k,{MD5},") + 1
    col_md5 = len(f"{D},bad-md5.txt,200,OK,b/k,") + 1
    assert found == [("MT702", 2, len(f"{D},short.txt,200,OK") + 1), ("MT702", 3, 1 + len(
        f"{D},a,b.txt,200,OK,bucket/a,b.txt,{MD5},")), ("MT703", 4, col_bytes),
        ("MT703", 5, col_md5)]
    assert [r.file for r in rows] == ["bad-bytes.txt", "bad-md5.txt", "fine.txt"]
    assert rows[0].size is None and rows[1].md5 == "nothex"


def test_multipart_etag_is_a_valid_md5_field() -> None:
    reader, rows = read(f"{D},big.bin,200,OK,b/big.bin,{MD5}-12,99,\n".encode())
    assert rules(reader) == [] and rows[0].md5.endswith("-12")


def test_codes_known_and_unknown() -> None:
    text = (f"{D},SIGNATURE,103,Ignored,,,90,text/plain\n"
            f"{D},x{{y}}.txt,400,InvalidSubstitution,,,4,\n"
            f"{D},a.txt,418,Teapot,,,4,\n"
            f"{D},b.txt,418,Teapot,,,4,\n"
            f"{D},c.txt,201,Created,b/c.txt,{MD5},4,\n")
    reader, rows = read(text.encode())
    assert [r.outcome for r in rows] == [Outcome.IGNORED, Outcome.FAILED, Outcome.FAILED,
                                         Outcome.FAILED, Outcome.LOADED]
    assert rows[1].reason.startswith("a manifest substitution could not be applied")
    unknown = [d for d in reader.diagnostics if d.rule == "MT704"]
    assert [(d.line, "2 rows" in d.message) for d in unknown] == [(3, True), (5, False)]
    assert "Teapot" in rows[2].reason and "does not know" in rows[2].reason


def test_export_log_by_name() -> None:
    reader, rows = read(TSTD1.encode(), name="logs/export-log-53TX4")
    assert reader.kind is LogKind.EXPORT and len(rows) == 3


@pytest.mark.parametrize("header", [True, False])
def test_glacier_two_line_log(header: bool) -> None:
    record = GlacierRecord(0, "Tue 03 Feb 2009", "myvault", "123456789012", "A1b2-C3",
                           "photos, 2009")
    text = ("Date,Vault Name,Archive,Comment\r\n" if header else "") + \
        format_glacier_log([record])
    reader, rows = read(text.encode(), name="glacier-log")
    assert rows == [] and rules(reader) == [] and reader.kind is LogKind.GLACIER
    assert reader.glacier == [record._replace(line=2 if header else 1)]


def test_not_a_log_at_all() -> None:
    reader, rows = read(b"hello world\n")
    assert rows == [] and rules(reader) == ["MT702", "MT701"]


def test_empty_log_and_header_only() -> None:
    assert rules(read(b"")[0]) == ["MT701"]
    reader, rows = read(f"{HEADER}\r\n".encode())
    assert rows == [] and rules(reader) == [] and reader.header


def test_invalid_utf8_is_replaced_and_reported() -> None:
    reader, rows = read(f"{D},caf\xe9.txt,200,OK,b/k,{MD5},3,\n".encode("latin-1"))
    assert rows[0].file == "caf\ufffd.txt" and rules(reader) == ["MT707"]


def test_an_endless_line_ends_the_reading() -> None:
    reader, rows = read(b"x" * (2 * 1024 * 1024))
    assert rows == [] and rules(reader)[0] == "MT702"


def test_findings_are_capped_and_counted() -> None:
    text = "short,row\n" * (MAX_REPEATS + 50)
    reader, _ = read(text.encode())
    found = reader.diagnostics
    assert [d.rule for d in found] == ["MT702"] * MAX_REPEATS + ["MT701", "MT702"]
    assert "50 more MT702" in found[-1].message


def test_round_trip_with_the_writer() -> None:
    rows = [LogRow(i + 2, D, f"dir/f{i},x.txt", "200", "OK", f"b/dir/f{i},x.txt", MD5, i,
                   "text/plain") for i in range(50)]
    reader, back = read(format_log(rows).encode())
    assert back == rows and rules(reader) == []


def test_a_log_cut_short_is_said_so() -> None:
    text = TSTD1[:-5]  # cut inside the last row's Content-Type
    reader, rows = read(text.encode())
    [finding] = reader.diagnostics
    assert (finding.rule, finding.severity.value, finding.line) == ("MT702", "warning", 4)
    assert "cut short" in finding.message and len(rows) == 3


def test_blocks_and_line_numbers_across_a_large_log() -> None:
    """Rows are read a block (~1 MiB) at a time; oddities inside blocks and at any place keep
    their line numbers, and the same rows come out as through the line-by-line path."""
    lines = [HEADER] + [f"{D},d/f{i}.jpg,200,OK,b/d/f{i}.jpg,{MD5},{i},image/jpeg"
                        for i in range(20_000)]
    lines[9000] = f"{D},short.jpg,200"  # malformed: skipped, located
    lines[12000] = f'{D},"q,uoted.jpg",200,OK,b/q.jpg,{MD5},5,image/jpeg'  # quoted
    lines[15000] = f"{D},bad.jpg,200,OK,b/bad.jpg,XYZ,5,image/jpeg"  # MD5 not hex
    text = "\r\n".join(lines) + "\r\n"
    reader, rows = read(text.encode())
    assert [(d.rule, d.line) for d in reader.diagnostics] == [("MT702", 9001), ("MT703", 15001)]
    assert len(rows) == 19_999 and reader.rows_read == 19_999
    by_line = {r.line: r for r in rows}
    assert by_line[12001].file == "q,uoted.jpg" and by_line[15001].md5 == "XYZ"
    assert by_line[20001] == LogRow(20001, D, "d/f19999.jpg", "200", "OK", "b/d/f19999.jpg",
                                    MD5, 19999, "image/jpeg")
    assert sorted(by_line) == [n for n in range(2, 20_002) if n != 9001]


# Lines that are almost common rows: each differs in one way the whole-block test must see.
_ODD_LINES = [
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5},5",  # seven fields
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5},5,image/jpeg,",  # nine, the last empty
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5},5,image/jpeg,more",  # nine
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5[:31]},5,image/jpeg",  # MD5 of 31
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5}a,5,image/jpeg",  # MD5 of 33
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5[:16]} {MD5[17:]},5,image/jpeg",  # a space in it
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5.upper()},5,image/jpeg",  # upper case: still hex
    f"{D},x.jpg,200,OK,b/x.jpg,,5,image/jpeg",  # no MD5
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5}-3,5,image/jpeg",  # multipart ETag
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5},5x,image/jpeg",  # Bytes not digits
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5},,image/jpeg",  # no Bytes
    f"{D},x.jpg,400,BadDigest,b/x.jpg,{MD5},5,image/jpeg",  # failed
    f"{D},x.jpg,299,Odd,b/x.jpg,{MD5},5,image/jpeg",  # a code nobody knows
    f"{D},x.jpg, 200,OK,b/x.jpg,{MD5},5,image/jpeg",  # a space before the status
    f"{D},SIGNATURE,103,Ignored,,,86,text/plain",  # ignored
    f"{D},x.jpg,200,OK,/b/x.jpg,{MD5},5,image/jpeg",  # a key under '/'
    "",  # blank
    ",,,,,,,",  # eight empty fields
    # Two lines whose faults cancel out over a block: seven fields then nine, eight and
    # eight in all; MD5s of 31 and 33 characters, 64 in all. ({END}: the log's line end.)
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5},5{{END}}image/jpeg,{D},y.jpg,200,OK,b/y.jpg,{MD5},6,"
    "image/jpeg",
    f"{D},x.jpg,200,OK,b/x.jpg,{MD5[:31]},5,image/jpeg{{END}}{D},y.jpg,200,OK,b/y.jpg,"
    f"{MD5}0,6,image/jpeg",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 1499), st.sampled_from(_ODD_LINES)), max_size=6),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_whole_blocks_read_as_line_by_line(odd: list[tuple[int, str]], end: str,
                                           last_end: bool) -> None:
    """Whatever odd lines sit among common ones, and wherever (block edges included), the
    whole-block path (column by column) gives the rows, line numbers,
    findings and tallies of the line-by-line path it stands in for."""
    lines = [HEADER] + [f"{D},d{i % 3}/f{i}.jpg,200,OK,b/d{i % 3}/f{i}.jpg,{MD5},{i},image/jpeg"
                        for i in range(1500)]
    for where, line in odd:
        lines[1 + where] = line.replace("{END}", end)
    data = (end.join(lines) + (end if last_end else "")).encode()

    def read_all(whole_blocks: bool) -> tuple[list[object], list[tuple[str, int, int]]]:
        reader = LogReader(io.BytesIO(data), "import-log-PROP", whole_blocks=whole_blocks)
        got: list[object] = []
        for batch in reader.counted():
            got.extend([batch._replace(fields=None)] if isinstance(batch, Tally) else batch)
        return got, [(d.rule, d.line, d.column) for d in reader.diagnostics]

    whole, per_line = read_all(True), read_all(False)
    rows = [r for r in whole[0] if isinstance(r, LogRow)]
    tallied = sum(t.rows for t in whole[0] if isinstance(t, Tally))
    assert not any(isinstance(t, Tally) for t in per_line[0])
    assert whole[1] == per_line[1]
    assert len(rows) + tallied == len(per_line[0])
    # The rows made in either path are the same rows; the tallied ones are the rest.
    assert set(rows) <= set(per_line[0])
    if not odd:
        assert tallied == 1500 and not rows
