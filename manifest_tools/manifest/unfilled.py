"""Which values nobody filled in: ``init``'s CHANGE-ME and AWS's template placeholders.

AWS's manifest templates and Web Service Tool forms mark what to fill in as ``[Your name]``,
``<bucket name>``, ``{bucket}`` or ``***``. A property of the parsed values, read by the
placeholder rule (MT208, :mod:`.placeholders`) and by the rules that stay silent about such
a value (``Manifest.unfilled``); no rule writes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..aws import PLACEHOLDER
from ..diagnostics import pointer_join

_TEMPLATE = r"\[[^\]]*\]|<[^<>]+>|\{[^{}]*\}|\*{2,}.*"
# Each form of _TEMPLATE starts with one of these: other values are not matched against it.
_TEMPLATE_STARTS = ("[", "<", "{", "*")
_CHANGE_ME = PLACEHOLDER.lower()


def is_placeholder(value: str) -> bool:
    text = value.strip()
    return _CHANGE_ME in text.lower() or (
        text.startswith(_TEMPLATE_STARTS)
        and re.fullmatch(_TEMPLATE, text, re.DOTALL) is not None)


def text_values(data: Any, pointer: str = "") -> Iterator[tuple[str, list[str | int], str]]:
    """Every text value with its pointer and path (no recursion needed: three levels)."""
    stack: list[tuple[Any, str, list[str | int]]] = [(data, pointer, [])]
    while stack:
        node, at, path = stack.pop()
        if isinstance(node, str):
            yield at, path, node
        elif isinstance(node, dict):
            stack.extend((v, pointer_join(at, k), [*path, k]) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, pointer_join(at, n), [*path, n]) for n, v in enumerate(node))


def unfilled_pointers(data: Any) -> frozenset[str]:
    """Pointers of the placeholder values in ``data`` (a parsed manifest's tree). The walk of
    :func:`text_values`, with a pointer made only for a placeholder or a container (most
    values are neither: the pointers were most of the time of a bulk ``validate``)."""
    if isinstance(data, str):
        return frozenset({""}) if is_placeholder(data) else frozenset()
    found: set[str] = set()
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        node, at = stack.pop()
        items = (node.items() if isinstance(node, dict)
                 else enumerate(node) if isinstance(node, list) else ())
        for key, value in items:
            if isinstance(value, str):
                if is_placeholder(value):
                    found.add(pointer_join(at, key))
            elif isinstance(value, dict | list):
                stack.append((value, pointer_join(at, key)))
    return frozenset(found)
