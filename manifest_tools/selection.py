"""Which rules run: rule selectors (ids and prefixes) and per-file globs.

A selector is a rule id (``MT311``) or a prefix of ids (``MT3`` for the cross-field family,
``MT31`` for MT310-MT319), case-insensitive; one that matches no rule is a UsageError, so a
typo never silently switches nothing (or everything) off.

Precedence for one file: configuration's ``disable`` and the ``per-file-disable`` entries
whose glob matches, then ``--enable`` takes rules back, then ``--disable`` adds its own. A
rule named by both ``--enable`` and ``--disable`` follows the more specific selector (the
longer one); at equal length ``--enable`` wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path, PurePosixPath

from .errors import UsageError


def split_selectors(values: Iterable[str]) -> list[str]:
    """``--disable MT3,MT101 --disable MT2`` -> ``['MT3', 'MT101', 'MT2']``."""
    return [part.strip().upper() for value in values for part in value.split(",")
            if part.strip()]


def expand(selector: str, where: str) -> frozenset[str]:
    """The rule ids a selector names; ``where`` says where it was written, for the error."""
    from .rules import RULES  # only for a selector: a plain run needs no rule table

    wanted = selector.strip().upper()
    found = frozenset(r for r in RULES if r.startswith(wanted)) if wanted else frozenset()
    if not found:
        raise UsageError(f"{where}: {selector!r} names no rule (a rule id such as MT311, or "
                         "a prefix such as MT3; 'manifest-tools rules' lists them)")
    return found


def resolve(configured: frozenset[str], disable: Iterable[str], enable: Iterable[str]
            ) -> frozenset[str]:
    """The disabled rules of one file: ``configured`` (config and per-file) with the command
    line's selectors applied (see the module's precedence)."""
    weight: dict[str, tuple[int, bool]] = {}  # rule -> (selector length, enabled)
    for selector in disable:
        for rule in expand(selector, "--disable"):
            weight[rule] = max(weight.get(rule, (0, False)), (len(selector), False))
    for selector in enable:
        for rule in expand(selector, "--enable"):
            weight[rule] = max(weight.get(rule, (0, False)), (len(selector), True))
    disabled = set(configured)
    for rule, (_, enabled) in weight.items():
        if enabled:
            disabled.discard(rule)
        else:
            disabled.add(rule)
    return frozenset(disabled)


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    """A glob as a regex on '/'-separated paths: ``*`` and ``?`` stay within one name,
    ``**`` crosses folders, ``[...]`` is a character class."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[i + 1:]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1:end].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def glob_matches(pattern: str, path: str) -> bool:
    """Whether a '/'-separated relative ``path`` matches ``pattern``; a pattern without '/'
    also matches the file's name in any folder (as .gitignore does)."""
    if _glob(pattern).match(path):
        return True
    return "/" not in pattern and bool(_glob(pattern).match(PurePosixPath(path).name))


def per_file_disabled(table: Mapping[str, frozenset[str]], base: Path | None, path: str
                      ) -> frozenset[str]:
    """The rules ``per-file-disable`` switches off for ``path``; globs are relative to
    ``base`` (the configuration file's folder). A file outside that folder matches only
    patterns without '/' (by its name)."""
    if not table or base is None or path.startswith("<"):
        return frozenset()
    import os

    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(base).as_posix()
    except ValueError:
        relative = absolute.name
    found: set[str] = set()
    for pattern, rules in table.items():
        if glob_matches(pattern, relative):
            found |= rules
    return frozenset(found)
