"""The published pre-commit hook (.pre-commit-hooks.yaml), run by pre-commit itself through
``pre-commit try-repo`` on a scratch repository: it installs this package as pre-commit
users get it, finds the manifests by the hook's ``files`` pattern, honours the scratch
repository's configuration and a suppression comment in one file.

Slow (pre-commit builds a virtualenv and pip-installs the package: ~15 s CPU, minutes of
wall clock on a slow index); one run covers every assertion.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import cputime
from tests.manifests import IMPORT

pytestmark = pytest.mark.slow  # pre-commit builds the hook's environment

ROOT = Path(__file__).resolve().parents[2]
# pip could not reach an index: the hook cannot be installed here, which is no finding.
OFFLINE = re.compile(r"NewConnectionError|Temporary failure in name resolution|Network is "
                     r"unreachable|No matching distribution found")


def _pre_commit() -> str:
    found = Path(sys.executable).parent / "pre-commit"
    if found.exists():
        return str(found)
    which = shutil.which("pre-commit")
    if which is None:
        pytest.skip("pre-commit is not installed (it is in the [test] extra: "
                    "pip install -e '.[test]')")
    return which


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   timeout=cputime.BACKSTOP)


def test_hook_through_pre_commit_try_repo(tmp_path: Path) -> None:
    pre_commit = _pre_commit()
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "manifests").mkdir(parents=True)
    # strict: the warning MT304 fails the commit unless a comment accepts it.
    (repo / ".manifest-tools.toml").write_text("strict = true\n")
    odd = IMPORT.replace("bucket: example-import-bucket", "bucket: My_Bucket")
    (repo / "manifests" / "accepted.yaml").write_text(odd.replace(
        "bucket: My_Bucket", "bucket: My_Bucket  # manifest-tools: disable-line=MT304"))
    (repo / "manifests" / "plain.yaml").write_text(odd)
    (repo / "notes.yaml").write_text("not: a manifest\n")  # outside the hook's pattern
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    # PIP_COMPILE=0 (pip's --no-compile): pip does not byte-compile the hook's dependencies
    # (pygments, rich, cryptography...: ~3 of the test's ~15 CPU s); Python compiles what the
    # hook imports when it runs, as on any install without .pyc files.
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1",
           "PIP_COMPILE": "0"}
    run = subprocess.run([pre_commit, "try-repo", str(ROOT), "validate-aws-manifest",
                          "--all-files", "--color", "never"], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=1800, check=False)
    output = run.stdout + run.stderr
    if run.returncode not in (0, 1) and OFFLINE.search(output):
        pytest.skip("pre-commit could not install the hook: no package index reachable")
    assert run.returncode == 1, output
    assert re.search(r"validate AWS Import/Export manifests\.+Failed", output), output
    assert "manifests/plain.yaml:4:9: warning MT304" in output
    assert "accepted.yaml" not in output  # the suppression comment silenced its finding
    assert "notes.yaml" not in output
    assert "2 files checked, failed (--strict): 1 warning, 1 silenced" in output
