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

_TEMPLATE = re.compile(r"\[[^\]]*\]|<[^<>]+>|\{[^{}]*\}|\*{2,}.*", re.DOTALL)


def is_placeholder(value: str) -> bool:
    text = value.strip()
    return PLACEHOLDER.lower() in text.lower() or bool(_TEMPLATE.fullmatch(text))


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
    """Pointers of the placeholder values in ``data`` (a parsed manifest's tree)."""
    return frozenset(pointer for pointer, _, value in text_values(data)
                     if is_placeholder(value))
