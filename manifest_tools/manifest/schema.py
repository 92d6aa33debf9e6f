"""Check a parsed manifest against the JSON Schemas in ``schemas/``; errors become Diagnostics.

The schemas are shipped inside the package (``manifest_tools.schemas``; a source checkout
reads its top-level ``schemas/`` folder, see :func:`schema_folder`) and refer to each other by
relative file name, so the same files work in editors and check-jsonschema. One
validator per job type is built on first use and reused for every file of the process.
jsonschema is imported here only, and only when a file is checked.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..aws import SECRET_FIELDS
from ..diagnostics import Diagnostic, clip, error, pointer_join, warning
from .fastcheck import FastChecker, Unsupported
from .jobtype import JobType
from .parse import HiddenKey

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

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


def schema_folder() -> Traversable:
    """Where the schemas are: the package ``manifest_tools.schemas`` in an installed wheel;
    in a source checkout the top-level ``schemas/`` folder next to ``manifest_tools/``.

    The build maps ``schemas/`` into the package (pyproject's package-dir), so only a wheel
    has ``manifest_tools.schemas``. Python run from a checkout's root imports the checkout's
    ``manifest_tools`` before any installed one, and that has no ``schemas`` sub-package:
    then the folder beside it is the one.

    A wheel installed as files has the package as a folder beside this one, and a checkout
    (its ``pyproject.toml`` beside ``manifest_tools/``) has the folder above: both are taken
    without importing importlib.resources (~45 M instructions, a tenth of a ``validate``)."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "schemas"
    if installed.is_dir():
        return installed
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "schemas").is_dir():
        return checkout / "schemas"
    from importlib import resources

    try:
        return resources.files(SCHEMA_PACKAGE)
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "schemas"


@cache
def load_schemas() -> dict[str, Any]:
    folder = schema_folder()
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
        for diag in _convert(err, manifest, job_type):
            identity = (diag.rule, diag.pointer, diag.message)
            if identity not in seen:
                seen.add(identity)
                found.append(diag)
    return [_at_misplaced(diag, manifest, job_type) for diag in found]


def _at_misplaced(diag: Diagnostic, manifest: Manifest, job_type: JobType) -> Diagnostic:
    """A missing top-level block (operations, returnAddress, customs) whose fields stand
    misplaced at the top level is reported at the first of them: that is where the fix is."""
    if diag.rule != "MT201" or diag.pointer.count("/") != 1:
        return diag
    block = diag.pointer[1:]
    places = field_places()
    for name in manifest.data:
        homes = {place for kind, place in places.get(name, ()) if kind is job_type}
        if homes == {block}:
            line, column = manifest.position(pointer_join("", name), key=True)
            item = "an item of " if block == "operations" else ""
            return replace(diag, line=line, column=column,
                           hint=f"put '{clip(name)}' in {item}'{block}:'")
    return diag


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
    if _is_secret(path):
        return "(value hidden)"
    if isinstance(value, str):
        return repr(clip(value))
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _is_hidden(token: str) -> bool:
    return isinstance(token, HiddenKey)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text"


_TYPE_NAMES = {"string": "text", "number": "text", "object": "a mapping", "array": "a list",
               "integer": "text", "boolean": "text", "null": "empty"}


class _Error:
    """One jsonschema error, with what every converter needs."""

    __slots__ = ("err", "expected", "manifest", "name", "path", "pointer", "schema", "value")

    def __init__(self, err: ValidationError, manifest: Manifest) -> None:
        self.err = err
        self.manifest = manifest
        self.path = list(err.absolute_path)
        self.pointer = _pointer(self.path)
        self.name = _field(self.path)
        self.expected: Any = err.validator_value
        self.value: Any = err.instance
        self.schema: Mapping[str, Any] = err.schema if isinstance(err.schema, Mapping) else {}

    def at(self, rule: str, message: str, hint: str | None = None) -> Diagnostic:
        return error(rule, message, *self.manifest.position(self.pointer), self.pointer,
                     hint=hint)


def _template_choices(e: _Error) -> str | None:
    """' is the template's list of choices' when a template's 'a | b' was left in."""
    if isinstance(e.value, str) and "|" in e.value and not _is_secret(e.path):
        return " is the template's list of choices; keep one"
    return None


def _is_secret(path: list[str | int]) -> bool:
    return any(token in SECRET_FIELDS or _is_hidden(token) for token in path
               if isinstance(token, str))


# Why a manifestVersion is not the one a job type takes (Developer Guide, "Manifest File
# Options Reference": manifestVersion 2.0 for S3, 3.0 for EBS and Glacier).
VERSION_HINT = ("manifestVersion is 2.0 for S3 import and export, 3.0 for EBS and Glacier "
                "import; pass --job-type if the type was detected wrongly")


