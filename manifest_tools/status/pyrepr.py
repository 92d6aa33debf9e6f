"""boto3's ``print(client.get_status(JobId=...))``: the response dict's Python repr.

The repr holds only literals, except ``CreationDate``, which botocore parses into
``datetime.datetime(2015, 5, 27, 18, 58, 21, tzinfo=tzutc())``, and ``ResponseMetadata``
(RequestId, HTTPStatusCode, HTTPHeaders, RetryAttempts), which is not the job's. It is read
from the syntax tree, never evaluated: literals are taken as they are and the one call
allowed is ``datetime.datetime(...)`` with whole-number arguments and a ``tzutc()``,
``tzlocal()`` or ``tzoffset(name, seconds)`` zone. ``pprint`` output (the same repr over
several lines) reads the same way.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from ..diagnostics import Diagnostic, warning
from .members import status_from_mapping
from .model import StatusReading, fail

_START = re.compile(r"\{\s*'(?:JobId|JobType|ResponseMetadata|ProgressCode|LocationCode|"
                    r"Signature|CreationDate|ArtifactList|ErrorCount|Carrier)'\s*:")
# A repr nests four levels (ResponseMetadata -> HTTPHeaders); more is not boto3's.
_MAX_DEPTH = 6


class _NotLiteral(Exception):
    """A node that is neither a literal nor the one datetime call a repr holds."""


def looks_like_repr(text: str) -> bool:
    return _START.match(text.lstrip()) is not None


def _zone(node: ast.expr | None, notes: list[str]) -> timezone | None:
    if node is None:
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
        name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
        if name == "tzutc" and not node.args:
            return UTC
        if name == "tzlocal" and not node.args:
            notes.append("CreationDate was printed in the local zone of the machine that ran "
                         "boto3 (tzlocal()); kept without an offset")
            return None
        if name == "tzoffset" and len(node.args) == 2:
            seconds = _literal(node.args[1], 1, notes)
            if isinstance(seconds, int) and not isinstance(seconds, bool):
                return timezone(timedelta(seconds=seconds))
    raise _NotLiteral


def _datetime(node: ast.Call, notes: list[str]) -> str:
    """``datetime.datetime(y, m, d, H, M, S[, us], tzinfo=...)`` as ISO 8601 text, as the
    AWS CLI v2 prints a timestamp (``2015-05-27T18:58:21+00:00``)."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "datetime"
            and isinstance(func.value, ast.Name) and func.value.id == "datetime") and \
            not (isinstance(func, ast.Name) and func.id == "datetime"):
        raise _NotLiteral
    numbers = [_literal(a, 1, notes) for a in node.args]
    if not 3 <= len(numbers) <= 7 or not all(isinstance(n, int) and not isinstance(n, bool)
                                             for n in numbers):
        raise _NotLiteral
    tz = None
    for keyword in node.keywords:
        if keyword.arg != "tzinfo":
            raise _NotLiteral
        tz = _zone(keyword.value, notes)
    try:
        return datetime(*numbers, tzinfo=tz).isoformat()  # type: ignore[misc]
    except (ValueError, OverflowError, TypeError):
        raise _NotLiteral from None


def _literal(node: ast.expr, depth: int, notes: list[str]) -> Any:
    if depth > _MAX_DEPTH:
        raise _NotLiteral
    if (isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool)) \
            or (isinstance(node, ast.Constant) and node.value is None):
        return node.value
    if isinstance(node, ast.Dict):
        out: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                raise _NotLiteral  # {**spread}
            out[_literal(key, depth + 1, notes)] = _literal(value, depth + 1, notes)
        return out
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(item, depth + 1, notes) for item in node.elts]
    if isinstance(node, ast.Call):
        return _datetime(node, notes)
    raise _NotLiteral


def read_repr(text: str) -> StatusReading:
    """Read the repr (see the module docstring); MT501 when it is not one."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        fail(f"looks like a Python dict (boto3's print of get_status) but is not one: "
             f"{getattr(exc, 'msg', None) or type(exc).__name__}")
    notes: list[str] = []
    try:
        obj = _literal(tree.body, 0, notes)
    except (_NotLiteral, RecursionError, TypeError):  # TypeError: a list as a dict key
        fail("looks like a Python dict (boto3's print of get_status) but holds something "
             "other than literals and datetime.datetime(...)")
    if not isinstance(obj, dict):
        fail("the Python value is not a dict; expected boto3's get_status response")
    status, diags = status_from_mapping({k: v for k, v in obj.items() if isinstance(k, str)})
    found: list[Diagnostic] = [warning("MT503", note, pointer="/CreationDate")
                               for note in notes]
    return StatusReading(status, "python", (*found, *diags), ())
