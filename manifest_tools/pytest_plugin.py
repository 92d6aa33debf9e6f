"""The pytest plugin of manifest-tools, registered through the ``pytest11`` entry point:
installing the package is enough.

Fixture ``importexport_server`` (function scope): the local Import/Export service on a
free loopback port for one test (see :func:`manifest_tools.testing.importexport_server`),
with ``AWS_ENDPOINT_URL_IMPORTEXPORT``, ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``
set for that test only, so ``boto3.client("importexport")`` and ``aws importexport`` reach
it unchanged. This module imports nothing heavy: pytest loads it in every run of every
project that has manifest-tools installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .testing import ImportExportServer

# A profile named in the environment would make botocore skip the environment's keys.
_HIDDEN = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


@pytest.fixture
def importexport_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ImportExportServer]:
    """The local Import/Export service for this test, clients pointed at it."""
    from .testing import forget_default_session
    from .testing import importexport_server as serve

    with serve() as server:
        for name in _HIDDEN:
            monkeypatch.delenv(name, raising=False)
        for name, value in server.environment().items():
            monkeypatch.setenv(name, value)
        forget_default_session()
        try:
            yield server
        finally:
            forget_default_session()