def _convert(err: ValidationError, manifest: Manifest, job_type: JobType
             ) -> Iterator[Diagnostic]:
    kind = str(err.validator)
    if kind in ("anyOf", "oneOf") and err.context:
        yield from _convert_branches(err, manifest, job_type)
        return
    e = _Error(err, manifest)
    if kind == "required" and isinstance(e.value, Mapping):
        yield from _convert_required(e)
        return
    if kind == "additionalProperties" and isinstance(e.value, Mapping):
        yield from _convert_additional(e, job_type)
        return
    converter = _CONVERTERS.get(kind)
    found = converter(e) if converter is not None else None
    yield found or e.at("MT202", f"{e.name}: {_shown(e.path, e.value)} is not valid ({kind})")


def _convert_branches(err: ValidationError, manifest: Manifest, job_type: JobType
                      ) -> Iterator[Diagnostic]:
    from jsonschema.exceptions import best_match

    # Skip the branches that fail only because they are for numbers (the forms editors
    # see in standard YAML): our values are always text.
    relevant = [e for e in err.context or ()
                if e.validator != "type" and _for_text(e.schema)] or list(err.context or ())
    # yes/no is an enum of the usual spellings (for editors) or a pattern of any case: the
    # pattern's words ("yes or no") are the message.
    relevant = [e for e in relevant if e.validator == "pattern"] or relevant
    best = best_match(relevant)
    if best is not None:
        yield from _convert(best, manifest, job_type)


def _convert_required(e: _Error) -> Iterator[Diagnostic]:
    for missing in e.expected:
        if missing not in e.value:
            where = e.manifest.position(e.pointer, key=True)
            yield error("MT201", f"{_field([*e.path, missing])}: required field is missing",
                        *where, pointer_join(e.pointer, missing))


def _convert_additional(e: _Error, job_type: JobType) -> Iterator[Diagnostic]:
    known = set(e.schema.get("properties", {}))
    patterns = e.schema.get("patternProperties", {})
    for extra in e.value:
        if extra in known or _matches_any(extra, patterns):
            continue
        extra_pointer = pointer_join(e.pointer, extra)
        if extra_pointer in e.manifest.hidden:
            continue  # a wrapped secret: reported (without its text) when it was read
        yield _unknown_field(extra, [*e.path, extra], known, extra_pointer,
                             e.manifest.position(extra_pointer, key=True), job_type)


def _convert_type(e: _Error) -> Diagnostic:
    expected_list = e.expected if isinstance(e.expected, list) else [e.expected]
    wanted = " or ".join(sorted({_TYPE_NAMES.get(str(t), str(t)) for t in expected_list}))
    return e.at("MT206", f"{e.name}: expected {wanted}, found {_kind(e.value)}")


def _convert_enum(e: _Error) -> Diagnostic:
    allowed = ", ".join(dict.fromkeys(str(v) for v in e.expected))
    hint = VERSION_HINT if e.name == "manifestVersion" else f"one of: {allowed}"
    choices = _template_choices(e)
    if choices:
        return e.at("MT202", f"{e.name}: {_shown(e.path, e.value)}{choices} ({allowed})",
                    hint)
    return e.at("MT202", f"{e.name}: {_shown(e.path, e.value)} is not one of: {allowed}",
                hint if e.name == "manifestVersion" else None)


def _convert_const(e: _Error) -> Diagnostic:
    return e.at("MT202", f"{e.name}: must be {e.expected!r}, found {_shown(e.path, e.value)}")


def _convert_length(e: _Error) -> Diagnostic | None:
    if not isinstance(e.value, str):
        return None
    if not e.value and e.expected == 1:
        return e.at("MT202", f"{e.name}: the value is empty")
    bound = "at most" if e.err.validator == "maxLength" else "at least"
    return e.at("MT202", f"{e.name}: {len(e.value)} characters long; {bound} {e.expected} "
                "allowed")


def _convert_items(e: _Error) -> Diagnostic | None:
    if not isinstance(e.value, list):
        return None
    bound = "at least" if e.err.validator == "minItems" else "at most"
    return e.at("MT202", f"{e.name}: {len(e.value)} items; {bound} {e.expected} required")


def _convert_min_properties(e: _Error) -> Diagnostic:
    return e.at("MT202", f"{e.name}: must not be empty")


def _convert_pattern(e: _Error) -> Diagnostic:
    choices = _template_choices(e)
    if choices:
        return e.at("MT202", f"{e.name}: {_shown(e.path, e.value)}{choices} "
                    f"({_describe(e.schema)})")
    hint = VERSION_HINT if e.name == "manifestVersion" else None
    return e.at("MT202", f"{e.name}: {_shown(e.path, e.value)} does not have the expected form "
                f"({_describe(e.schema)})", hint)


