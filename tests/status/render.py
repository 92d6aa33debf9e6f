"""Render a get-status response exactly as the AWS CLI prints it (test helper).

Text and JSON use the CLI's own formatters from the installed awscli (v1) package. CLI v2,
which alone has ``--output yaml``, is not on PyPI, so its YAML is emulated here the way v2
does it: ruamel.yaml, keys sorted, strings holding newlines, CRs or TABs as double-quoted
scalars (escapes), the v2 ``yaml-stream`` form as a one-item list.
"""

from __future__ import annotations

import io
from argparse import Namespace
from typing import Any


def render_text(response: dict[str, Any]) -> str:
    """``--output text``: the CLI's TextFormatter (drops ResponseMetadata, then format_text)."""
    from awscli.formatter import TextFormatter

    stream = io.StringIO()
    TextFormatter(Namespace(query=None))("get-status", dict(response), stream)
    return stream.getvalue()


def render_json(response: dict[str, Any]) -> str:
    """``--output json``: the CLI's JSONFormatter (drops ResponseMetadata, indent 4)."""
    from awscli.formatter import JSONFormatter

    stream = io.StringIO()
    JSONFormatter(Namespace(query=None))("get-status", dict(response), stream)
    return stream.getvalue()


def render_yaml(response: dict[str, Any], stream_form: bool = False) -> str:
    """CLI v2 ``--output yaml`` (or ``yaml-stream``), emulated with ruamel.yaml."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    def prepare(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: prepare(node[k]) for k in sorted(node) if k != "ResponseMetadata"}
        if isinstance(node, list):
            return [prepare(v) for v in node]
        if isinstance(node, str) and any(ch in node for ch in "\n\r\t"):
            return DoubleQuotedScalarString(node)
        return node

    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 1 << 16  # v2 does not fold long lines
    data = prepare(response)
    stream = io.StringIO()
    yaml.dump([data] if stream_form else data, stream)
    return stream.getvalue()


def expand_tabs(text: str, indent: int = 4) -> str:
    """A documentation copy: TABs expanded at 8 columns, every line indented."""
    return "".join(" " * indent + line.expandtabs(8) for line in text.splitlines(True))


def collapse_tabs(text: str, indent: int = 4) -> str:
    """A documentation copy: each TAB collapsed to one space, every line indented."""
    return "".join(" " * indent + line.replace("\t", " ") for line in text.splitlines(True))
