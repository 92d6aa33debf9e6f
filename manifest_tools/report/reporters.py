"""The table of reporters for ``validate --format``: name -> renderer and one line of help.

Renderers are pure functions ``(results, options) -> str`` in the module named; a module is
imported only when its format is used (``validate`` starts fast). The CLI's ``--format``
choices and help come from this table, so a new format is one row here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .validate import Renderer


class Reporter(NamedTuple):
    module: str  # in this package
    function: str
    help: str


REPORTERS: dict[str, Reporter] = {
    "text": Reporter("validate", "render_text", "path:line:col: severity RULE message lines "
                     "and a summary"),
    "json": Reporter("validate", "render_json", "one JSON document (a stable API)"),
    "sarif": Reporter("validate", "render_sarif", "SARIF 2.1.0, for GitHub code scanning"),
    "github": Reporter("validate", "render_github", "GitHub Actions annotations"),
    "junit": Reporter("junit", "render_junit", "JUnit XML, for CI test tabs"),
    "gitlab": Reporter("gitlab", "render_gitlab", "GitLab code-quality JSON"),
}


def renderer(name: str) -> Renderer:
    """The renderer of a format of the table (KeyError for another name)."""
    entry = REPORTERS[name]
    module = importlib.import_module(f".{entry.module}", __package__)
    found: Renderer = getattr(module, entry.function)
    return found
