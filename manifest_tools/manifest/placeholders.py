"""Values nobody filled in (MT208): ``init``'s CHANGE-ME and AWS's template placeholders.

AWS's manifest templates and Web Service Tool forms mark what to fill in as ``[Your name]``,
``<bucket name>``, ``{bucket}`` or ``***``; the line pass keeps the ones YAML would read as
a list, mapping or alias as text, so every placeholder reaches this rule as a string. A
device shipped with one comes back. Placeholder values are reported once, here; the other
rules stay silent about them (``Manifest.unfilled``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..aws import PLACEHOLDER, SECRET_FIELDS
from ..diagnostics import Diagnostic, clip, error, pointer_join
from .parse import Manifest

_TEMPLATE = re.compile(r"\[[^\]]*\]|<[^<>]+>|\{[^{}]*\}|\*{2,}.*", re.DOTALL)


def is_placeholder(value: str) -> bool:
    text = value.strip()
    return PLACEHOLDER.lower() in text.lower() or bool(_TEMPLATE.fullmatch(text))


def _values(data: Any, pointer: str = "") -> Iterator[tuple[str, list[str | int], str]]:
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


def _label(path: list[str | int]) -> str:
    text = ""
    for token in path:
        text += f"[{token}]" if isinstance(token, int) else (f".{clip(token)}" if text
                                                            else clip(token))
    return text


def placeholder_diagnostics(manifest: Manifest) -> list[Diagnostic]:
    """MT208 for each placeholder value; their pointers go to ``manifest.unfilled``."""
    found: list[Diagnostic] = []
    for pointer, path, value in _values(manifest.data):
        if not is_placeholder(value):
            continue
        secret = any(isinstance(t, str) and (t in SECRET_FIELDS or t.startswith("(hidden"))
                     for t in path)
        shown = "" if secret else f" {clip(value.strip())!r}"
        manifest.unfilled.add(pointer)
        found.append(error("MT208", f"{_label(path)}: fill in the placeholder{shown}",
                           *manifest.position(pointer), pointer,
                           hint=f"replace it with the real {_label(path)}"))
    return sorted(found, key=Diagnostic.sort_key)
