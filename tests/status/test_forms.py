"""The forms get-status output really reaches users in: AWS's documentation example, tables,
Windows encodings and consoles, pastes, non-breaking spaces, empty members."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from manifest_tools.errors import StatusFormatError
from manifest_tools.status import JobStatus, read_status
from manifest_tools.textcodec import decode_text, strip_paste_spaces, undo_console_crlf
from tests.status.render import (
    collapse_tabs,
    console_crlf,
    expand_tabs,
    render_table,
    render_text,
    renderings,
    windows_variants,
)
from tests.status.test_read import EXPECTED, FULL, LABEL, SIGFILE, expected

FIXTURE = Path(__file__).parents[1] / "fixtures" / "awscli-get-status-example.txt"
DOC_SIGNATURE = "ktKDXpdbEXAMPLEyGFJmQO744UHw="


def _awscli_example() -> str:
    """The get-status example as the installed awscli ships it (examples/importexport)."""
    import awscli

    rst = (Path(awscli.__file__).parent / "examples" / "importexport" / "get-status.rst"
           ).read_text(encoding="utf-8")
    block = rst.split("looks like the following::\n\n", 1)[1]
    lines = []
    for line in block.split("\n"):
        if line and not line.startswith("  "):
            break
        lines.append(line)
    return "\n".join(lines).rstrip("\n") + "\n\n"


def rules(reading: Any) -> list[str]:
    return [d.rule for d in reading.diagnostics]


# --- AWS's own documentation example ------------------------------------------------------------

def test_stored_example_is_the_one_awscli_ships() -> None:
    assert FIXTURE.read_text(encoding="utf-8") == _awscli_example()


def test_awscli_documentation_example_is_read_right() -> None:
    reading = read_status(FIXTURE.read_bytes())
    s = reading.status
    assert reading.form == "documentation"
    assert (s.JobId, s.JobType, s.LocationCode, s.ProgressCode) == (
        "EX1ID", "Import", "NotReceived", "Pending")
    assert s.LocationMessage == "AWS has not received your device."
    assert s.ProgressMessage == "The specified job has not started."
    assert s.ErrorCount == 0 and s.CreationDate == "2015-05-27T18:58:21Z"
    assert s.Signature == DOC_SIGNATURE and len(DOC_SIGNATURE) == 29
    assert s.SignatureFileContents == ("version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\n"
                                       f"signature:{DOC_SIGNATURE}\n")
    assert s.LogKey is None and s.LogBucket is None and s.Carrier is None
    assert s.CurrentManifest is not None
    assert s.CurrentManifest.startswith("manifestVersion:2.0\ngenerator:Text editor\n")
    assert s.CurrentManifest.endswith("    phoneNumber:206-555-1111")
    shape = [d for d in reading.diagnostics if d.rule == "MT509"]
    assert len(shape) == 1 and "29 characters" in shape[0].message
    assert "EXAMPLE" in shape[0].message and not shape[0].is_error
    assert reading.uncertain == ()
    assert rules(reading) == ["MT502", "MT509"]


def test_odd_signature_in_exact_forms_is_kept_with_a_warning() -> None:
    odd = {**FULL, "Signature": DOC_SIGNATURE,
           "SignatureFileContents": SIGFILE.replace(FULL["Signature"], DOC_SIGNATURE)}
    for _name, _form, text in renderings(odd):
        reading = read_status(text.encode())
        assert reading.status == expected(odd)
        assert "MT509" in rules(reading)


# --- the table form ---------------------------------------------------------------------------

@pytest.mark.parametrize("width", [20, 80, 132, 100_000])
def test_table_reads_back_on_any_terminal(width: int) -> None:
    reading = read_status(render_table(FULL, width).encode())
    assert reading.form == "table" and reading.status == EXPECTED
    assert reading.diagnostics == ()


TRICKY: dict[str, Any] = {
    **FULL,
    "LocationMessage": "デバイスは AWS | 受領済み",  # wide characters and a literal '|'
    "ProgressMessage": "Ünïcödé  inner  spaces",
    "CurrentManifest": "manifestVersion: 2.0\r\nbucket: myBucket\r\n|pipe: a|b\r\n",
    "ArtifactList": [{"Description": "Label", "URL": LABEL},
                     {"Description": "Receipt", "URL": LABEL + "?r=1"}],
}


@pytest.mark.parametrize("width", [80, 100_000])
def test_table_keeps_wide_characters_pipes_and_newlines(width: int) -> None:
    for title in ("GetStatus", "CreateJob"):
        reading = read_status(render_table(TRICKY, width, title=title).encode())
        assert reading.status == expected(TRICKY)


def test_broken_table_is_a_located_mt501() -> None:
    text = render_table(FULL, 80)
    lines = text.split("\n")
    lines[5] = lines[5][:-3]  # a row cut short
    with pytest.raises(StatusFormatError) as info:
        read_status("\n".join(lines).encode())
    d = info.value.diagnostics[0]
    assert d.rule == "MT501" and "table layout" in d.message and d.line > 1


# --- Windows ----------------------------------------------------------------------------------

def test_powershell_utf16_with_crlf_manifest_gives_aws_bytes() -> None:
    # CurrentManifest carries CR LF: the console makes it CR CR LF; read back as CR LF.
    for name, _form, text in renderings(FULL):
        for platform, data in windows_variants(text):
            reading = read_status(data)
            assert reading.status.CurrentManifest == FULL["CurrentManifest"], (name, platform)
            assert reading.status.SignatureFileContents == SIGFILE, (name, platform)
            if platform == "powershell-5.1":
                assert "MT506" in rules(reading) and "MT507" in rules(reading)


def test_crlf_undone_only_when_every_line_has_it() -> None:
    assert undo_console_crlf("a\r\r\nb\r\n") == ("a\r\nb\n", True)
    assert undo_console_crlf("a\r\nb\n") == ("a\r\nb\n", False)
    text = render_text({**FULL, "CurrentManifest": "manifestVersion: 2.0\r\nbucket: b\r\n"})
    reading = read_status(text.encode())  # not translated: the manifest's CRs are AWS's
    assert reading.status.CurrentManifest == "manifestVersion: 2.0\r\nbucket: b\r\n"
    assert "MT507" not in rules(reading)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("bom", [True, False])
def test_wide_encodings_with_and_without_bom(encoding: str, bom: bool) -> None:
    text = console_crlf(render_text(FULL))
    data = ("\ufeff" + text if bom else text).encode(encoding)
    assert decode_text(data).text == text
    assert read_status(data).status == EXPECTED


# --- pastes -------------------------------------------------------------------------------------

def test_trailing_spaces_on_every_line_never_reach_the_signature() -> None:
    for name, _form, text in renderings(FULL):
        reading = read_status(text.replace("\n", "   \n").encode())
        assert reading.status == EXPECTED, name
        assert "MT511" in rules(reading)
    assert strip_paste_spaces("a \nb\n") == ("a \nb\n", False)  # not every line: kept


def test_signature_lines_of_a_copy_are_rebuilt_on_their_grammar() -> None:
    # Only the SIGNATURE lines carry trailing spaces and indentation (a partial re-render).
    text = render_text(FULL).replace("signingMethod:HmacSHA1\n", "  signingMethod:HmacSHA1 \n")
    reading = read_status(text.encode())
    assert reading.status.SignatureFileContents == SIGFILE
    assert "MT508" in rules(reading)


def test_copy_with_non_breaking_spaces_for_tabs() -> None:
    text = "".join("    " + line.replace("\t", "\u00a0") for line in
                   render_text(FULL).splitlines(True))
    reading = read_status(text.encode())
    assert reading.form == "documentation" and reading.status == EXPECTED
    assert "non-breaking" in reading.diagnostics[0].message


@pytest.mark.parametrize("copy", [expand_tabs, collapse_tabs])
def test_empty_member_in_a_copy_is_reported_unsure(copy: Any) -> None:
    response = {**FULL, "LogBucket": ""}
    exact = read_status(render_text(response).encode())
    assert exact.status.LogBucket == "" and exact.uncertain == ()
    reading = read_status(copy(render_text(response)).encode())
    assert "LogBucket" in reading.uncertain
    assert any(d.rule == "MT503" and d.pointer == "/LogBucket" for d in reading.diagnostics)


def test_job_id_disagreeing_with_the_signature_text_is_unsure() -> None:
    odd = {**FULL, "SignatureFileContents": SIGFILE.replace("jobId:EX1ID", "jobId:EX2ID")}
    reading = read_status(render_text(odd).encode())
    assert reading.status.JobId == "EX1ID" and "JobId" in reading.uncertain


def test_every_rendering_reads_the_same_status() -> None:
    seen: set[JobStatus] = set()
    for _name, _form, text in renderings(FULL):
        for _platform, data in windows_variants(text):
            seen.add(read_status(data).status)
    assert seen == {EXPECTED}
    assert re.search(r"\|\s+GetStatus\s+\|", render_table(FULL))


def test_create_job_output_in_every_rendering() -> None:
    # create-job: no LocationCode, an empty WarningMessage and no ArtifactList; in the text
    # form its empty last column is WarningMessage (create-job prints no TrackingNumber).
    sample = Path(__file__).parents[2] / "samples" / "status" / "create-job.json"
    import json

    response = json.loads(sample.read_text())
    want = read_status(sample.read_bytes()).status
    assert want.WarningMessage == "" and want.TrackingNumber is None
    for name, _form, text in renderings(response):
        for platform, data in windows_variants(text.replace("GetStatus", "CreateJob")):
            reading = read_status(data)
            assert reading.status == want, (name, platform)
            assert reading.uncertain == (), (name, platform)


TABLES = [render_table(FULL, 80), render_table(TRICKY, 100_000)]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TABLES), st.lists(st.tuples(st.integers(0, 10_000),
                                                   st.sampled_from(["", "|", "-", "\n", " ",
                                                                    "+", "字"])),
                                         min_size=1, max_size=4))
def test_damaged_tables_are_read_or_refused_never_crash(table: str,
                                                        edits: list[tuple[int, str]]) -> None:
    text = table
    for pos, insert in edits:
        pos %= len(text)
        text = text[:pos] + insert + text[pos + 1:]
    try:
        reading = read_status(text.encode())
    except StatusFormatError as exc:
        assert exc.diagnostics[0].rule == "MT501"
    else:
        # Read: either the job as it was, or the damage is reported (an unknown member).
        assert reading.status.JobId == "EX1ID" or reading.diagnostics
