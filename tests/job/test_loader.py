"""job/loader.py: a job's inputs read and sniffed once, and every command reading them so."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from manifest_tools.device.keys import KeyRules
from manifest_tools.errors import FindingsError
from manifest_tools.job.loader import load_job, read_manifest, read_signature_contents
from manifest_tools.job.preflight import preflight_job
from manifest_tools.manifest import parse
from tests.conftest import RunCli
from tests.device.test_preflight import BASE, SIG, SIGNATURE, device, status_json

# AWS's CurrentManifest: the same fields in its compact, normalised form (not the same text).
COMPACT = BASE.replace(": ", ":") + "acl:private\n"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Parses per manifest text (the first line is enough to tell them apart) and key
    rule builds, through the public functions every reader calls."""
    counts: Counter[str] = Counter()
    real_parse, real_read = parse.parse_manifest, KeyRules.read.__func__  # type: ignore[attr-defined]

    def parse_manifest(data: bytes) -> parse.Manifest:
        counts["parse " + ("compact" if b"manifestVersion:2.0" in data else "local")] += 1
        return real_parse(data)

    def read(cls: type[KeyRules], data: object) -> KeyRules:
        counts["KeyRules.read"] += 1
        return real_read(cls, data)  # type: ignore[no-any-return]

    monkeypatch.setattr(parse, "parse_manifest", parse_manifest)
    monkeypatch.setattr(KeyRules, "read", classmethod(read))
    return counts


def test_preflight_with_status_parses_the_manifest_once_and_builds_rules_once(
        tmp_path: Path, counted: Counter[str]) -> None:
    """Before the job wing: the local manifest parsed twice (preflight, then the field
    comparison of verify) when CurrentManifest differs from it in form only."""
    root = device(tmp_path / "dev", {"a.txt": b"1"})
    (tmp_path / "m.yaml").write_text(BASE + "ignore:\n  - '\\.bak$'\n")
    (tmp_path / "s.json").write_bytes(status_json(COMPACT + "ignore:\n  - '\\.bak$'\n"))
    job = load_job(manifest=str(tmp_path / "m.yaml"), status=str(tmp_path / "s.json"),
                   device=str(root))
    result = preflight_job(root, job)
    assert "MT619" not in {d.rule for d in result.findings}, result.findings
    assert counted == {"parse local": 1, "parse compact": 1, "KeyRules.read": 1}


def test_derived_values_are_computed_once(tmp_path: Path, counted: Counter[str]) -> None:
    (tmp_path / "m.yaml").write_text(BASE)
    given = read_manifest(str(tmp_path / "m.yaml"))
    assert given.parsed is given.parsed
    assert given.key_rules is given.key_rules
    assert given.validation().valid
    assert counted == {"parse local": 1, "KeyRules.read": 1}


def test_another_kind_of_file_is_refused_once_with_the_sniffers_sentence(
        tmp_path: Path) -> None:
    status = tmp_path / "s.json"
    status.write_text(json.dumps(json.loads(status_json(BASE)), indent=4))  # as the CLI prints
    with pytest.raises(FindingsError, match="looks like get-status"):
        load_job(manifest=str(status))
    assert read_manifest(str(status)).validation().diagnostics[0].rule == "MT127"
    (tmp_path / "m.yaml").write_text(BASE)
    with pytest.raises(FindingsError, match="MT510 this looks like a manifest"):
        load_job(status=str(tmp_path / "m.yaml"))
    with pytest.raises(FindingsError, match="MT410 this looks like get-status"):
        load_job(signature_file=str(status))


def test_signature_contents_from_aws_decide_warnings_in_one_place() -> None:
    """AWS's own documentation prints a 29-character signature: from AWS it is a warning
    (listed in ``decided_by_aws``), from anyone else an error."""
    odd = SIGNATURE.replace(SIG.encode(), b"A" * 29)
    mine, aws = (read_signature_contents(odd, from_aws=f) for f in (False, True))
    assert [d.rule for d in mine.errors] == ["MT405"]
    assert aws.errors == [] and [d.rule for d in aws.decided_by_aws] == ["MT405"]


def _status(tmp_path: Path, contents: bytes = SIGNATURE, manifest: str = BASE) -> str:
    path = tmp_path / "status.json"
    path.write_bytes(status_json(manifest, contents))
    return str(path)


def test_verify_and_preflight_agree_on_the_device_signature(
        tmp_path: Path, run_cli: RunCli) -> None:
    """The same device SIGNATURE variants through verify --device and preflight --status:
    one verdict (the preflight merges verify's checks, it does not rerun its own)."""
    (tmp_path / "m.yaml").write_text(BASE)
    for n, variant in enumerate([SIGNATURE, SIGNATURE.replace(b"\n", b"\r\n"),
                                 b"\xef\xbb\xbf" + SIGNATURE,
                                 SIGNATURE.replace(b"EX1ID", b"EX2ID")]):
        root = device(tmp_path / f"dev{n}", {"a": b"1"}, signature=False)
        (root / "SIGNATURE").write_bytes(variant)
        status = _status(tmp_path)
        verify = run_cli("verify", "--status", status, "--device", str(root), "--format",
                         "json")
        pre = run_cli("preflight", str(root), "--manifest", str(tmp_path / "m.yaml"),
                      "--status", status, "--format", "json")
        device_ok = next(c["ok"] for c in json.loads(verify.out)["checks"]
                         if c["name"] == "device-file-matches")
        flagged = [f for f in json.loads(pre.out)["findings"] if f["rule"] == "MT619"]
        assert device_ok is (not flagged), (variant, flagged)
        assert all(f["path"] == "SIGNATURE" for f in flagged)


def test_status_findings_point_at_what_they_are_about(tmp_path: Path) -> None:
    """A failed check about the SIGNATURE points at the device's SIGNATURE, one about the
    manifest at no file: said by the check itself (``Check.about_signature``)."""
    root = device(tmp_path / "dev", {"a": b"1"}, signature=False)
    (root / "SIGNATURE").write_bytes(SIGNATURE.replace(b"EX1ID", b"EX2ID"))
    (tmp_path / "m.yaml").write_text(BASE + "generator: mine\n")
    job = load_job(manifest=str(tmp_path / "m.yaml"), status=_status(tmp_path),
                   device=str(root))
    found = [(d.path, d.message.split(":")[0]) for d in preflight_job(root, job).findings
             if d.rule == "MT619"]
    assert found == [(None, "manifest-matches"), ("SIGNATURE", "device-file-matches")]


def test_unreadable_status_is_one_finding_located_by_its_source(tmp_path: Path,
                                                                run_cli: RunCli) -> None:
    """The place is the finding's (``source``, line, column), printed by the one helper;
    the message holds no location."""
    path = tmp_path / "status.out"
    path.write_bytes(b"garbage\n")
    with pytest.raises(FindingsError) as caught:
        load_job(status=str(path))
    [d] = caught.value.diagnostics
    assert (d.rule, d.source, d.line, d.column) == ("MT501", str(path), 1, 1)
    assert str(path) not in str(caught.value)
    r = run_cli("status", str(path))
    assert r.code == 1
    assert r.err.startswith(f"manifest-tools: error: {path}:1:1: MT501 "), r.err
