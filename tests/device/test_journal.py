"""The prepare journal's format: any path round trips, a torn last row is ignored and cut
before the next append, a damaged row elsewhere is counted, a withdrawal removes a row."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from manifest_tools.device.journal import (
    Journal,
    JournalHeader,
    JournalRow,
    JournalSummary,
    JournalWriter,
    compared,
    read_journal,
    records,
)

HEADER = JournalHeader("/src\twith tab", "ab" * 32)
# Any text a file name can hold: tabs, newlines, backslashes, bytes that are not UTF-8
# (surrogate escapes, as os.listdir gives them).
NAMES = st.text(st.characters(codec="utf-8") | st.sampled_from(
    ["\t", "\n", "\r", "\\", "t", "\udcff", "\udc80"]), min_size=1, max_size=30)


def _row(path: str, n: int = 1) -> JournalRow:
    return JournalRow(path, "in/" + path, n, f"{n:032x}", 10**18 + n)


@settings(max_examples=60, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=8, unique=True))
def test_any_path_round_trips(paths: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        journal = str(Path(tmp) / "j")
        writer = JournalWriter(journal, HEADER, None)
        writer.rows([_row(p, i) for i, p in enumerate(paths)])
        writer.close()
        read = read_journal(journal)
        assert read.header == HEADER
        assert read.rows == {p: _row(p, i) for i, p in enumerate(paths)}
        assert not read.torn and not read.bad_lines
        summary = JournalSummary(journal)
        rows = [_row(p, i) for i, p in enumerate(paths)]
        assert summary.expected == {compared(r.path, r.key, r.size, r.md5) for r in rows}
        assert summary.rows == len(paths) and not summary.bad_lines and not summary.torn
        assert summary.read_paths(set(), set(paths)) == {r.path: r for r in rows}


def test_torn_last_row_ignored_then_cut(tmp_path: Path) -> None:
    journal = tmp_path / "j"
    writer = JournalWriter(str(journal), HEADER, None)
    writer.rows([_row("a"), _row("b")])
    writer.close()
    whole = journal.read_bytes()
    for cut in range(1, len(b"F\tb") + 40):
        journal.write_bytes(whole[:-cut])
        read = read_journal(str(journal))
        assert set(read.rows) <= {"a", "b"}
        if "b" not in read.rows:
            assert read.torn or whole[:-cut].endswith(b"\n")
    journal.write_bytes(whole + b"F\tc\tin/c\t3\t")  # torn
    existing = read_journal(str(journal))
    assert existing.torn and set(existing.rows) == {"a", "b"}
    writer = JournalWriter(str(journal), HEADER, existing)  # cuts the torn tail
    writer.rows([_row("d")])
    writer.close()
    assert journal.read_bytes() == whole + read_tail(journal, whole)
    read = read_journal(str(journal))
    assert set(read.rows) == {"a", "b", "d"} and not read.torn and not read.bad_lines


def read_tail(journal: Path, whole: bytes) -> bytes:
    tail = journal.read_bytes()[len(whole):]
    assert tail.startswith(b"F\td\t") and tail.count(b"\n") == 1
    return tail


def test_damaged_row_counted_and_withdrawal(tmp_path: Path) -> None:
    journal = tmp_path / "j"
    writer = JournalWriter(str(journal), HEADER, None)
    writer.rows([_row("a"), _row("b"), _row("c")])
    writer.withdraw("b")
    writer.close()
    data = bytearray(journal.read_bytes())
    data[data.index(b"in/a") + 3] ^= 1  # one flipped bit: the CRC catches it
    journal.write_bytes(bytes(data))
    read = read_journal(str(journal))
    assert set(read.rows) == {"c"} and read.bad_lines == [2] and not read.torn
    # The one-pass summary does not check CRCs (a damaged row matches no log row); the
    # second pass, for the rows that did not match, does.
    summary = JournalSummary(str(journal))
    assert compared("c", "in/c", 1, f"{1:032x}") in summary.expected
    assert len(summary.expected) == 2 and summary.withdrawn == {"b"}
    assert summary.read_paths(summary.expected, set()) == {"c": _row("c")}


@settings(max_examples=25, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=60, unique=True), st.data())
def test_read_paths_is_the_journal_read_whole(paths: list[str], data: st.DataObject) -> None:
    """``read_paths`` passes over blocks and lines that cannot hold a wanted row (a substring
    search for a few paths, one findall of the path fields for many, the hashes of a block);
    what it returns is still the rows in force of a journal read whole, withdrawals and
    rows written again included."""
    with tempfile.TemporaryDirectory() as tmp:
        journal = _rewritten(str(Path(tmp) / "j"), paths, data)
        whole = read_journal(journal).rows
        summary = JournalSummary(journal)
        wanted = set(data.draw(st.lists(st.sampled_from(paths), max_size=len(paths))))
        assert summary.read_paths(set(), wanted) == {p: r for p, r in whole.items()
                                                     if p in wanted}
        hashes = {compared(r.path, r.key, r.size, r.md5) for p, r in whole.items()
                  if p not in wanted}
        assert summary.read_paths(hashes, set()) == {p: r for p, r in whole.items()
                                                     if p not in wanted}


def _rewritten(journal: str, paths: list[str], data: st.DataObject) -> str:
    """A journal of ``paths``, then some of them withdrawn, then some written again."""
    writer = JournalWriter(journal, HEADER, None)
    writer.rows([_row(p, i) for i, p in enumerate(paths)])
    for p in data.draw(st.lists(st.sampled_from(paths), max_size=5)):
        writer.withdraw(p)
    again = data.draw(st.lists(st.sampled_from(paths), max_size=5))
    writer.rows([_row(p, 7) for p in again])
    writer.close()
    return journal


def _read_line_by_line(path: str) -> Journal:
    """The journal read through ``records`` alone: the reference for ``read_journal``."""
    journal = Journal(JournalHeader("", ""))
    with open(path, "rb") as stream:
        for _, record in records(stream, path, journal):
            if isinstance(record, str):
                journal.rows.pop(record, None)
            else:
                journal.rows[record.path] = record
    return journal


@settings(max_examples=80, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=12, unique=True), st.data())
def test_read_journal_block_by_block_is_line_by_line(paths: list[str],
                                                     data: st.DataObject) -> None:
    """``read_journal`` takes a block of plain rows whole (``_plain_rows``) and any other
    block line by line: after any damage (flipped bytes, a cut, lines added) it gives what
    ``records`` gives line by line: the rows in force, the torn tail, the damaged lines by
    number, the offset the next append starts from."""
    with tempfile.TemporaryDirectory() as tmp:
        journal = str(Path(tmp) / "j")
        writer = JournalWriter(journal, HEADER, None)
        writer.rows([_row(p, i) for i, p in enumerate(paths)])
        if data.draw(st.booleans()):
            writer.withdraw(paths[0])
        writer.rows([_row(p, 99) for p in paths[:2]])
        writer.close()
        raw = bytearray(Path(journal).read_bytes())
        start = raw.index(b"\n") + 1  # the header stays whole
        for _ in range(data.draw(st.integers(0, 3))):
            at = data.draw(st.integers(start, len(raw) - 1))
            raw[at] = data.draw(st.sampled_from(b"\t\nF0x\\"))
        cut = data.draw(st.integers(start, len(raw)))
        Path(journal).write_bytes(bytes(raw[:cut]) + data.draw(st.sampled_from(
            [b"", b"F\tz\t", b"D\tz\t00000000\n", b"garbage\n"])))
        fast, slow = read_journal(journal), _read_line_by_line(journal)
        assert fast.rows == slow.rows
        assert (fast.torn, fast.bad_lines, fast.good_end) == (slow.torn, slow.bad_lines,
                                                              slow.good_end)


@settings(max_examples=40, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=40, unique=True), st.data())
def test_a_summary_in_two_halves_is_the_summary_in_one(paths: list[str],
                                                       data: st.DataObject) -> None:
    """A big journal is scanned in two halves, the second by a forked child (when a CPU is
    idle): after any damage, withdrawals, rows written again and a torn tail, the summary
    (hashes, rows, damaged lines, torn, withdrawn paths) is the one a single process
    makes."""
    from manifest_tools.device import journal as journal_module

    with tempfile.TemporaryDirectory() as tmp:
        journal = _rewritten(str(Path(tmp) / "j"), paths, data)
        raw = bytearray(Path(journal).read_bytes())
        start = raw.index(b"\n") + 1
        for _ in range(data.draw(st.integers(0, 3))):
            raw[data.draw(st.integers(start, len(raw) - 1))] = data.draw(
                st.sampled_from(b"\t\nF0x\\"))
        raw = raw[:data.draw(st.integers(start, len(raw)))]
        Path(journal).write_bytes(bytes(raw))
        # The child's half starts at the first line after the middle: none, no child.
        halves = b"\n" in raw[start + (len(raw) - start) // 2 - 1:]

        def summary(fork_above: int, load: float = 0.0) -> tuple[object, ...]:
            forks = []
            real_fork = os.fork

            def fork() -> int:
                forks.append(1)
                return real_fork()

            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(journal_module, "FORK_ABOVE", fork_above)
                patch.setattr(os, "fork", fork)
                patch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
                patch.setattr(os, "getloadavg", lambda: (load, load, load), raising=False)
                s = JournalSummary(journal)
            return (s.expected, s.rows, s.bad_lines, s.torn, s.withdrawn), len(forks)

        (one, no_fork), (two, forked) = summary(1 << 40), summary(0)
        busy, not_forked = summary(0, load=2.0)  # no CPU idle: one process
        assert no_fork == not_forked == 0 and forked == halves
        assert one == two == busy
