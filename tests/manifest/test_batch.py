"""A batch checked by several worker processes gives exactly what one process gives, in
the same order (manifest/batch.py)."""

from __future__ import annotations

from pathlib import Path

from manifest_tools.manifest import batch
from manifest_tools.manifest.jobtype import JobType
from manifest_tools.manifest.validate import validate_bytes

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _jobs() -> list[batch.Job]:
    files = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix in (
        ".yaml", ".yml", ".json", ".txt", ".manifest"))
    jobs: list[batch.Job] = []
    for n, path in enumerate(files * 3):
        job_type = (None, JobType.IMPORT, None)[n % 3]
        disabled = frozenset({"MT311"}) if n % 5 == 0 else frozenset()
        jobs.append((path.read_bytes(), f"{path.name}#{n}", job_type, disabled))
    return jobs


def test_workers_give_what_one_process_gives_in_order() -> None:
    jobs = _jobs()
    assert len(jobs) >= batch.PARALLEL_FROM * 2
    alone = batch.validate_batch(jobs, workers=1)
    pooled = batch.validate_batch(jobs, workers=3)
    assert pooled == alone
    assert [r.path for r in pooled] == [job[1] for job in jobs]
    assert alone == [validate_bytes(*job) for job in jobs]
    assert any(not r.valid for r in alone) and any(r.valid for r in alone)