_CONVERTERS: dict[str, Callable[[_Error], Diagnostic | None]] = {
    "type": _convert_type,
    "enum": _convert_enum,
    "const": _convert_const,
    "maxLength": _convert_length,
    "minLength": _convert_length,
    "minItems": _convert_items,
    "maxItems": _convert_items,
    "minProperties": _convert_min_properties,
    "pattern": _convert_pattern,
}


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


def rename_targets(diagnostics: Iterable[Diagnostic]) -> set[str]:
    """The pointers of the fields MT204 findings say a misspelt field was meant to be."""
    targets = set()
    for d in diagnostics:
        if d.rule == "MT204" and d.hint and d.hint.startswith(_RENAME):
            parent = d.pointer.rsplit("/", 1)[0]
            targets.add(pointer_join(parent, d.hint[len(_RENAME):].rstrip("'")))
    return targets


_RENAME = "rename it to '"


def _unknown_field(extra: str, path: list[str | int], known: set[str], pointer: str,
                   where: tuple[int, int], job_type: JobType) -> Diagnostic:
    label = _field(path)
    suggestion = _suggest(extra, known)
    if suggestion is not None:
        return error("MT204", f"{label}: unknown field; did you mean '{suggestion}'?", *where,
                     pointer, hint=f"{_RENAME}{suggestion}'")
    home = belongs(extra, path[:-1], job_type)
    if home is not None:
        return warning("MT207", f"{label} {home}; AWS ignores it here", *where, pointer,
                       hint=f"move '{clip(extra)}' where it belongs, or remove it")
    return warning("MT203", f"{label}: unknown field (not in any AWS guide); AWS ignores or "
                   "rejects it", *where, pointer, hint="check the spelling, or remove it")


# Where each documented field may stand: (job type, place) pairs read from the schemas.
# Places: "" the top level, "returnAddress", "customs", "operations" (an item of it).
_PLACE_WORDS = {"": "the top level", "returnAddress": "returnAddress", "customs": "customs",
                "operations": "an item of operations"}
_JOB_WORDS = {JobType.IMPORT: "S3 import", JobType.EXPORT: "S3 export",
              JobType.EBS: "EBS import", JobType.GLACIER: "Glacier import"}


@cache
def field_places() -> dict[str, frozenset[tuple[JobType, str]]]:
    """Every field name the schemas declare, with the job types and places it belongs to."""
    schemas = load_schemas()
    places: dict[str, set[tuple[JobType, str]]] = {}
    for job_type in JobType:
        root = schemas[job_type.schema_file]
        for name, sub in root.get("properties", {}).items():
            places.setdefault(name, set()).add((job_type, ""))
            for child in _child_properties(sub, schemas, root):
                places.setdefault(child, set()).add((job_type, name))
    return {name: frozenset(found) for name, found in places.items()}


def _child_properties(schema: Mapping[str, Any], schemas: Mapping[str, Any],
                      root: Mapping[str, Any]) -> Iterator[str]:
    """Property names of a field's mapping (or of its list's items), following one $ref
    (into ``root``, the schema the field is in, or another file)."""
    ref = schema.get("$ref")
    if isinstance(ref, str) and "#/$defs/" in ref:
        document, _, name = ref.partition("#/$defs/")
        schema = (schemas[document] if document else root)["$defs"][name]
    items = schema.get("items")
    if isinstance(items, Mapping):
        schema = items
    yield from schema.get("properties", {})


def belongs(name: str, parent: list[str | int], job_type: JobType) -> str | None:
    """Where a documented field that stands in the wrong place belongs, in words; None for a
    field no schema declares."""
    found = field_places().get(name)
    if not found:
        return None
    here = next((token for token in reversed(parent) if isinstance(token, str)), "")
    same = sorted(place for kind, place in found if kind is job_type and place != here)
    if same:
        return f"belongs in {_PLACE_WORDS.get(same[0], same[0])}"
    kinds = sorted({kind for kind, place in found if place == here} or {k for k, _ in found})
    names = " or ".join(_JOB_WORDS[kind] for kind in kinds)
    where = _PLACE_WORDS.get(here, here)
    article = "an" if _JOB_WORDS[job_type][0] in "AEIOUS" else "a"
    return (f"is a field of {names} manifests ({where}), not of {article} "
            f"{_JOB_WORDS[job_type]}")


def _suggest(extra: str, known: set[str]) -> str | None:
    """A known field that ``extra`` is evidently a misspelling of, or None."""
    mapped = KNOWN_MISSPELLINGS.get(extra)
    if mapped in known:
        return mapped
    for name in known:
        if name.lower() == extra.lower():
            return name
    import difflib  # only for a field not in the schema

    close = difflib.get_close_matches(extra, sorted(known), n=1, cutoff=0.85)
    return close[0] if close else None
