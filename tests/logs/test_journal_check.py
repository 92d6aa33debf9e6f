"""``log LOG --journal FILE``: AWS's log against prepare's journal, with and without the
device."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from manifest_tools.device.journal import JournalRow, read_journal
from manifest_tools.device.prepare import prepare
from manifest_tools.logs.write import LogWriter
from tests.conftest import RunCli
from tests.device.test_preflight import SIGNATURE
from tests.manifests import IMPORT

MANIFEST = (IMPORT + "prefix: in/\n").encode()
BUCKET = "example-import-bucket"

Edit = Callable[[LogWriter, JournalRow], bool]


@pytest.fixture
def prepared(tmp_path: Path) -> tuple[Path, Path, Path, dict[str, JournalRow]]:
    src, dev = tmp_path / "src", tmp_path / "dev"
    for rel, data in {"a.txt": b"alpha\n", "photos/cat.jpg": b"\xff\xd8cat",
                      "photos/dog.jpg": b"\xff\xd8dog", "tab\tname.txt": b"odd name"}.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    dev.mkdir()
    journal = tmp_path / "journal"
    assert prepare(src, dev, MANIFEST, journal, signature=SIGNATURE).clean
    return src, dev, journal, read_journal(str(journal)).rows


def _log(path: Path, rows: dict[str, JournalRow], edit: Edit | None = None) -> Path:
    """The log AWS would write for the device (the SIGNATURE ignored, every file loaded),
    with ``edit`` writing a row its own way when it returns True."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = LogWriter(stream)
        writer.signature(len(SIGNATURE))
        for row in rows.values():
            if edit is None or not edit(writer, row):
                writer.loaded(row.path, f"{BUCKET}/{row.key}", row.md5, row.size)
    return path


def _run(run_cli: RunCli, *args: str) -> tuple[int, dict[str, object]]:
    r = run_cli("log", *args, "--format", "json")
    return r.code, json.loads(r.out)


def _rules(doc: dict[str, object]) -> set[tuple[str, str]]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    return {(f["rule"], f["path"]) for f in findings}


def test_a_clean_job(prepared: tuple[Path, Path, Path, dict[str, JournalRow]], tmp_path: Path,
                     run_cli: RunCli) -> None:
    _src, dev, journal, rows = prepared
    log = _log(tmp_path / "import-log-EX1ID", rows)
    code, doc = _run(run_cli, str(log), "--journal", str(journal))
    assert code == 0, doc
    summary = doc["summary"]
    assert isinstance(summary, dict)
    assert summary["journal"] == {"rows": 4, "matched": 4, "not_compared": 0, "torn": False}
    # All three agree as well.
    code, doc = _run(run_cli, str(log), "--journal", str(journal), "--device", str(dev))
    assert code == 0, doc


def test_every_difference(prepared: tuple[Path, Path, Path, dict[str, JournalRow]],
                          tmp_path: Path, run_cli: RunCli) -> None:
    src, _dev, journal, rows = prepared

    def edit(w: LogWriter, row: JournalRow) -> bool:
        if row.path == "a.txt":  # other bytes reached S3
            w.loaded(row.path, f"{BUCKET}/{row.key}", "0" * 32, row.size)
        elif row.path == "photos/cat.jpg":  # AWS failed it
            w.failed(row.path, "400", "InvalidSubstitution", f"{BUCKET}/{row.key}")
        elif row.path == "photos/dog.jpg":  # never mentioned
            pass
        else:  # a multipart ETag and another key
            w.loaded(row.path, f"{BUCKET}/elsewhere", "0" * 32 + "-2", row.size)
        return True

    log = _log(tmp_path / "import-log-EX1ID", rows, edit)
    with log.open("a", newline="", encoding="utf-8") as stream:
        LogWriter(stream, header=False).loaded("stray.txt", f"{BUCKET}/in/stray.txt",
                                               "1" * 32, 3)
    retry = tmp_path / "retry.txt"
    code, doc = _run(run_cli, str(log), "--journal", str(journal), "--retry", str(retry))
    assert code == 1
    assert _rules(doc) >= {("MT725", "a.txt"), ("MT705", "photos/cat.jpg"),
                           ("MT721", "photos/dog.jpg"), ("MT715", "tab\tname.txt"),
                           ("MT723", "tab\tname.txt"), ("MT722", "stray.txt")}
    # The files to send again, by their source paths (the device may be erased).
    assert retry.read_text().splitlines() == [str(src / "a.txt"), str(src / "photos/cat.jpg"),
                                              str(src / "photos/dog.jpg"),
                                              str(src / "tab\tname.txt")]


