"""Bundle a job type's JSON Schema: make it self-contained and give it its ``$id``.

``schemas/common.schema.json`` holds the definitions the job types share; each job type's
schema carries copies of the ones it uses (transitively) in its own ``$defs`` and refers to
them as ``#/$defs/NAME``. So a job type's file works alone: printed by ``manifest-tools
schema``, copied into a repository, or opened from the installed package by an editor, with
no second file to fetch. Its ``$id`` names where the released file can be fetched.

Edit a shared definition in common.schema.json, then run ``scripts/bundle_schemas.py``; a
test fails while a bundled file is stale.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

# Where the files are published (the repository of README_URL); the $id of each file.
ID_BASE = "https://raw.githubusercontent.com/manifest-tools/manifest-tools/main/schemas/"
COMMON = "common.schema.json"
_COMMON_REF = COMMON + "#/$defs/"


def schema_id(file_name: str) -> str:
    return ID_BASE + file_name


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _local(node: Any) -> Any:
    """``common.schema.json#/$defs/X`` -> ``#/$defs/X`` everywhere in ``node``."""
    if isinstance(node, Mapping):
        return {key: (value.replace(COMMON, "", 1) if key == "$ref" and isinstance(value, str)
                      and value.startswith(_COMMON_REF) else _local(value))
                for key, value in node.items()}
    if isinstance(node, list):
        return [_local(value) for value in node]
    return node


def bundle(file_name: str, schema: Mapping[str, Any], common: Mapping[str, Any]
           ) -> dict[str, Any]:
    """The self-contained form of a job type's ``schema`` (already bundled or not)."""
    body = _local({k: v for k, v in schema.items() if k not in ("$schema", "$id", "$defs")})
    shared = common["$defs"]
    wanted: list[str] = []
    todo = [r.rsplit("/", 1)[1] for r in _refs(body) if r.startswith("#/$defs/")]
    while todo:
        name = todo.pop(0)
        if name in wanted:
            continue
        wanted.append(name)
        todo.extend(r.rsplit("/", 1)[1] for r in _refs(shared[name]))
    defs = {name: _local(shared[name]) for name in sorted(wanted)}
    return {"$schema": schema["$schema"], "$id": schema_id(file_name), **body, "$defs": defs}


def with_id(file_name: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    """common.schema.json with its ``$id`` (it refers to nothing outside itself)."""
    rest = {k: v for k, v in schema.items() if k not in ("$schema", "$id")}
    return {"$schema": schema["$schema"], "$id": schema_id(file_name), **rest}
