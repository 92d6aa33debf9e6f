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


def render_table(response: dict[str, Any], width: int = 80, color: bool = False,
                 title: str = "GetStatus") -> str:
    """``--output table``: the CLI's TableFormatter on a terminal ``width`` columns wide.

    80 is what the CLI assumes when stdout is not a terminal (a redirect); the CLI passes the
    operation name as the title. awscli's MultiTable never stores a width it is given, so
    the width is set the way determine_terminal_width() would have found it.
    """
    from awscli.formatter import TableFormatter

    formatter = TableFormatter(Namespace(query=None, color="on" if color else "off"))
    formatter.table._terminal_width = width
    stream = io.StringIO()
    formatter(title, dict(response), stream)
    return stream.getvalue()


def console_crlf(text: str) -> str:
    """What a Windows console makes of the CLI's output: every LF becomes CR LF."""
    return text.replace("\n", "\r\n")


def powershell_redirect(text: str) -> bytes:
    """Windows PowerShell 5.1 ``aws ... > status.txt``: UTF-16LE with a BOM, CR LF."""
    return b"\xff\xfe" + console_crlf(text).encode("utf-16-le")


def renderings(response: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, form read back, text) for every way the CLI prints ``response``."""
    return [
        ("text", "text", render_text(response)),
        ("json", "json", render_json(response)),
        ("yaml", "yaml", render_yaml(response)),
        ("yaml-stream", "yaml", render_yaml(response, stream_form=True)),
        ("table-80", "table", render_table(response, 80)),
        ("table-wide", "table", render_table(response, 100_000)),
        ("table-color", "table", render_table(response, 100_000, color=True)),
    ]


def windows_variants(text: str) -> list[tuple[str, bytes]]:
    """The bytes a user ends up with on each platform, for one rendering."""
    return [
        ("posix", text.encode("utf-8")),
        ("console-crlf", console_crlf(text).encode("utf-8")),
        ("powershell-5.1", powershell_redirect(text)),
        ("utf-16le-no-bom", console_crlf(text).encode("utf-16-le")),
        ("utf-8-bom", b"\xef\xbb\xbf" + console_crlf(text).encode("utf-8")),
    ]
