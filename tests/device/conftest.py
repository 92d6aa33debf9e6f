"""The CLI fixture for the device tests (defined in tests/cli/conftest.py)."""

from tests.cli.conftest import run_cli

__all__ = ["run_cli"]
