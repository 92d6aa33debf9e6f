"""manifest_tools.testing as a user meets it: a test file of their own in an empty folder,
run by pytest in a subprocess, the fixture coming from the installed package's plugin."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from manifest_tools.testing import mock_importexport
from tests import warm

pytestmark = pytest.mark.slow  # pytest runs a user's suite in a subprocess

ROOT = Path(__file__).parents[2]
USER_SUITE = ROOT / "tests" / "fixtures" / "user_suite.py"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("AWS_", "PYTEST_", "PYTHONPATH"))}


@pytest.fixture(scope="module")
def helper() -> Iterator[warm.Warm]:
    """pytest runs forked from a warm interpreter that imported pytest, boto3, the toolkit
    and the installed pytest plugins' modules once (tests/warm.py): each run is still its
    own process that starts pytest, loads the plugins from their entry points and collects
    the suite; a fresh one spent ~2 CPU s on the interpreter and those imports (0.3 s with
    pytest, boto3 and manifest_tools.testing preloaded, 0.1 s with this list)."""
    preload = ["pytest", "boto3", "botocore.exceptions", "hypothesis",
               "_hypothesis_pytestplugin", "xdist.plugin", "xdist.looponfail",
               *warm.modules_of("manifest_tools", skip=("__main__",))]
    with warm.Warm(preload, env=_env()) as started:
        yield started


@dataclass(frozen=True)
class Ran:
    returncode: int | None
    stdout: str
    stderr: str


def _pytest(helper: warm.Warm, folder: Path, *args: str) -> Ran:
    env = _env()
    env["HOME"] = str(folder)  # no ~/.aws of the machine's
    run = helper.start(["-q", "-p", "no:cacheprovider", *args], module="pytest",
                       cpu_seconds=None, env=env, cwd=folder, backstop=300).wait()
    assert not run.hung, run.problem()
    return Ran(run.returncode, run.out, run.err)


def test_a_users_own_suite_passes_with_the_fixture_and_the_mock(helper: warm.Warm,
                                                                tmp_path: Path) -> None:
    shutil.copy(USER_SUITE, tmp_path / "test_user.py")
    run = _pytest(helper, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"^9 passed", run.stdout, re.MULTILINE), run.stdout


def test_the_readmes_examples_run_as_printed(helper: warm.Warm, tmp_path: Path) -> None:
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
    run = _pytest(helper, tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"^4 passed", run.stdout, re.MULTILINE), run.stdout


def test_the_fixture_comes_from_the_plugin(helper: warm.Warm, tmp_path: Path) -> None:
    (tmp_path / "test_fixture.py").write_text(
        "def test_it(importexport_server):\n    assert importexport_server.url\n")
    assert _pytest(helper, tmp_path).returncode == 0
    without = _pytest(helper, tmp_path, "-p", "no:manifest_tools")
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
