"""Fixtures for every test: the real console entry point (``cli.app.main``) run in-process."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from manifest_tools.cli.app import main
from tests import cputime, warm

# Hypothesis's own wall-clock checks (a 200 ms deadline per example, the too_slow health
# check) fail on a busy machine without anything being wrong: off for every property test.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

# A test that uses one of these fixtures is slow (a real service process, a real file system)
# without saying so; every other slow test carries @pytest.mark.slow (or a module's pytestmark).
SLOW_FIXTURES = frozenset({"service", "aws", "ext4"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    # Longest work first, so that no worker starts a long unit while the other has finished:
    # the xdist groups (one worker each: the hostile inputs, the packaging builds), then the
    # slow tests, then the rest; a stable sort keeps each class in collection order (the
    # same on every worker, as xdist requires).
    items.sort(key=_start_order)


def _start_order(item: pytest.Item) -> int:
    if item.get_closest_marker("xdist_group") is not None:
        return 0
    return 1 if item.get_closest_marker("slow") is not None else 2


def grouping_lost(item: pytest.Item) -> bool:
    """True for an item marked ``xdist_group`` whose node id lacks the ``@group`` suffix on
    an xdist worker under ``--dist loadgroup`` (xdist sets ``config.option.loadgroup`` there).

    loadgroup sends a group to one worker only through that suffix, which pytest-xdist's
    worker appends to ``item._nodeid`` at collection. pytest 9.2 keeps node ids elsewhere
    (``Node._id``), so the suffix silently vanished and each group's module fixture (the
    hostile inputs: ~70 CPU s) was built on both workers at once (pytest-dev/pytest-xdist#1386).
    pyproject caps pytest below 9.2; this check fails the grouped tests on the next such break
    instead of leaving a suite that is merely slower."""
    return (bool(getattr(item.config.option, "loadgroup", False))
            and item.get_closest_marker("xdist_group") is not None and "@" not in item.nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before the item's fixtures: a lost group must not start its expensive fixture twice.
    if grouping_lost(item):
        pytest.fail(f"--dist loadgroup: {item.nodeid} is marked xdist_group but has no @group "
                    "suffix, so its group is spread over the workers (pytest-xdist cannot group "
                    "with this pytest: pytest-dev/pytest-xdist#1386); install the versions "
                    "pyproject.toml names", pytrace=False)


# PYTEST_CPU_REPORT=FOLDER: each test's CPU seconds (user + system of the worker and all its
# descendants, cputime.tree_cpu, over setup, call and teardown: a module fixture's cost lands
# on its first test) and wall seconds go to FOLDER/<worker>.jsonl, each worker's total
# (collection included) to FOLDER/<worker>.total; the run's end prints the 20 most expensive.
# For finding what to make cheaper by hand (see README, Development), never asserted on.
CPU_REPORT = os.environ.get("PYTEST_CPU_REPORT", "")


def _worker(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else "main"


if CPU_REPORT:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
        cpu, wall = cputime.tree_cpu(), time.perf_counter()
        yield
        line = {"test": item.nodeid, "cpu": round(cputime.tree_cpu() - cpu, 3),
                "wall": round(time.perf_counter() - wall, 3)}
        folder = Path(CPU_REPORT)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{_worker(item.config)}.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")

    def pytest_sessionfinish(session: pytest.Session) -> None:
        folder = Path(CPU_REPORT)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{_worker(session.config)}.total").write_text(f"{cputime.tree_cpu():.2f}\n")

    def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
        folder = Path(CPU_REPORT)
        rows = [json.loads(line) for f in sorted(folder.glob("*.jsonl"))
                for line in f.read_text().splitlines()]
        totals = {f.stem: float(f.read_text()) for f in folder.glob("*.total")}
        write = terminalreporter.write_line
        write(f"PYTEST_CPU_REPORT: {len(rows)} tests, {sum(r['cpu'] for r in rows):.1f} CPU s in "
              f"tests; process totals {totals}")
        for key in ("cpu", "wall"):
            write(f"the 20 highest by {key} (cpu s, wall s, test):")
            for row in sorted(rows, key=lambda r: -r[key])[:20]:
                write(f"  {row['cpu']:7.2f} {row['wall']:7.2f}  {row['test']}")


@pytest.fixture(scope="session", autouse=True)
def _close_warm_cli() -> Iterator[None]:
    # warm.cli() starts on first use (plain functions use it: warm.tool, the service tests'
    # start_service); it ends here, so it never outlives the run.
    yield
    warm.close_cli()


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


RunCli = Callable[..., Run]


@pytest.fixture
def run_cli() -> RunCli:
    def _run(*argv: str, input: bytes | str | None = None,
             env: Mapping[str, str | None] | None = None) -> Run:
        runner = CliRunner()
        with runner.isolation(input=input, env=dict(env or {})) as streams:
            try:
                main(list(argv))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            else:  # pragma: no cover - main always exits
                code = -1
            out = streams[0].getvalue().decode("utf-8")
            err = streams[1].getvalue().decode("utf-8")
        return Run(code, out, err)

    return _run
