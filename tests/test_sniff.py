"""sniff: each kind of file users pass for another is told apart, on real renderings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.sniff import WORD_FILTERS, sniff, wrong_kind
from tests.status.render import (
    powershell_redirect,
    render_json,
    render_table,
    render_text,
    render_yaml,
    renderings,
)
from tests.status.test_read import FULL

ROOT = Path(__file__).parents[1]
SAMPLES = ROOT / "samples"

LIST_JOBS: dict[str, Any] = {
    "Jobs": [
        {"JobId": "EX1ID", "CreationDate": "2015-05-27T18:58:21Z", "IsCanceled": False,
         "JobType": "Import"},
        {"JobId": "EX2ID", "CreationDate": "2015-05-28T10:00:00Z", "IsCanceled": True,
         "JobType": "Export"},
    ],
    "IsTruncated": False,
}


def list_jobs_renderings() -> list[tuple[str, str]]:
    return [("json", render_json(LIST_JOBS)), ("text", render_text(LIST_JOBS)),
            ("yaml", render_yaml(LIST_JOBS)),
            ("table", render_table(LIST_JOBS, 80, title="ListJobs")),
            ("table-wide", render_table(LIST_JOBS, 100_000, title="ListJobs"))]


@pytest.mark.parametrize("path", sorted((SAMPLES / "valid").glob("*.yaml")))
def test_manifests(path: Path) -> None:
    assert sniff(path.read_bytes()) == "manifest"


@pytest.mark.parametrize("path", sorted(p for p in (SAMPLES / "invalid").glob("*.yaml")
                                         if not p.name.startswith("MT127")))
def test_broken_manifests_are_never_taken_for_another_kind(path: Path) -> None:
    # An empty or unreadable one may look like nothing; it never looks like get-status.
    # (MT127's sample is get-status output saved as .yaml: not a manifest at all.)
    assert sniff(path.read_bytes()) in ("manifest", None)


def test_the_not_a_manifest_sample_is_get_status() -> None:
    assert sniff((SAMPLES / "invalid" / "MT127-get-status-output.yaml").read_bytes()) == \
        "get-status"


@pytest.mark.parametrize("path", sorted((SAMPLES / "status").iterdir()))
def test_status_samples(path: Path) -> None:
    # get-status output carries a manifest and SIGNATURE lines: it is still get-status.
    assert sniff(path.read_bytes()) == "get-status"


def test_every_cli_rendering_of_get_status() -> None:
    for name, _form, text in renderings(FULL):
        assert sniff(text.encode()) == "get-status", name
        assert sniff(powershell_redirect(text)) == "get-status", name


def test_awscli_documentation_example() -> None:
    data = (ROOT / "tests" / "fixtures" / "awscli-get-status-example.txt").read_bytes()
    assert sniff(data) == "get-status"


@pytest.mark.parametrize("name,text", list_jobs_renderings())
def test_list_jobs(name: str, text: str) -> None:
    assert sniff(text.encode()) == "list-jobs"


def test_signature_files() -> None:
    sig = b"version:2.0\nsigningMethod:HmacSHA1\njobId:EX1ID\nsignature:abc=\n"
    assert sniff(sig) == "signature"
    assert sniff(sig.replace(b"\n", b"\r\n")) == "signature"
    assert sniff(b"version:2.0\n") is None  # one line is not enough to tell


def test_wrong_kind_names_the_command_and_stays_quiet_for_the_right_kind() -> None:
    manifest = (SAMPLES / "valid" / "s3-import.yaml").read_bytes()
    assert wrong_kind(manifest, "manifest") is None
    hint = wrong_kind(manifest, "get-status")
    assert hint is not None and hint.startswith("this looks like a manifest, not get-status")
    assert "manifest-tools validate" in hint
    status = render_json(FULL).encode()
    hint = wrong_kind(status, "manifest")
    assert hint is not None and "manifest-tools status" in hint
    assert wrong_kind(b"garbage", "manifest") is None



@pytest.mark.parametrize("index", range(len(WORD_FILTERS)))
def test_every_text_a_pattern_matches_holds_one_of_its_words(index: int) -> None:
    """The words filter in front of each search never hides a match: texts generated from
    the pattern itself (hypothesis' from_regex) all hold one of its words."""
    source, words = WORD_FILTERS[index]
    pattern = re.compile(source, re.MULTILINE)

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.from_regex(pattern))
    def check(text: str) -> None:
        assert pattern.search(text) is not None
        assert any(word in text for word in words), text

    check()
