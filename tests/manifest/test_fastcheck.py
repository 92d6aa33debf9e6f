"""The fast schema check must give jsonschema's verdict, always (issue: performance)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.manifest.fastcheck import FastChecker, Unsupported
from manifest_tools.manifest.jobtype import JobType
from manifest_tools.manifest.parse import parse_manifest
from manifest_tools.manifest.schema import fast_checker_for, load_schemas, validator_for

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def reference_valid(data: Any, job_type: JobType) -> bool:
    return not any(True for _ in validator_for(job_type).iter_errors(data))


def fast_valid(data: Any, job_type: JobType) -> bool:
    checker = fast_checker_for(job_type)
    assert checker is not None, "every shipped schema must be within the fast subset"
    return checker.is_valid(data)


def sample_trees() -> list[tuple[str, dict[str, Any]]]:
    trees = []
    for path in sorted(SAMPLES.glob("*/*.yaml")):
        manifest = parse_manifest(path.read_bytes())
        if manifest.readable:
            trees.append((path.name, manifest.data))
    return trees


@pytest.mark.parametrize("job_type", list(JobType))
def test_same_verdict_on_every_sample_for_every_schema(job_type: JobType) -> None:
    trees = sample_trees()
    assert len(trees) > 20
    verdicts = set()
    for name, data in trees:
        expected = reference_valid(data, job_type)
        assert fast_valid(data, job_type) is expected, name
        verdicts.add(expected)
    assert verdicts == {True, False}  # both outcomes were exercised


def test_unknown_keyword_is_refused_up_front() -> None:
    documents = dict(load_schemas())
    documents["odd.schema.json"] = {"type": "object", "dependentRequired": {"a": ["b"]}}
    with pytest.raises(Unsupported):
        FastChecker(documents, "odd.schema.json")


def _valid_trees() -> list[tuple[JobType, dict[str, Any]]]:
    pairs = []
    for name, job_type in (("s3-import.yaml", JobType.IMPORT), ("s3-export.yaml", JobType.EXPORT),
                           ("ebs-import.yaml", JobType.EBS),
                           ("glacier-import.yaml", JobType.GLACIER)):
        pairs.append((job_type, parse_manifest((SAMPLES / "valid" / name).read_bytes()).data))
    return pairs


VALID = _valid_trees()
values = st.one_of(
    st.text(max_size=12), st.sampled_from(["", "yes", "no", "2.0", "3.0", "NTFS", "private",
                                           "glacier", "a" * 998, "AKIA2E0A8F3B244C9986"]),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[JobType, dict[str, Any]]:
    job_type, tree = draw(st.sampled_from(VALID))
    tree = copy.deepcopy(tree)
    for _ in range(draw(st.integers(1, 3))):
        # Walk to a random mapping in the tree, then change, drop or add one entry.
        node: Any = tree
        while True:
            children = [v for v in (node.values() if isinstance(node, dict) else node)
                        if isinstance(v, dict | list) and v]
            if not children or draw(st.booleans()):
                break
            node = draw(st.sampled_from(children))
        if isinstance(node, list):
            index = draw(st.integers(0, len(node) - 1))
            node[index] = draw(values)
            continue
        action = draw(st.sampled_from(["change", "drop", "add"]))
        key = draw(st.sampled_from(sorted(node))) if node else "x"
        if action == "change":
            node[key] = draw(values)
        elif action == "drop":
            node.pop(key, None)
        else:
            node[draw(st.text(min_size=1, max_size=10))] = draw(values)
    return job_type, tree


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_same_verdict_on_mutated_manifests(case: tuple[JobType, dict[str, Any]]) -> None:
    job_type, tree = case
    assert fast_valid(tree, job_type) is reference_valid(tree, job_type)
