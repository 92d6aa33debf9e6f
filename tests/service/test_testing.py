"""manifest_tools.testing as a user meets it: a test file of their own in an empty folder,
run by pytest in a subprocess, the fixture coming from the installed package's plugin."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from manifest_tools.testing import mock_importexport

ROOT = Path(__file__).parents[2]
USER_SUITE = ROOT / "tests" / "fixtures" / "user_suite.py"


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "PYTEST_", "PYTHONPATH"))}
    env["HOME"] = str(folder)  # no ~/.aws of the machine's
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_a_users_own_suite_passes_with_the_fixture_and_the_mock(tmp_path: Path) -> None:
    shutil.copy(USER_SUITE, tmp_path / "test_user.py")
    run = _pytest(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"^9 passed", run.stdout, re.MULTILINE), run.stdout


def test_the_readmes_examples_run_as_printed(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Testing your own code"):
                     readme.index("## CI, pre-commit and the shell")]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 3
    for number, block in enumerate(blocks):
        assert len([line for line in block.splitlines() if line.strip()]) <= 15, block
        (tmp_path / f"test_readme_{number}.py").write_text(block)
    (tmp_path / "manifest.yaml").write_text((ROOT / "samples" / "valid" / "s3-import.yaml")
                                            .read_text().replace("AKIA2E0A8F3B244C9986",
                                                                 "ACCESS_KEY_ID"))
    run = _pytest(tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"^4 passed", run.stdout, re.MULTILINE), run.stdout


def test_the_fixture_comes_from_the_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_fixture.py").write_text(
        "def test_it(importexport_server):\n    assert importexport_server.url\n")
    assert _pytest(tmp_path).returncode == 0
    without = _pytest(tmp_path, "-p", "no:manifest_tools")
    assert without.returncode == 1 and "fixture 'importexport_server' not found" in \
        without.stdout


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_mock_answers_only_while_active_and_restores_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import EndpointConnectionError

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    url = f"http://127.0.0.1:{_closed_port()}"
    config = Config(retries={"max_attempts": 1}, connect_timeout=5)
    with mock_importexport() as mock:
        assert os.environ["AWS_ACCESS_KEY_ID"] == mock.access_key_id
        client = boto3.client("importexport", endpoint_url=url, region_name="us-east-1",
                              config=config)
        assert client.list_jobs()["Jobs"] == []  # answered in-process: nothing listens
        with mock_importexport() as inner:  # the innermost mock answers; it has no jobs
            assert inner.access_key_id == mock.access_key_id
    assert "AWS_ACCESS_KEY_ID" not in os.environ
    with pytest.raises(EndpointConnectionError):
        client.list_jobs()
