"""A fast yes/no schema check, so that a valid manifest never pays for importing jsonschema.

jsonschema stays the reference: it takes ~100 ms to import here, more than the rest of a
one-file run together, but it is only needed to *explain* a failure. This module decides
"valid or not" for the subset of JSON Schema keywords our schemas use; when it says "not
valid" (or meets a keyword it does not know) the caller runs jsonschema for the located
errors. A test compares both verdicts on the samples and on generated manifests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

# Keywords that only annotate: they never change a verdict.
_ANNOTATIONS = frozenset({"$schema", "$defs", "$comment", "$id", "description", "title",
                          "examples", "default", "deprecated", "format"})
_ASSERTIONS = frozenset({"$ref", "type", "properties", "required", "additionalProperties",
                         "patternProperties", "anyOf", "allOf", "oneOf", "enum", "const",
                         "pattern", "maxLength", "minLength", "minItems", "maxItems", "items",
                         "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                         "minProperties", "maxProperties"})
KNOWN = _ANNOTATIONS | _ASSERTIONS


class Unsupported(Exception):
    """The schema uses a keyword this checker does not implement: use jsonschema."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "number": _is_number,
    "integer": lambda v: (_is_number(v) and float(v).is_integer()),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class FastChecker:
    """Checks instances against one root schema; ``$ref`` may name other loaded files."""

    def __init__(self, documents: Mapping[str, Any], root: str) -> None:
        self.documents = documents
        self.root = root
        # Every $ref is resolved once (during the keyword check below), not on every visit:
        # walking the pointer again for each value was a sixth of a bulk run.
        self._resolved: dict[tuple[str, str], tuple[Any, str]] = {}
        self._check_keywords(documents[root], root, set())

    def _resolve(self, ref: str, base: str) -> tuple[Any, str]:
        key = (ref, base)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._walk(ref, base)
        return found

    def _walk(self, ref: str, base: str) -> tuple[Any, str]:
        name, _, fragment = ref.partition("#")
        doc_name = name or base
        if doc_name not in self.documents:
            raise Unsupported(f"$ref to unknown document {ref!r}")
        node: Any = self.documents[doc_name]
        for token in (t for t in fragment.split("/") if t):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or token not in node:
                raise Unsupported(f"unresolvable $ref {ref!r}")
            node = node[token]
        return node, doc_name

    def _check_keywords(self, schema: Any, base: str, seen: set[tuple[str, int]]) -> None:
        """Refuse, once and up front, any schema with a keyword we do not implement."""
        if isinstance(schema, bool):
            return
        if not isinstance(schema, Mapping):
            raise Unsupported("schema is not an object")
        if (base, id(schema)) in seen:
            return
        seen.add((base, id(schema)))
        unknown = set(schema) - KNOWN
        if unknown:
            raise Unsupported(f"keywords {sorted(unknown)}")
        if "$ref" in schema:
            target, doc = self._resolve(schema["$ref"], base)
            self._check_keywords(target, doc, seen)
        for key in ("properties", "patternProperties"):
            for sub in schema.get(key, {}).values():
                self._check_keywords(sub, base, seen)
        for key in ("additionalProperties", "items"):
            if key in schema:
                self._check_keywords(schema[key], base, seen)
        for key in ("anyOf", "allOf", "oneOf"):
            for sub in schema.get(key, []):
                self._check_keywords(sub, base, seen)

    def is_valid(self, instance: Any) -> bool:
        return self._valid(instance, self.documents[self.root], self.root)

    def _valid(self, value: Any, schema: Any, base: str) -> bool:
        if schema is True:
            return True
        if schema is False:
            return False
        if "$ref" in schema:
            target, doc = self._resolve(schema["$ref"], base)
            if not self._valid(value, target, doc):
                return False
        return (_valid_generic(value, schema) and self._valid_kind(value, schema, base)
                and self._valid_combinators(value, schema, base))

    def _valid_kind(self, value: Any, schema: Mapping[str, Any], base: str) -> bool:
        """The keywords that apply to one kind of value only."""
        if isinstance(value, str):
            return _valid_string(value, schema)
        if _is_number(value):
            return _valid_number(value, schema)
        if isinstance(value, dict):
            return self._valid_object(value, schema, base)
        if isinstance(value, list):
            return self._valid_array(value, schema, base)
        return True

    def _valid_array(self, value: list[Any], schema: Mapping[str, Any], base: str) -> bool:
        if "minItems" in schema and len(value) < schema["minItems"]:
            return False
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return False
        items = schema.get("items")
        return items is None or all(self._valid(v, items, base) for v in value)

    def _valid_combinators(self, value: Any, schema: Mapping[str, Any], base: str) -> bool:
        if "allOf" in schema and not all(self._valid(value, s, base) for s in schema["allOf"]):
            return False
        if "anyOf" in schema and not any(self._valid(value, s, base) for s in schema["anyOf"]):
            return False
        one_of = schema.get("oneOf")
        return one_of is None or sum(self._valid(value, s, base) for s in one_of) == 1

    def _valid_object(self, value: dict[str, Any], schema: Mapping[str, Any], base: str
                      ) -> bool:
        if any(name not in value for name in schema.get("required", ())):
            return False
        if "minProperties" in schema and len(value) < schema["minProperties"]:
            return False
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            return False
        properties = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        additional = schema.get("additionalProperties", True)
        for name, item in value.items():
            matched = False
            if name in properties:
                matched = True
                if not self._valid(item, properties[name], base):
                    return False
            for pattern, sub in patterns.items():
                if _regex(pattern).search(name):
                    matched = True
                    if not self._valid(item, sub, base):
                        return False
            if not matched and not self._valid(item, additional, base):
                return False
        return True


def _valid_generic(value: Any, schema: Mapping[str, Any]) -> bool:
    """type, enum and const: the keywords that apply to every kind of value."""
    if "type" in schema:
        declared = schema["type"]
        names = declared if isinstance(declared, list) else [declared]
        if not any(_TYPES[name](value) for name in names):
            return False
    if "enum" in schema and not any(_equal(value, v) for v in schema["enum"]):
        return False
    return "const" not in schema or _equal(value, schema["const"])


def _valid_string(value: str, schema: Mapping[str, Any]) -> bool:
    if "pattern" in schema and not _regex(schema["pattern"]).search(value):
        return False
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        return False
    return "minLength" not in schema or len(value) >= schema["minLength"]


def _valid_number(value: float, schema: Mapping[str, Any]) -> bool:
    if "minimum" in schema and value < schema["minimum"]:
        return False
    if "maximum" in schema and value > schema["maximum"]:
        return False
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        return False
    return "exclusiveMaximum" not in schema or value < schema["exclusiveMaximum"]


def _equal(a: Any, b: Any) -> bool:
    """JSON equality as jsonschema applies it: True is not 1, 2 equals 2.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)
