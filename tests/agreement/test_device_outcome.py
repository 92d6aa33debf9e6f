"""preflight, the service's dock and log --device agree on what happens to every device entry.

Generated device trees (hypothesis, a bounded number of examples) go through the three
commands' library entry points: ``run_preflight`` (what ``preflight --keys`` writes), the
dock's ``receive`` (what ``service receive`` logs) and ``reconcile`` (what ``log --device``
reports). The predicted outcome of each entry must be the dock's log row, and the dock's own
log of the untouched device must reconcile with no difference (only the log's own failed
rows, MT705). The trees hold names that a substitution empties (a segment or the whole key),
prefixes and substitutions that add leading, trailing or doubled slashes, symbolic links,
FIFOs, empty files, keys over 1,024 bytes, ignore patterns and names that differ only in
case. The issue's own case (``prefix: imports/``, ``substitutions: {"drafts": ""}``, a
symlink and a FIFO) also runs through the real commands (subprocesses).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_tools.device.keys import KeyRules
from manifest_tools.device.preflight import KeyRow, run_preflight
from manifest_tools.logs.model import LogRow
from manifest_tools.logs.read import LogReader
from manifest_tools.logs.reconcile import reconcile
from manifest_tools.manifest.parse import parse_manifest
from manifest_tools.service.dock import receive
from manifest_tools.service.store import Job, Store
from tests import warm

from .conftest import BUCKET, import_manifest, new_job

# What the import log says for each --keys outcome (README, "Preflight decisions" and the
# dock's decisions): written here from the documentation, not read from the code.
LOGGED = {
    "MT605": ("400", "InvalidObjectName"),
    "MT606": ("400", "EntityTooLarge"),
    "MT607": ("400", "KeyTooLongError"),
    "MT609": ("400", "InvalidSubstitution"),
    "MT618": ("400", "IncompleteBody"),
}
LONG = "L" * 250  # five of them make a key over 1,024 bytes
NAMES = ["drafts", "a", "A", "b.txt", "B.TXT", "x.bak", "notes~", "photo.jpg", LONG]
PREFIXES = ["", "imports/", "imports", "/", "p//"]
SUBSTITUTIONS = [{}, {"drafts": ""}, {"a": ""}, {"b.txt": ""}, {"drafts": "/"},
                 {"/": ""}, {"a": "A"}, {"drafts/": "", "x": "y"}, {"imports": ""}]
IGNORES = [[], [r".*\.bak$"], ["^drafts/"], ["~$", "^a$"], [r"\.TXT$"]]


def _manifest(prefix: str, substitutions: dict[str, str], ignore: list[str]) -> bytes:
    extra = f'prefix: "{prefix}"\n' if prefix else ""
    if substitutions:
        extra += "substitutions:\n" + "".join(f'  "{k}": "{v}"\n'
                                              for k, v in substitutions.items())
    if ignore:
        extra += "ignore:\n" + "".join(f"  - '{p}'\n" for p in ignore)
    return import_manifest(extra)


entries = st.lists(
    st.tuples(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5),
              st.sampled_from(["file", "empty", "symlink", "fifo"])),
    min_size=1, max_size=12)


def _build(root: Path, tree: Iterable[tuple[list[str], str]]) -> None:
    root.mkdir()
    for parts, kind in tree:
        path = root.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            continue  # a file already holds that folder's name
        if path.exists() or path.is_symlink():
            continue
        if kind == "file":
            path.write_bytes(b"data of " + "/".join(parts).encode())
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "symlink":
            path.symlink_to("target-that-is-not-followed")
        else:
            os.mkfifo(path)


def _predicted(root: Path, manifest: bytes) -> list[KeyRow]:
    rows: list[KeyRow] = []
    run_preflight(root, manifest, "m.yaml", on_rows=rows.extend)
    return rows


def _log_path(store: Store, job: Job) -> Path:
    refreshed = store.job_by_id(job.job_id)
    assert refreshed is not None and refreshed.log_key is not None
    return Path(store.data_dir, "buckets", str(refreshed.log_bucket), refreshed.log_key)


def _logged(path: Path) -> list[LogRow]:
    with path.open("rb") as stream:
        reader = LogReader(stream, path.name)
        rows = list(reader)
    assert reader.diagnostics == []
    return rows


def _expected(row: KeyRow) -> tuple[str, str, str, str]:
    """The log row (file, status, code, key) a --keys row predicts."""
    path, key, _, action, reason = row
    if action == "import":
        return path, "200", "OK", f"{BUCKET}/{key}"
    if action == "ignored":
        return path, "103", "Ignored", ""
    status, code = LOGGED[reason]
    return path, status, code, f"{BUCKET}/{key}" if key else ""


def _agree(work: Path, manifest: bytes, tree: Iterable[tuple[list[str], str]]) -> None:
    device = work / "device"
    _build(device, tree)
    store, job = new_job(work / "data", manifest)
    (device / "SIGNATURE").write_text(job.signature_file)
    predicted = _predicted(device, manifest)
    receipt = receive(store, job.job_id, str(device))
    assert receipt.progress_code in ("Success", "SuccessWithErrors")
    log = _log_path(store, job)
    logged = [(r.relpath, r.status, r.code, r.key) for r in _logged(log)]
    assert logged == [_expected(row) for row in predicted]
    # log --device over the dock's own log and the untouched device: no difference.
    with log.open("rb") as stream:
        result = reconcile(LogReader(stream, log.name), device=str(device),
                           rules=KeyRules.read(parse_manifest(manifest).data),
                           error_count=receipt.errors)
    refused = {row[0] for row in predicted if row[3] == "skipped"}
    assert [(d.rule, d.path) for d in result.findings] == [
        ("MT705", p) for p, *_ in logged if p in refused]
    store.close()


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(tree=entries, prefix=st.sampled_from(PREFIXES),
       substitutions=st.sampled_from(SUBSTITUTIONS), ignore=st.sampled_from(IGNORES))
def test_preflight_dock_and_log_agree(tree: list[tuple[list[str], str]], prefix: str,
                                      substitutions: dict[str, str], ignore: list[str]
                                      ) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _agree(Path(tmp), _manifest(prefix, substitutions, ignore), tree)


ISSUE_TREE = [(["drafts", "b.txt"], "file"), (["notes.txt"], "file"),
              (["link"], "symlink"), (["pipe"], "fifo"), (["empty.txt"], "empty")]


def test_the_issues_case_in_process(tmp_path: Path) -> None:
    """prefix imports/ + {"drafts": ""}: drafts/b.txt would be imports//b.txt: refused by
    all three (the dock imported it with 200 OK); the symlink and FIFO are 103 Ignored and
    agreed by log --device (it said MT718)."""
    _agree(tmp_path, _manifest("imports/", {"drafts": ""}, []), ISSUE_TREE)


def _tool(*args: str) -> warm.ToolRun:
    return warm.tool(*args, backstop=120)


def test_the_issues_case_through_the_commands(tmp_path: Path) -> None:
    manifest = _manifest("imports/", {"drafts": ""}, [])
    device = tmp_path / "device"
    _build(device, ISSUE_TREE)
    store, job = new_job(tmp_path / "data", manifest)
    store.close()
    (device / "SIGNATURE").write_text(job.signature_file)
    (tmp_path / "m.yaml").write_bytes(manifest)
    keys = tmp_path / "keys.csv"
    pre = _tool("preflight", str(device), "--manifest", str(tmp_path / "m.yaml"),
                "--keys", str(keys))
    assert pre.returncode == 1, pre.stdout + pre.stderr  # MT609 is an error
    rows = {line.split(",")[0]: line for line in keys.read_text().splitlines()[1:]}
    assert rows["drafts/b.txt"] == "drafts/b.txt,imports//b.txt,20,skipped,MT609"
    assert rows["link"] == "link,,0,ignored,MT617"
    assert rows["pipe"] == "pipe,,0,ignored,MT617"
    received = _tool("service", "receive", job.job_id, str(device), "--data",
                     str(tmp_path / "data"))
    assert received.returncode == 1 and "SuccessWithErrors" in received.stdout, (
        received.stdout + received.stderr)
    log = _log_path(Store(str(tmp_path / "data")), job)
    by_file = {r.relpath: r for r in _logged(log)}
    assert (by_file["drafts/b.txt"].status, by_file["drafts/b.txt"].code) == (
        "400", "InvalidSubstitution")
    assert [(by_file[n].status, by_file[n].code) for n in ("link", "pipe")] == [
        ("103", "Ignored")] * 2
    checked = _tool("log", str(log), "--device", str(device), "--manifest",
                    str(tmp_path / "m.yaml"), "--format", "json")
    assert checked.returncode == 1, checked.stderr  # the refused file is a failed row
    found = [(f["rule"], f["path"]) for f in json.loads(checked.stdout)["findings"]]
    assert found == [("MT705", "drafts/b.txt")]

