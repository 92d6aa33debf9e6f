"""Check a parsed manifest against the JSON Schemas in ``schemas/``; errors become Diagnostics.

The schemas are shipped inside the package (``manifest_tools.schemas``) and refer to each
other by relative file name, so the same files work in editors and check-jsonschema. One
validator per job type is built on first use and reused for every file of the process.
jsonschema is imported here only, and only when a file is checked.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..aws import SECRET_FIELDS
from ..diagnostics import Diagnostic, clip, error, pointer_join, warning
from .fastcheck import FastChecker, Unsupported
from .jobtype import JobType

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

    from .parse import Manifest

SCHEMA_PACKAGE = "manifest_tools.schemas"

# Misspellings seen in the wild, beyond what the similarity test below finds by itself.
KNOWN_MISSPELLINGS = {
    "returnaddress": "returnAddress",
    "return_address": "returnAddress",
    "manifestversion": "manifestVersion",
    "accesskeyid": "accessKeyId",
    "deviceid": "deviceId",
    "erasedevice": "eraseDevice",
    "logbucket": "logBucket",
    "logprefix": "logPrefix",
    "truecryptpassword": "trueCryptPassword",
    "pincode": "pinCode",
    "zipCode": "postalCode",
    "zip": "postalCode",
    "state": "stateOrProvince",
    "phone": "phoneNumber",
    "street": "street1",
    "filesystem": "fileSystem",
    "servicelevel": "serviceLevel",
}


@cache
def load_schemas() -> dict[str, Any]:
    folder = resources.files(SCHEMA_PACKAGE)
    return {
        entry.name: json.loads(entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".schema.json")
    }


def load_schema(job_type: JobType) -> dict[str, Any]:
    schema: dict[str, Any] = load_schemas()[job_type.schema_file]
    return schema


@cache
def validator_for(job_type: JobType) -> Validator:
    """One compiled validator per job type and process."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(contents, default_specification=DRAFT202012))
        for name, contents in load_schemas().items()
    )
    validator: Validator = Draft202012Validator(load_schema(job_type), registry=registry)
    return validator


@cache
def fast_checker_for(job_type: JobType) -> FastChecker | None:
    """The fast yes/no checker, or None if the schema needs what only jsonschema knows."""
    try:
        return FastChecker(load_schemas(), job_type.schema_file)
    except Unsupported:
        return None


def schema_diagnostics(manifest: Manifest, job_type: JobType) -> list[Diagnostic]:
    """Schema findings; jsonschema runs (and is imported) only when the fast check fails."""
    fast = fast_checker_for(job_type)
    if fast is not None and fast.is_valid(manifest.data):
        return []
    validator = validator_for(job_type)
    found: list[Diagnostic] = []
    seen: set[tuple[str, str, str]] = set()
    for err in validator.iter_errors(manifest.data):
        for diag in _convert(err, manifest):
            identity = (diag.rule, diag.pointer, diag.message)
            if identity not in seen:
                seen.add(identity)
                found.append(diag)
    return found


def _pointer(path: Iterable[str | int]) -> str:
    pointer = ""
    for token in path:
        pointer = pointer_join(pointer, token)
    return pointer


def _field(path: list[str | int]) -> str:
    """Human name of the field at path: ``returnAddress.city``, ``operations[0].region``."""
    text = ""
    for token in path:
        if isinstance(token, int):
            text += f"[{token}]"
        else:
            text += f".{clip(token)}" if text else clip(token)
    return text or "manifest"


def _shown(path: list[str | int], value: Any) -> str:
    """A value as quoted in a message; secrets and long values are never quoted whole."""
    if any(token in SECRET_FIELDS for token in path if isinstance(token, str)):
        return "(value hidden)"
    if isinstance(value, str):
        return repr(clip(value))
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text"


_TYPE_NAMES = {"string": "text", "number": "text", "object": "a mapping", "array": "a list",
               "integer": "text", "boolean": "text", "null": "empty"}


