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


# One schema node's test of a value.
Check = Callable[[Any], bool]


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
        # Each schema node's test (see _compile), made at the first check.
        self._compiled: dict[tuple[str, int], Check] = {}
        self._check: Check | None = None

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
        if self._check is None:
            self._check = self._compile(self.documents[self.root], self.root)
        return self._check(instance)

    # Each schema node becomes one function that tests only the keywords the node has
    # (asking the schema dict "$ref"? "type"? "pattern"? ... at every value was most of the
    # check's time). The verdict is the conjunction of the same keyword tests as before.

    def _compile(self, schema: Any, base: str) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        key = (base, id(schema))
        found = self._compiled.get(key)
        if found is not None:
            return found
        built: list[Check] = []  # a $ref cycle calls the node through this while it is built
        self._compiled[key] = lambda value: built[0](value)
        check = self._build(schema, base)
        built.append(check)
        self._compiled[key] = check
        return check

    def _build(self, schema: Mapping[str, Any], base: str) -> Check:
        checks: list[Check] = []  # $ref, type/enum/const, the kind's keywords, combinators
        if "$ref" in schema:
            target, doc = self._resolve(schema["$ref"], base)
            checks.append(self._compile(target, doc))
        checks.extend(_generic_checks(schema))
        kinds = (_string_check(schema), _number_check(schema),
                 self._object_check(schema, base), self._array_check(schema, base))
        if any(kind is not None for kind in kinds):
            checks.append(_by_kind(*kinds))
        checks.extend(self._combinator_checks(schema, base))

        def check(value: Any) -> bool:
            for test in checks:  # noqa: SIM110 - a loop: all() over a generator is slower
                if not test(value):
                    return False
            return True

        return check

    def _array_check(self, schema: Mapping[str, Any], base: str) -> Check | None:
        if not any(k in schema for k in ("minItems", "maxItems", "items")):
            return None
        low, high = schema.get("minItems"), schema.get("maxItems")
        items = self._compile(schema["items"], base) if "items" in schema else None

        def check(value: list[Any]) -> bool:
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                return False
            return items is None or all(items(v) for v in value)

        return check

    def _combinator_checks(self, schema: Mapping[str, Any], base: str) -> list[Check]:
        checks: list[Check] = []
        if "allOf" in schema:
            all_of = [self._compile(s, base) for s in schema["allOf"]]
            checks.append(lambda value: all(test(value) for test in all_of))
        if "anyOf" in schema:
            any_of = [self._compile(s, base) for s in schema["anyOf"]]
            checks.append(lambda value: any(test(value) for test in any_of))
        if schema.get("oneOf") is not None:
            one_of = [self._compile(s, base) for s in schema["oneOf"]]
            checks.append(lambda value: sum(test(value) for test in one_of) == 1)
        return checks

    def _object_check(self, schema: Mapping[str, Any], base: str) -> Check | None:
        if not any(k in schema for k in ("required", "minProperties", "maxProperties",
                                         "properties", "patternProperties",
                                         "additionalProperties")):
            return None  # additionalProperties defaults to true: nothing to test
        required = tuple(schema.get("required", ()))
        low, high = schema.get("minProperties"), schema.get("maxProperties")
        properties = {name: self._compile(sub, base)
                      for name, sub in schema.get("properties", {}).items()}
        patterns = [(pattern, self._compile(sub, base))
                    for pattern, sub in schema.get("patternProperties", {}).items()]
        additional = self._compile(schema.get("additionalProperties", True), base)

        def check(value: dict[str, Any]) -> bool:
            if any(name not in value for name in required):
                return False
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                return False
            for name, item in value.items():
                test = properties.get(name)
                matched = test is not None
                if test is not None and not test(item):
                    return False
                for pattern, sub in patterns:
                    if _regex(pattern).search(name):
                        matched = True
                        if not sub(item):
                            return False
                if not matched and not additional(item):
                    return False
            return True

        return check


def _generic_checks(schema: Mapping[str, Any]) -> list[Check]:
    """type, enum and const (``_valid_generic``), each a test of its own."""
    checks: list[Check] = []
    if "type" in schema:
        declared = schema["type"]
        names = declared if isinstance(declared, list) else [declared]
        if len(names) == 1 and names[0] in _TYPES:
            checks.append(_TYPES[names[0]])
        else:
            checks.append(lambda value: _valid_generic(value, {"type": declared}))
    if "enum" in schema:
        choices = schema["enum"]
        checks.append(lambda value: any(_equal(value, v) for v in choices))
    if "const" in schema:
        const = schema["const"]
        checks.append(lambda value: _equal(value, const))
    return checks


def _by_kind(on_string: Check | None, on_number: Check | None, on_object: Check | None,
             on_array: Check | None) -> Check:
    """The keywords that apply to one kind of value only."""
    def check(value: Any) -> bool:
        if isinstance(value, str):
            return on_string is None or on_string(value)
        if _is_number(value):
            return on_number is None or on_number(value)
        if isinstance(value, dict):
            return on_object is None or on_object(value)
        if isinstance(value, list):
            return on_array is None or on_array(value)
        return True

    return check


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def _string_check(schema: Mapping[str, Any]) -> Check | None:
    if not any(k in schema for k in ("pattern", "maxLength", "minLength")):
        return None
    return lambda value: _valid_string(value, schema)


def _number_check(schema: Mapping[str, Any]) -> Check | None:
    if not any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum",
                                     "exclusiveMaximum")):
        return None
    return lambda value: _valid_number(value, schema)


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
