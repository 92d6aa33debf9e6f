"""Values nobody filled in (MT208): ``init``'s CHANGE-ME and AWS's template placeholders.

AWS's manifest templates and Web Service Tool forms mark what to fill in as ``[Your name]``,
``<bucket name>``, ``{bucket}`` or ``***``; the line pass keeps the ones YAML would read as
a list, mapping or alias as text, so every placeholder reaches this rule as a string. A
device shipped with one comes back. Placeholder values are reported once, here; the other
rules stay silent about them (``Manifest.unfilled``, from :mod:`.unfilled`).
"""

from __future__ import annotations

from ..aws import SECRET_FIELDS
from ..diagnostics import Diagnostic, clip, error
from .parse import HiddenKey, Manifest
from .unfilled import text_values


def _label(path: list[str | int]) -> str:
    text = ""
    for token in path:
        text += f"[{token}]" if isinstance(token, int) else (f".{clip(token)}" if text
                                                            else clip(token))
    return text


def placeholder_diagnostics(manifest: Manifest) -> list[Diagnostic]:
    """MT208 for each placeholder value (``manifest.unfilled``, a property of the parse:
    this rule reads it as the others do)."""
    unfilled = manifest.unfilled
    if not unfilled:
        return []
    found: list[Diagnostic] = []
    for pointer, path, value in text_values(manifest.data):
        if pointer not in unfilled:
            continue
        secret = any(t in SECRET_FIELDS or isinstance(t, HiddenKey) for t in path
                     if isinstance(t, str))
        shown = "" if secret else f" {clip(value.strip())!r}"
        found.append(error("MT208", f"{_label(path)}: fill in the placeholder{shown}",
                           *manifest.position(pointer), pointer,
                           hint=f"replace it with the real {_label(path)}"))
    return sorted(found, key=Diagnostic.sort_key)
