"""The preflight on forked workers (device/fanout.py): the same rows, counts and findings,
in the same order, as one walk; and the ordered fan-out on its own."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from manifest_tools.device import fanout
from manifest_tools.device import preflight as pf
from manifest_tools.device.preflight import KeysText, Preflight, run_preflight
from manifest_tools.device.walk import Subtree, walk_split
from manifest_tools.errors import InputError
from manifest_tools.report.preflight import csv_lines
from tests.device.test_preflight import BASE, SIGNATURE

pytestmark = pytest.mark.skipif(not fanout.can_fork(), reason="needs fork")


def _tree(root: Path) -> Path:
    """Many root-level folders with every kind of file the checks tell apart: clean runs,
    empty files (more than the findings cap), names S3 advises against, an ignored file,
    a SIGNATURE in a subfolder, a symlink, keys that collide exactly and by case across
    folders, deep folders, and root-level files between the folders."""
    root.mkdir()
    (root / "SIGNATURE").write_bytes(SIGNATURE)
    for d in range(12):
        folder = root / f"d{d:02d}"
        (folder / "deep" / "er").mkdir(parents=True)
        for n in range(40):
            (folder / f"photo {n:03d}.jpg").write_bytes(b"x" * (1 + n % 5))
        for n in range(3):
            (folder / f"empty{n}.txt").write_bytes(b"")
        (folder / "deep" / "er" / "a.txt").write_bytes(b"a")
        (folder / "deep" / "we{ird}.txt").write_bytes(b"w")
        (folder / "deep" / "skip.tmp").write_bytes(b"t")
        (root / f"root{d:02d}.txt").write_bytes(b"r")
    (root / "d03" / "SIGNATURE").write_bytes(b"s")
    (root / "d04" / "link").symlink_to("photo 000.jpg")
    # Keys of files in different root-level folders (so walked by different workers):
    # 'Case/f' and 'case/f' differ in case; 'Fold/f' and 'fold/f' are one key once 'Fold'
    # becomes 'fold' (below), as are 'd06/x y/f' and 'd06/x_y/f' once ' ' becomes '_'.
    for name in ("Case", "case", "Fold", "fold", "d06/x y", "d06/x_y"):
        (root / name).mkdir()
        (root / name / "f").write_bytes(b"1")
    (root / "empty folder").mkdir()
    return root


MANIFEST = (BASE + "prefix: archive/\nignore:\n  - \\.tmp$\nsubstitutions:\n  ' ': _\n"
            "  Fold: fold\n").encode()


def _run(root: Path, jobs: int) -> tuple[Preflight, str]:
    texts: list[str] = []
    result = run_preflight(root, MANIFEST, "m.yaml", keys_text=KeysText(csv_lines, texts.append),
                           jobs=jobs)
    return result, "".join(texts)


def _forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    forks: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return forks


@pytest.mark.parametrize("jobs", [2, 3])
def test_workers_give_the_results_of_one_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              jobs: int) -> None:
    root = _tree(tmp_path / "dev")
    monkeypatch.setattr(pf, "FINDINGS_PER_RULE", 4)  # MT615 and MT617 overflow per worker
    one, one_csv = _run(root, 1)
    forks = _forks(monkeypatch)
    monkeypatch.setattr(pf, "FORK_AFTER", 50)  # a few folders here, the rest in workers
    monkeypatch.setattr(pf, "CHUNK_FILES", 7)
    monkeypatch.setattr(pf, "ROWS_BATCH", 5)
    many, many_csv = _run(root, jobs)
    assert len(forks) == jobs
    assert many_csv == one_csv
    assert many.summary == one.summary
    assert many.findings == one.findings
    rules = [d.rule for d in one.findings]
    # What the merge has to get right is in there.
    for rule in ("MT608", "MT613", "MT615", "MT602", "MT617", "MT616", "MT623"):
        assert rule in rules
    assert rules.count("MT615") == 4
    assert one_csv.count("\n") == one.summary.files + 1  # + the symlink's row


def test_a_small_tree_does_not_fork(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path / "dev")
    forks = _forks(monkeypatch)
    _run(root, 2)  # fewer entries than FORK_AFTER
    assert forks == []


def test_a_folder_swapped_before_its_worker_reads_it_stops_the_walk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A root-level folder replaced between the listing and its worker's walk is not the
    folder that was listed: the walk stops, as it does when the tree moves under it."""
    root = _tree(tmp_path / "dev")
    monkeypatch.setattr(pf, "FORK_AFTER", 0)
    real = walk_split

    def swapping(path: str) -> Any:
        for item in real(path):
            if isinstance(item, Subtree) and item.name == "d08":
                os.rename(root / "d08", tmp_path / "old")
                (root / "d08").mkdir()
            yield item

    monkeypatch.setattr(pf, "walk_split", swapping)
    with pytest.raises(InputError, match="changed during the walk"):
        _run(root, 2)


# --- fanout on its own ---------------------------------------------------------------------

def _square(item: int, send: Callable[[Any], None]) -> None:
    if item == 13:
        raise ValueError("thirteen")
    for k in range(3):
        send((item, k, b"x" * (item * 1000)))


def test_fan_out_merges_in_item_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fanout, "BUFFERED", 1)  # later items' messages wait their turn
    merged: list[object] = []
    local: list[int] = []
    fanout.fan_out(range(13), lambda i: i % 3 != 0, _square,
                   lambda i: merged.append(("local", i)), merged.append, 3)
    expected: list[object] = []
    for i in range(13):
        if i % 3 == 0:
            expected.append(("local", i))
        else:
            expected.extend((i, k, b"x" * (i * 1000)) for k in range(3))
    assert merged == expected
    assert local == []


def test_a_workers_exception_is_raised_in_order() -> None:
    merged: list[object] = []
    with pytest.raises(ValueError, match="thirteen"):
        fanout.fan_out(range(20), lambda i: i > 10, _square, merged.append,
                       lambda m: merged.append(m[:2]), 2)
    assert merged == [*range(11), (11, 0), (11, 1), (11, 2), (12, 0), (12, 1), (12, 2)]
