"""SIGNATURE: known answers, openssl cross-check, properties, and the located parser."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from manifest_tools.diagnostics import Diagnostic, Severity
from manifest_tools.errors import BadSignature, SignatureError, UsageError
from manifest_tools.signature import (
    SIGNING_METHOD,
    VERSIONS,
    SignatureFile,
    canonical_manifest,
    compute_signature,
    parse_signature_file,
    render_signature_file,
    sign,
    verify,
)

KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JOB = "EX1ID"
MANIFEST = b"manifestVersion: 2.0\r\nbucket: myBucket\r\ndeviceId: 49382\r\neraseDevice: yes\r\n"
EXPECTED = "Ara83XX0K7K15HeRcHM9hXMrNpw="
EXPECTED_NO_FINAL_NEWLINE = "LJQDwZaLDu1iltguUShEp49wM8Y="
GOOD_FILE = (b"version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\n"
             b"signature:Ara83XX0K7K15HeRcHM9hXMrNpw=\n")


# --- known answers -----------------------------------------------------------------------

def test_known_answer_vector() -> None:
    assert compute_signature(MANIFEST, JOB, KEY) == EXPECTED
    assert compute_signature(MANIFEST, JOB, KEY.encode()) == EXPECTED


def test_known_answer_without_final_newline() -> None:
    assert compute_signature(MANIFEST[:-2], JOB, KEY) == EXPECTED_NO_FINAL_NEWLINE


def test_canonical_manifest_only_touches_crlf() -> None:
    data = b"\xef\xbb\xbfa: 1\r\nb: 2\rc: 3\r\r\n\n"
    assert canonical_manifest(data) == b"\xef\xbb\xbfa: 1\nb: 2\rc: 3\r\n\n"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
@pytest.mark.parametrize("manifest", [MANIFEST, MANIFEST[:-2], b"", b"a\rb\r\n\xef\xbb\xbf"])
def test_matches_openssl(manifest: bytes) -> None:
    message = JOB.encode() + b"\n" + canonical_manifest(manifest)
    digest = subprocess.run(["openssl", "dgst", "-sha1", "-hmac", KEY, "-binary"],
                            input=message, capture_output=True, check=True).stdout
    assert compute_signature(manifest, JOB, KEY) == base64.b64encode(digest).decode()


def test_sign_and_render_known_answer() -> None:
    sig = sign(MANIFEST, JOB, KEY)
    assert sig == SignatureFile("2.0", SIGNING_METHOD, JOB, EXPECTED)
    assert render_signature_file(sig) == GOOD_FILE
    assert KEY not in repr(sig)


@pytest.mark.parametrize("job_id", ["", "EX 1D", "EX/1D", "EX1D\n", "EX\x001D"])
def test_sign_refuses_unusable_job_id(job_id: str) -> None:
    with pytest.raises(UsageError):
        sign(MANIFEST, job_id, KEY)


def test_sign_refuses_unknown_version() -> None:
    with pytest.raises(UsageError):
        sign(MANIFEST, JOB, KEY, version="3.0")


def test_render_refuses_line_break_in_value() -> None:
    with pytest.raises(UsageError):
        render_signature_file(SignatureFile("2.0", SIGNING_METHOD, "A\nB", EXPECTED))


# --- verify ------------------------------------------------------------------------------

def test_verify_accepts_known_answer_in_both_forms() -> None:
    verify(MANIFEST, SignatureFile("2.0", SIGNING_METHOD, JOB, EXPECTED), KEY)
    verify(MANIFEST, EXPECTED, KEY, job_id=JOB)
    verify(MANIFEST.replace(b"\r\n", b"\n"), EXPECTED, KEY.encode(), job_id=JOB)


def test_verify_mismatch_reports_expected_and_actual_but_not_key() -> None:
    with pytest.raises(BadSignature) as info:
        verify(MANIFEST, EXPECTED_NO_FINAL_NEWLINE, KEY, job_id=JOB)
    assert info.value.expected == EXPECTED
    assert info.value.actual == EXPECTED_NO_FINAL_NEWLINE
    assert KEY not in str(info.value)


def test_verify_explicit_job_id_overrides_file() -> None:
    sig = SignatureFile("2.0", SIGNING_METHOD, "OTHER", EXPECTED)
    verify(MANIFEST, sig, KEY, job_id=JOB)
    with pytest.raises(BadSignature):
        verify(MANIFEST, sig, KEY)


@pytest.mark.parametrize("given_sig", ["", "not base64!", "QUJD", EXPECTED[:-1]])
def test_verify_malformed_signature_is_bad_signature(given_sig: str) -> None:
    with pytest.raises(BadSignature) as info:
        verify(MANIFEST, given_sig, KEY, job_id=JOB)
    assert info.value.expected == EXPECTED


def test_verify_rejects_non_canonical_base64_of_the_right_bytes() -> None:
    # 20 bytes leave 2 unused bits in the last character: 'w' (..0000) vs 'x' (..0001).
    variant = EXPECTED[:-2] + "x="
    assert base64.b64decode(variant) == base64.b64decode(EXPECTED)
    with pytest.raises(BadSignature):
        verify(MANIFEST, variant, KEY, job_id=JOB)


def test_verify_string_without_job_id_is_usage_error() -> None:
    with pytest.raises(UsageError):
        verify(MANIFEST, EXPECTED, KEY)


def test_verify_other_signing_method() -> None:
    with pytest.raises(SignatureError) as info:
        verify(MANIFEST, SignatureFile("2.0", "HmacSHA256", JOB, EXPECTED), KEY)
    assert not isinstance(info.value, BadSignature)


# --- properties --------------------------------------------------------------------------

job_ids = st.text(alphabet="123456789ABCDEFGHIJKLMNPQRSTUVWXYZ", min_size=5, max_size=5)
keys = st.text(min_size=1, max_size=60).filter(lambda k: "\x00" not in k)


@settings(max_examples=200)
@given(manifest=st.binary(max_size=300), job_id=job_ids, key=keys,
       version=st.sampled_from(VERSIONS))
def test_sign_verify_round_trip(manifest: bytes, job_id: str, key: str, version: str) -> None:
    sig = sign(manifest, job_id, key, version)
    verify(manifest, sig, key)
    parsed, found = parse_signature_file(render_signature_file(sig))
    assert parsed == sig
    assert found == []


@settings(max_examples=200)
@given(manifest=st.binary(min_size=1, max_size=300), data=st.data())
def test_flipping_a_manifest_byte_fails(manifest: bytes, data: st.DataObject) -> None:
    sig = sign(manifest, JOB, KEY)
    index = data.draw(st.integers(0, len(manifest) - 1))
    flip = data.draw(st.integers(1, 255))
    changed = bytearray(manifest)
    changed[index] ^= flip
    tampered = bytes(changed)
    if canonical_manifest(tampered) == canonical_manifest(manifest):
        # e.g. "\r\n" -> "\n" is no change after canonicalisation; nothing to detect.
        verify(tampered, sig, KEY)
        return
    with pytest.raises(BadSignature):
        verify(tampered, sig, KEY)


@settings(max_examples=200)
@given(job_id=job_ids, data=st.data())
def test_changing_job_id_or_signature_fails(job_id: str, data: st.DataObject) -> None:
    sig = sign(MANIFEST, job_id, KEY)
    other_job = data.draw(job_ids.filter(lambda j: j != job_id))
    with pytest.raises(BadSignature):
        verify(MANIFEST, sig.signature, KEY, job_id=other_job)
    index = data.draw(st.integers(0, len(sig.signature) - 1))
    replacement = data.draw(st.characters(min_codepoint=32, max_codepoint=126).filter(
        lambda c: c != sig.signature[index]))
    tampered = sig.signature[:index] + replacement + sig.signature[index + 1:]
    with pytest.raises(BadSignature):
        verify(MANIFEST, tampered, KEY, job_id=job_id)


@given(lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"")
                                                   .replace(b"\n", b"")), max_size=10),
       final=st.booleans())
def test_crlf_and_lf_sign_alike(lines: list[bytes], final: bool) -> None:
    end = b"\n" if final else b""
    lf = b"\n".join(lines) + end
    crlf = b"\r\n".join(lines) + end.replace(b"\n", b"\r\n")
    assert compute_signature(lf, JOB, KEY) == compute_signature(crlf, JOB, KEY)


# --- parser ------------------------------------------------------------------------------

def where(found: list[Diagnostic]) -> list[tuple[str, Severity, int, int]]:
    return [(d.rule, d.severity, d.line, d.column) for d in found]


@pytest.mark.parametrize("data", [
    GOOD_FILE,
    GOOD_FILE[:-1],
    GOOD_FILE.replace(b"\n", b"\r\n"),
    GOOD_FILE.replace(b"\n", b"\r\n")[:-2],
    GOOD_FILE.replace(b"2.0", b"1.0"),
    GOOD_FILE.replace(b"EX1ID", b"ex1id"),
])
def test_parse_accepts_valid_forms(data: bytes) -> None:
    parsed, found = parse_signature_file(data)
    assert found == []
    assert parsed is not None
    assert parsed.signature == EXPECTED


E, W = Severity.ERROR, Severity.WARNING


@pytest.mark.parametrize(("data", "expected"), [
    (GOOD_FILE + b"extra:1\n", [("MT401", E, 5, 1)]),
    (GOOD_FILE.replace(b"jobId:", b"jobid:"), [("MT401", E, 3, 1), ("MT402", E, 5, 1)]),
    (GOOD_FILE.replace(b"jobId:EX1ID\n", b""), [("MT402", E, 4, 1)]),
    (GOOD_FILE.replace(b"jobId:EX1ID\n", b"")[:-1], [("MT402", E, 3, 39)]),
    (b"", [("MT402", E, 1, 1)] * 4),
    (GOOD_FILE.replace(b"2.0", b"3.0"), [("MT403", E, 1, 9)]),
    (GOOD_FILE.replace(b"HmacSHA1", b"HmacSHA256"), [("MT404", E, 2, 15)]),
    (GOOD_FILE.replace(b"Ara83XX0", b"Ara83XX!"), [("MT405", E, 4, 11)]),
    (GOOD_FILE.replace(b"Ara83XX0K7K15HeRcHM9hXMrNpw=", b"QUJD"), [("MT405", E, 4, 11)]),
    (GOOD_FILE.replace(b"EX1ID", b"EX0ID"), [("MT406", W, 3, 7)]),
    (GOOD_FILE.replace(b"EX1ID", b"EX1IDX"), [("MT406", W, 3, 7)]),
    (GOOD_FILE.replace(b"EX1ID", b"EX/ID"), [("MT407", E, 3, 9)]),
    (GOOD_FILE.replace(b"EX1ID", b"EX1\tID"), [("MT407", E, 3, 10)]),
    (GOOD_FILE.replace(b"EX1ID", b"EX1\x07D"), [("MT407", E, 3, 10)]),
    (GOOD_FILE.replace(b"jobId:EX1ID", b"jobId:"), [("MT407", E, 3, 7)]),
    (GOOD_FILE + b"version:1.0\n", [("MT408", E, 5, 1)]),
    (GOOD_FILE.replace(b"jobId:EX1ID", b"jobId EX1ID"),
     [("MT409", E, 3, 1), ("MT402", E, 5, 1)]),
    (GOOD_FILE.replace(b"EX1ID", b"EX\xffID"), [("MT406", W, 3, 7), ("MT409", E, 3, 9)]),
    (b"\xef\xbb\xbf" + GOOD_FILE, [("MT409", W, 1, 1)]),
    (GOOD_FILE.replace(b"jobId:EX1ID", b"jobId: EX1ID"), [("MT409", W, 3, 1)]),
    (GOOD_FILE + b"\n", [("MT409", W, 5, 1)]),
])
def test_parse_findings(data: bytes, expected: list[tuple[str, Severity, int, int]]) -> None:
    _, found = parse_signature_file(data)
    assert where(found) == expected


def test_parse_columns_count_characters_not_bytes() -> None:
    data = GOOD_FILE.replace(b"jobId:EX1ID", "jobId:\u00e9\u00e9 X".encode())
    _, found = parse_signature_file(data)
    assert where(found) == [("MT407", E, 3, 9)]


def test_parse_returns_file_despite_errors_when_all_keys_present() -> None:
    parsed, found = parse_signature_file(GOOD_FILE.replace(b"2.0", b"9.9"))
    assert parsed is not None and parsed.version == "9.9"
    assert [d.rule for d in found] == ["MT403"]


def test_parse_returns_none_when_key_missing() -> None:
    parsed, _ = parse_signature_file(GOOD_FILE.replace(b"signature:", b"sig:"))
    assert parsed is None


def test_parse_duplicate_keeps_first_value() -> None:
    parsed, _ = parse_signature_file(GOOD_FILE + b"jobId:ZZZZZ\n")
    assert parsed is not None and parsed.job_id == JOB


def test_unknown_key_differing_in_case_gets_hint() -> None:
    _, found = parse_signature_file(GOOD_FILE.replace(b"signingMethod", b"signingmethod"))
    assert found[0].hint == "did you mean 'signingMethod'?"


@given(st.binary(max_size=200))
def test_parse_never_raises(data: bytes) -> None:
    parsed, found = parse_signature_file(data)
    for d in found:
        assert d.line >= 1 and d.column >= 1
    assert (parsed is None) == any(d.rule == "MT402" for d in found)


def test_device_signature_verdict_names_what_it_found() -> None:
    from manifest_tools.signature import device_signature_verdict

    sent = b"version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\nsignature:abc=\n"
    other = sent.replace(b"EX1ID", b"EX2ID")
    cases = {
        sent: (None, "byte for byte"),
        sent.rstrip(b"\n"): (None, "trailing newline"),
        sent + b"\n": (None, "trailing newline"),
        sent.replace(b"\n", b"\r\n"): ("InvalidSignature", "line endings (CRLF)"),
        b"\xef\xbb\xbf" + sent: ("InvalidSignature", "byte order mark"),
        sent.replace(b"\n", b" \n"): ("InvalidSignature", "spaces or tabs"),
        other: ("InvalidSignature", "is for job EX2ID, not EX1ID"),
        b"junk": ("InvalidSignature", "differs from SignatureFileContents: AWS"),
    }
    for data, (progress, detail) in cases.items():
        verdict = device_signature_verdict(data, sent.decode())
        assert (verdict.progress, detail in verdict.detail) == (progress, True), data
    missing = device_signature_verdict(None, sent)
    assert (missing.progress, missing.ok) == ("MissingSignature", False)
