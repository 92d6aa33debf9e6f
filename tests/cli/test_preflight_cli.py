"""``manifest-tools preflight`` through the real entry point: exit codes, text and JSON,
the --keys CSV, --status, --strict, and the validate hook for ignore patterns."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests import cputime
from tests.conftest import RunCli
from tests.device.test_preflight import BASE, SIGNATURE, device, status_json


def manifest(tmp_path: Path, extra: str = "") -> str:
    path = tmp_path / "m.yaml"
    path.write_text(BASE + extra)
    return str(path)


def test_clean_rehearsal_exits_0_with_summary(tmp_path: Path, run_cli: RunCli) -> None:
    root = device(tmp_path / "dev", {"a/b.txt": b"12", "c.txt": b"3"})
    r = run_cli("preflight", str(root), "--manifest", manifest(tmp_path))
    assert r.code == 0, r.err
    assert "3 files" in r.out and "2 keys, 1 ignored, 0 skipped" in r.out
    assert "MT603" in r.out  # a folder, not a mount root: a warning
    assert r.out.rstrip().endswith("result: ok")
    strict = run_cli("preflight", str(root), "--manifest", manifest(tmp_path), "--strict")
    assert strict.code == 1
    assert strict.out.rstrip().endswith("result: FAILED")


def test_findings_exit_1_and_json_shape(tmp_path: Path, run_cli: RunCli) -> None:
    root = device(tmp_path / "dev", {"a b": b"1", "a_b": b"2"}, signature=False)
    r = run_cli("preflight", str(root), "--manifest",
                manifest(tmp_path, "substitutions:\n  ' ': _\n"), "--format", "json")
    assert r.code == 1
    doc = json.loads(r.out)
    assert set(doc) >= {"device", "manifest", "summary", "findings"}
    assert doc["summary"] == {"files": 2, "bytes": 2, "keys": 2, "ignored": 0, "skipped": 0}
    assert {f["rule"] for f in doc["findings"]} == {"MT601", "MT603", "MT608"}
    for f in doc["findings"]:
        assert set(f) == {"rule", "severity", "message", "path", "hint"}


def test_keys_csv_in_walk_order(tmp_path: Path, run_cli: RunCli) -> None:
    root = device(tmp_path / "dev", {"b/x.bak": b"1", "a,\"q\".txt": b"22", "c": b""})
    out = tmp_path / "keys.csv"
    r = run_cli("preflight", str(root), "--manifest",
                manifest(tmp_path, "prefix: p/\nignore:\n  - \\.bak$\n"), "--keys", str(out))
    assert r.code == 0, r.out
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["path", "key", "bytes", "action", "reason"],
        ["SIGNATURE", "p/SIGNATURE", str(len(SIGNATURE)), "ignored", "signature"],
        ['a,"q".txt', 'p/a,"q".txt', "2", "import", ""],
        ["b/x.bak", "p/b/x.bak", "1", "ignored", "ignore:\\.bak$"],
        ["c", "p/c", "0", "import", ""],
    ]
    assert not list(tmp_path.glob("keys.csv.*.tmp"))


def test_keys_file_inside_the_device_is_refused(tmp_path: Path, run_cli: RunCli) -> None:
    root = device(tmp_path / "dev", {"a": b"1"})
    before = sorted(p.name for p in root.iterdir())
    r = run_cli("preflight", str(root), "--manifest", manifest(tmp_path), "--keys",
                str(root / "keys.csv"))
    assert r.code == 2
    assert "never writes to the device" in r.err
    assert sorted(p.name for p in root.iterdir()) == before


def test_status_option(tmp_path: Path, run_cli: RunCli) -> None:
    root = device(tmp_path / "dev", {"a": b"1"})
    status = tmp_path / "status.json"
    status.write_bytes(status_json(BASE))
    ok = run_cli("preflight", str(root), "--manifest", manifest(tmp_path), "--status",
                 str(status))
    assert ok.code == 0, ok.out
    status.write_bytes(status_json(BASE, SIGNATURE.replace(b"EX1ID", b"EX2ID")))
    bad = run_cli("preflight", str(root), "--manifest", manifest(tmp_path), "--status",
                  str(status))
    assert bad.code == 1
    assert "MT619" in bad.out and "device-file-matches" in bad.out
    status.write_bytes(status_json(BASE + "generator: other\n"))
    bad = run_cli("preflight", str(root), "--manifest", manifest(tmp_path), "--status",
                  str(status))
    assert bad.code == 1
    assert "MT619" in bad.out and "manifest-matches" in bad.out


def test_status_with_a_symlinked_signature_goes_through_the_one_reader(
        tmp_path: Path, run_cli: RunCli) -> None:
    root = device(tmp_path / "dev", {"real": SIGNATURE}, signature=False)
    (root / "SIGNATURE").symlink_to("real")
    status = tmp_path / "status.json"
    status.write_bytes(status_json(BASE))
    r = run_cli("preflight", str(root), "--manifest", manifest(tmp_path), "--status",
                str(status))
    assert r.code == 1
    assert "MT619" in r.out and "symbolic link" in r.out


def test_cannot_run_exits_2(tmp_path: Path, run_cli: RunCli) -> None:
    r = run_cli("preflight", str(tmp_path / "missing"), "--manifest", manifest(tmp_path))
    assert r.code == 2
    assert "Traceback" not in r.err
    glacier = Path(__file__).parents[2] / "samples/valid/glacier-import.yaml"
    r = run_cli("preflight", str(tmp_path), "--manifest", str(glacier))
    assert r.code == 2
    assert "S3 import and S3 export" in r.err
    r = run_cli("preflight", str(tmp_path))
    assert r.code == 2  # --manifest is required


def test_no_progress_when_not_a_terminal(tmp_path: Path, run_cli: RunCli) -> None:
    root = device(tmp_path / "dev", {"a": b"1"})
    r = run_cli("preflight", str(root), "--manifest", manifest(tmp_path))
    assert r.err == ""  # stderr is not a TTY here: no progress display
    r = run_cli("preflight", str(root), "--manifest", manifest(tmp_path), "--no-progress")
    assert r.err == ""


def test_validate_reports_unusable_ignore_pattern_located(tmp_path: Path,
                                                          run_cli: RunCli) -> None:
    path = manifest(tmp_path, "ignore:\n  - ok$\n  - '(bad'\n  - \\p{IsLatin}\n")
    r = run_cli("validate", path)
    assert r.code == 1
    lines = [line for line in r.out.splitlines() if "MT611" in line]
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:16:5: error MT611")
    assert lines[1].startswith(f"{path}:17:5: error MT611")
    assert "no Python equivalent" in lines[1]


def test_text_output_shows_hostile_names_escaped(tmp_path: Path, run_cli: RunCli) -> None:
    import os

    root = device(tmp_path / "dev", {"new\nline": b"1", "\x1b[31mred": b"2"})
    os.close(os.open(os.fsencode(root) + b"/bad\xff", os.O_CREAT | os.O_WRONLY))
    r = run_cli("preflight", str(root), "--manifest", manifest(tmp_path))
    assert r.code == 1
    assert "\x1b" not in r.out
    assert "new\\nline: warning MT610" in r.out
    assert "bad\\xff: error MT605" in r.out
    assert all(line.isprintable() for line in r.out.splitlines())


def test_csv_lines_match_the_csv_module() -> None:
    import io

    from manifest_tools.report.preflight import csv_header, csv_lines

    rows = [("a/b.txt", "p/a/b.txt", 3, "import", ""),
            ('q"uote', 'p/q"uote', 0, "import", ""),
            ("comma,name", "p/comma,name", 1, "ignored", "ignore:,$"),
            ("new\\nline", "p/new\nline", 2, "import", ""),
            ("cr", "p/c\rr", 2, "import", ""),
            ("bad\\xff", "", 5, "skipped", "MT605")]
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(["path", "key", "bytes", "action", "reason"])
    writer.writerows(rows)
    assert csv_header() + csv_lines(rows) == expected.getvalue()


def test_csv_lines_of_plain_and_mixed_batches_match_the_csv_module() -> None:
    """A batch is written whole when every row is plain; one row needing quotes (anywhere
    in the batch, with a field of commas that alone would make up the count) sends each row
    through its own check, and every output matches the csv module's."""
    import io

    from manifest_tools.report.preflight import csv_lines

    plain = [(f"d/f{i}.jpg", f"p/d/f{i}.jpg", i, "import", "") for i in range(5)]
    batches = [plain, [*plain, ("a,b,c,d", "k", 1, "import", "")],
               [("x", "p/x", 1, "ignored", "ignore:\\.x$"), *plain], [], iter(plain)]
    for rows in batches:
        rows = list(rows)
        expected = io.StringIO()
        csv.writer(expected, lineterminator="\n").writerows(rows)
        assert csv_lines(rows) == expected.getvalue()
        assert csv_lines(iter(rows)) == expected.getvalue()