def test_device_and_journal_and_log(prepared: tuple[Path, Path, Path, dict[str, JournalRow]],
                                    tmp_path: Path, run_cli: RunCli) -> None:
    _src, dev, journal, rows = prepared
    log = _log(tmp_path / "import-log-EX1ID", rows)
    (dev / "a.txt").write_bytes(b"changed on the device")
    (dev / "photos" / "dog.jpg").unlink()
    (dev / "extra.txt").write_text("by hand")
    code, doc = _run(run_cli, str(log), "--journal", str(journal), "--device", str(dev))
    assert code == 1
    assert _rules(doc) >= {("MT726", "a.txt"), ("MT726", "photos/dog.jpg"),
                           ("MT726", "extra.txt"), ("MT713", "a.txt"),
                           ("MT712", "photos/dog.jpg"), ("MT711", "extra.txt")}


def test_a_torn_last_row_is_ignored(prepared: tuple[Path, Path, Path, dict[str, JournalRow]],
                                    tmp_path: Path, run_cli: RunCli) -> None:
    _src, _dev, journal, rows = prepared
    log = _log(tmp_path / "import-log-EX1ID", rows)
    with journal.open("ab") as f:
        f.write(b"F\tz.txt\tin/z.txt\t12\t")  # a kill in the middle of an append
    code, doc = _run(run_cli, str(log), "--journal", str(journal))
    assert code == 0, doc
    summary = doc["summary"]
    assert isinstance(summary, dict)
    assert summary["journal"]["torn"] is True


def test_a_journal_that_is_not_one(tmp_path: Path, run_cli: RunCli) -> None:
    log = tmp_path / "import-log-EX1ID"
    with log.open("w", newline="", encoding="utf-8") as stream:
        LogWriter(stream).signature(10)
    (tmp_path / "j").write_text("not a journal\n")
    r = run_cli("log", str(log), "--journal", str(tmp_path / "j"))
    assert r.code == 2 and "not a manifest-tools journal" in r.err
    r = run_cli("log", str(log), "--journal", str(tmp_path / "missing"))
    assert r.code == 2 and "no such journal" in r.err


def test_blocks_counted_column_by_column_agree_with_rows(tmp_path: Path) -> None:
    """A log long enough for whole blocks of loaded rows (the reader's Tally, compared
    column by column, no row made): differences inside those blocks (another MD5, another
    size, an upper-case MD5, a key under a leading '/', rows the log lacks) are found as row
    by row, with their line numbers."""
    from manifest_tools.device.journal import JournalHeader, JournalWriter
    from manifest_tools.logs.journal_check import JournalCheck
    from manifest_tools.logs.read import LogReader, Tally

    journal = tmp_path / "journal"
    writer = JournalWriter(str(journal), JournalHeader("/src", "0" * 64), None)
    rows = [JournalRow(f"d{n % 7}/f{n}.bin", f"in/d{n % 7}/f{n}.bin", n, f"{n:032x}", n)
            for n in range(40_000)]
    writer.rows(rows)
    writer.close()
    log = tmp_path / "import-log-EX1ID"
    with log.open("w", newline="", encoding="utf-8") as stream:
        w = LogWriter(stream)
        for row in rows:
            n = row.size
            if n in (17_001, 33_333):
                continue  # never mentioned
            md5 = "f" * 32 if n == 20_000 else row.md5.upper() if n == 25_000 else row.md5
            key = f"/{BUCKET}/{row.key}" if n == 30_000 else f"{BUCKET}/{row.key}"
            w.loaded(row.path, key, md5, n + 1 if n == 22_222 else n)

    def findings(tallies: bool) -> tuple[list[tuple[str, str | None, int]], list[str], int]:
        check = JournalCheck(str(journal))
        made = 0
        with log.open("rb") as stream:
            for batch in LogReader(stream, log.name).counted(tallies=tallies):
                if isinstance(batch, Tally):
                    made += 1
                    check.tally(batch)
                else:
                    check.rows(batch)
        retry = check.finish(False)
        found = sorted((d.rule, d.path, d.line) for d in check.found)
        return found, retry, made if tallies else check.loaded

    by_column, retry, tallies = findings(True)
    by_row, retry_rows, loaded = findings(False)
    assert tallies > 2  # the column path was taken
    assert by_column == by_row and retry == retry_rows
    assert {(rule, path) for rule, path, _ in by_column} == {
        ("MT725", "d1/f20000.bin"), ("MT724", "d4/f22222.bin"), ("MT721", "d5/f17001.bin"),
        ("MT721", "d6/f33333.bin")}
    assert loaded == 40_000 - 2
