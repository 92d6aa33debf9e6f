"""Settings: ``[tool.manifest-tools]`` in ``pyproject.toml``, or ``.manifest-tools.toml``.

Found as ruff and mypy find theirs: from the working folder upwards, the first folder with a
``.manifest-tools.toml`` (its top-level keys) or a ``pyproject.toml`` holding a
``[tool.manifest-tools]`` table wins (``.manifest-tools.toml`` first within one folder).
``--config FILE`` names the file instead; ``--isolated`` ignores every file. Keys:

- ``disable = ["MT307", ...]``: rules whose findings are dropped (ids or prefixes, see
  :mod:`.selection`);
- ``per-file-disable = {"legacy/*.yaml" = ["MT306"]}``: rules dropped for the files a glob
  matches, globs relative to the folder of the configuration file;
- ``strict = true``: warnings fail, as ``--strict``.

A configuration that cannot be used (bad TOML, an unknown key or rule id) is a UsageError:
a typo must not silently switch a check off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, UsageError
from .inputs import MiB, read_source

# A configuration is a few lines; pyproject.toml may be long, but not this long.
CONFIG_LIMIT = 1 * MiB

OWN_FILE = ".manifest-tools.toml"
PYPROJECT = "pyproject.toml"
TABLE = "manifest-tools"
KEYS = frozenset({"disable", "per-file-disable", "strict"})


@dataclass(frozen=True, slots=True)
class Config:
    disable: frozenset[str] = frozenset()
    strict: bool = False
    source: Path | None = None  # the file read, None for the defaults
    # glob (relative to the configuration file's folder) -> rules it disables
    per_file_disable: dict[str, frozenset[str]] = field(default_factory=dict)

    def disabled_for(self, path: str) -> frozenset[str]:
        """The rules this configuration switches off for one file."""
        from .selection import per_file_disabled

        # Not resolve(): a glob is about the path as the user sees it, links and all.
        base = Path(os.path.abspath(self.source.parent)) if self.source is not None else None
        return self.disable | per_file_disabled(self.per_file_disable, base, path)


def find_config(start: Path) -> Path | None:
    """The configuration file that applies to ``start`` (a folder), or None."""
    for folder in (start, *start.parents):
        own = folder / OWN_FILE
        if own.is_file():
            return own
        pyproject = folder / PYPROJECT
        if _may_hold_table(pyproject) and _table(pyproject, _read(pyproject)) is not None:
            return pyproject
    return None


def _may_hold_table(pyproject: Path) -> bool:
    """A pyproject.toml without the table's name cannot hold it: not parsed (validate runs
    in every project folder and must start fast)."""
    try:
        return pyproject.is_file() and TABLE.encode() in pyproject.read_bytes()
    except OSError:
        return False


def load_config(start: Path | None = None, explicit: str | None = None,
                isolated: bool = False) -> Config:
    """The configuration for a run: ``explicit`` if given, else the one found upwards from
    ``start`` (the working folder), else the defaults; none with ``isolated``."""
    if isolated:
        return Config()
    path: Path | None
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError(f"--config {explicit}: no such file")
    else:
        path = find_config(start or Path.cwd())
    if path is None:
        return Config()
    table = _table(path, _read(path))
    return _parse(path, table or {})


def _read(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file to read: validate starts fast

    try:
        data = read_source(str(path), CONFIG_LIMIT).data
    except InputError as exc:
        raise UsageError(str(exc)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UsageError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); TOML files are "
                         "UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        # tomllib recurses once per nested array or inline table; a configuration nests one.
        raise UsageError(f"{path}: nested far deeper than a configuration ever is (a few "
                         "levels)") from None


def _table(path: Path, document: dict[str, Any]) -> dict[str, Any] | None:
    if path.name != PYPROJECT:
        return document
    tool = document.get("tool")
    table = tool.get(TABLE) if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else None


def _parse(path: Path, table: dict[str, Any]) -> Config:
    unknown = sorted(set(table) - KEYS)
    if unknown:
        raise UsageError(f"{path}: unknown setting {unknown[0]!r} (known: "
                         f"{', '.join(sorted(KEYS))})")
    disable = table.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(r, str) for r in disable):
        raise UsageError(f"{path}: 'disable' must be a list of rule ids, e.g. [\"MT307\"]")
    from .rules import RULES  # only for a list to check: a plain run needs no rule table

    bad = sorted(r for r in disable if not any(k.startswith(r.upper()) for k in RULES))
    if bad:
        raise UsageError(f"{path}: 'disable' names an unknown rule {bad[0]!r} (see "
                         "'manifest-tools rules')")
    strict = table.get("strict", False)
    if not isinstance(strict, bool):
        raise UsageError(f"{path}: 'strict' must be true or false")
    return Config(_expand(disable, path, "disable"), strict, path,
                  _per_file(table.get("per-file-disable", {}), path))


def _expand(selectors: list[str], path: Path, key: str) -> frozenset[str]:
    from .selection import expand

    found: set[str] = set()
    for selector in selectors:
        found |= expand(selector, f"{path}: '{key}'")
    return frozenset(found)


def _per_file(table: Any, path: Path) -> dict[str, frozenset[str]]:
    shape = (f"{path}: 'per-file-disable' must be a table of glob = [rule ids], e.g. "
             '{"legacy/*.yaml" = ["MT306"]}')
    if not isinstance(table, dict):
        raise UsageError(shape)
    found: dict[str, frozenset[str]] = {}
    for glob, rules in table.items():
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise UsageError(shape)
        found[glob] = _expand(rules, path, f"per-file-disable.{glob}")
    return found