def _convert(err: ValidationError, manifest: Manifest) -> Iterator[Diagnostic]:
    path = list(err.absolute_path)
    pointer = _pointer(path)
    name = _field(path)
    kind = err.validator
    expected: Any = err.validator_value
    value = err.instance
    if kind in ("anyOf", "oneOf") and err.context:
        from jsonschema.exceptions import best_match

        # Skip the branches that fail only because they are for numbers (the forms editors
        # see in standard YAML): our values are always text.
        relevant = [e for e in err.context or ()
                    if e.validator != "type" and _for_text(e.schema)] or list(err.context or ())
        best = best_match(relevant)
        if best is not None:
            yield from _convert(best, manifest)
            return
    if kind == "required" and isinstance(value, Mapping):
        for missing in expected:
            if missing not in value:
                where = manifest.position(pointer, key=True)
                yield error("MT201", f"{_field([*path, missing])}: required field is missing",
                            *where, pointer_join(pointer, missing))
        return
    schema: Mapping[str, Any] = err.schema if isinstance(err.schema, Mapping) else {}
    if kind == "additionalProperties" and isinstance(value, Mapping):
        known = set(schema.get("properties", {}))
        patterns = schema.get("patternProperties", {})
        for extra in value:
            if extra in known or _matches_any(extra, patterns):
                continue
            extra_pointer = pointer_join(pointer, extra)
            yield _unknown_field(extra, _field([*path, extra]), known, extra_pointer,
                                 manifest.position(extra_pointer, key=True))
        return
    where = manifest.position(pointer)
    if kind == "type":
        expected = err.validator_value
        expected_list = expected if isinstance(expected, list) else [expected]
        wanted = " or ".join(sorted({_TYPE_NAMES.get(str(t), str(t)) for t in expected_list}))
        yield error("MT206", f"{name}: expected {wanted}, found {_kind(value)}", *where, pointer)
        return
    if kind == "enum":
        allowed = ", ".join(dict.fromkeys(str(v) for v in expected))
        yield error("MT202", f"{name}: {_shown(path, value)} is not one of: {allowed}", *where,
                    pointer)
        return
    if kind == "const":
        yield error("MT202", f"{name}: must be {err.validator_value!r}, found "
                    f"{_shown(path, value)}", *where, pointer)
        return
    if kind in ("maxLength", "minLength") and isinstance(value, str):
        bound = "at most" if kind == "maxLength" else "at least"
        yield error("MT202", f"{name}: {len(value)} characters long; {bound} "
                    f"{err.validator_value} allowed", *where, pointer)
        return
    if kind in ("minItems", "maxItems") and isinstance(value, list):
        bound = "at least" if kind == "minItems" else "at most"
        yield error("MT202", f"{name}: {len(value)} items; {bound} {err.validator_value} "
                    "required", *where, pointer)
        return
    if kind == "minProperties":
        yield error("MT202", f"{name}: must not be empty", *where, pointer)
        return
    if kind == "pattern":
        yield error("MT202", f"{name}: {_shown(path, value)} does not have the expected form "
                    f"({_describe(schema)})", *where, pointer)
        return
    yield error("MT202", f"{name}: {_shown(path, value)} is not valid ({kind})", *where, pointer)


# What each schema pattern means, in words for the message.
PATTERN_FORMS = {
    r"^([Yy][Ee][Ss]|[Nn][Oo])$": "yes or no",
    r"^[A-Z0-9]{20}$": "20 upper-case letters and digits",
    r"^(2\.0|1\.[0-9]+)$": "2.0 for S3 jobs",
    r"^([Nn][Tt][Ff][Ss]|[Ee][Xx][Tt][234]|[Ff][Aa][Tt]32)$": "NTFS, EXT4, EXT2, EXT3 or FAT32",
}


def _describe(schema: Mapping[str, Any]) -> str:
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and pattern in PATTERN_FORMS:
        return PATTERN_FORMS[pattern]
    if isinstance(pattern, str) and "@" in pattern:
        return "e-mail addresses separated by ';'"
    return f"pattern {pattern}"


def _for_text(schema: Any) -> bool:
    """False for a schema branch that only applies to numbers."""
    if not isinstance(schema, Mapping):
        return True
    declared = schema.get("type")
    types = declared if isinstance(declared, list) else [declared]
    return declared is None or "string" in types


def _matches_any(name: str, patterns: Mapping[str, Any]) -> bool:
    import re

    return any(re.search(pattern, name) for pattern in patterns)


def _unknown_field(extra: str, label: str, known: set[str], pointer: str,
                   where: tuple[int, int]) -> Diagnostic:
    suggestion = _suggest(extra, known)
    if suggestion is not None:
        return error("MT204", f"{label}: unknown field; did you mean '{suggestion}'?", *where,
                     pointer, hint=f"rename it to '{suggestion}'")
    return warning("MT203", f"{label}: unknown field (not in any AWS guide); AWS ignores or "
                   "rejects it", *where, pointer)


def _suggest(extra: str, known: set[str]) -> str | None:
    """A known field that ``extra`` is evidently a misspelling of, or None."""
    mapped = KNOWN_MISSPELLINGS.get(extra)
    if mapped in known:
        return mapped
    for name in known:
        if name.lower() == extra.lower():
            return name
    close = difflib.get_close_matches(extra, sorted(known), n=1, cutoff=0.85)
    return close[0] if close else None