def test_progress_is_drawn_on_a_terminal_only(tmp_path: Path) -> None:
    """stderr on a pseudo-terminal: the progress display appears there, and never in stdout
    or the CSV; --no-progress turns it off."""
    import os
    import pty
    import subprocess
    import sys

    root = device(tmp_path / "dev", {f"d{n}/f{m}": b"x" for n in range(3) for m in range(3)})

    def run(*extra: str) -> tuple[bytes, bytes]:
        master, slave = pty.openpty()
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "manifest_tools", "preflight", str(root), "--manifest",
                 manifest(tmp_path), "--keys", str(tmp_path / "k.csv"), *extra],
                stdout=subprocess.PIPE, stderr=slave, timeout=cputime.BACKSTOP, check=False,
                env={**os.environ, "TERM": "xterm", "COLUMNS": "100"})
        finally:
            os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            shown += chunk
        os.close(master)
        assert proc.returncode == 0, proc.stdout
        return proc.stdout, shown

    out, terminal = run()
    assert b"files/s" in terminal
    assert b"files/s" not in out
    assert b"files/s" not in (tmp_path / "k.csv").read_bytes()
    _, quiet = run("--no-progress")
    assert b"files/s" not in quiet


def test_manifest_findings_carry_the_manifests_place(tmp_path: Path, run_cli: RunCli) -> None:
    """Located in the manifest (source, line, column), not pasted into the message and not
    attached to the device root."""
    root = device(tmp_path / "dev", {"a": b"1"})
    path = manifest(tmp_path, "ignore:\n  - \\p{L}\n")
    text = Path(path).read_text().replace("eraseDevice: yes", "eraseDevice: maybe")
    Path(path).write_text(text)
    line = text.splitlines().index("eraseDevice: maybe") + 1
    r = run_cli("preflight", str(root), "--manifest", path)
    assert f"{path}:{line}:14: error MT202 eraseDevice: 'maybe'" in r.out, r.out
    r = run_cli("preflight", str(root), "--manifest", path, "--format", "json")
    found = {f["rule"]: f for f in json.loads(r.out)["findings"]}
    assert {k: found["MT202"][k] for k in ("source", "line", "column", "path")} == {
        "source": path, "line": line, "column": 14, "path": None}
    assert not found["MT611"]["message"].startswith(path)
    assert found["MT611"]["source"] == path and found["MT611"]["line"] > line
