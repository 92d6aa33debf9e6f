"""The hardening tests run the CLI in-process too, through the same fixture as tests/cli."""

from tests.cli.conftest import Run, RunCli, run_cli

__all__ = ["Run", "RunCli", "run_cli"]
