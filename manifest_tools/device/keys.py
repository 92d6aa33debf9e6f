"""The S3 key AWS gives each file of an import device, and the files it ignores.

AWS's rules (Developer Guide, "Manifest File Options Reference" and "Storage device
requirements"):

- key = ``prefix`` + the path relative to the device root with ``/`` (no ``/`` added after
  the prefix: ``images`` + ``sample.jpg`` = ``imagessample.jpg``);
- ``substitutions`` are "applied after prefix": *our decision* where the guide is silent
  (README, "Preflight decisions"): they apply to the whole key, prefix included, one after
  the other in the order the manifest lists them, each replacing every occurrence of its
  text (plain text, not a pattern) in the result of the one before;
- ``ignore`` holds Java regular expressions searched (not fully matched: AWS's examples are
  ``\\.psd$`` and ``^backup/``) in the device-relative path, before any prefix or
  substitution;
- the root ``SIGNATURE`` file is never imported: AWS's log lists it as ``103 Ignored``
  ("The log report includes all ignored files, including the SIGNATURE file").

``KeyRules.from_manifest`` raises :class:`KeyRulesError` (a :class:`FindingsError`: exit
code 1) whose ``diagnostics`` name every unusable ``ignore`` pattern or substitution by JSON
Pointer; ``KeyRules.read`` returns the usable rules and those diagnostics instead, for
callers that go on (the preflight reports and continues without the bad pattern).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from ..aws import SIGNATURE_NAME
from ..diagnostics import Diagnostic, clip, error, pointer_join
from ..errors import FindingsError, PatternError
from ..javaregex import translate_java_regex

if TYPE_CHECKING:
    from ..manifest.parse import Manifest

__all__ = [
    "AWS_IGNORED_ROOT_NAMES",
    "KeyDecision",
    "KeyRules",
    "KeyRulesError",
    "aws_ignores",
    "literal_anchor",
    "literal_shape",
    "pattern_diagnostics",
    "translate_java_regex",
]

# Root entries AWS never imports whatever the manifest says: the job's own SIGNATURE, which
# the import log lists with status 103 Ignored (Developer Guide, "Import Log").
AWS_IGNORED_ROOT_NAMES = frozenset({SIGNATURE_NAME})

# Rule ids of the findings below (catalogued in rules.py).
RULE_BAD_PATTERN = "MT611"
RULE_BAD_SUBSTITUTION = "MT612"


def aws_ignores(relpath: str) -> bool:
    """True for an entry AWS skips on its own (the root SIGNATURE: ``103 Ignored``)."""
    return relpath in AWS_IGNORED_ROOT_NAMES


class KeyRulesError(FindingsError):
    """The manifest's ``ignore`` or ``substitutions`` cannot be applied as written."""


@dataclass(frozen=True, slots=True)
class KeyDecision:
    """What AWS does with one file: ``import`` it under ``key``, or ``ignored`` it because
    of ``pattern`` (an ignore pattern, as written in the manifest) or, with ``pattern``
    None, because AWS always skips it (the root SIGNATURE)."""

    action: Literal["import", "ignored"]
    key: str
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class KeyRules:
    """``prefix``, ``substitutions`` (in the order applied) and compiled ``ignore`` patterns."""

    prefix: str = ""
    substitutions: tuple[tuple[str, str], ...] = ()
    ignore: tuple[tuple[str, re.Pattern[str]], ...] = ()
    # Diagnostics for what ``read`` had to leave out (empty from ``from_manifest``).
    dropped: tuple[Diagnostic, ...] = field(default=(), compare=False)

    @classmethod
    def from_manifest(cls, data: Mapping[str, Any]) -> KeyRules:
        """The rules of a parsed manifest (``manifest.parse.parse_manifest(...).data``);
        raises :class:`KeyRulesError` when a pattern or substitution is unusable."""
        rules = cls.read(data)
        if rules.dropped:
            raise KeyRulesError("the manifest's ignore patterns or substitutions cannot be "
                                "applied", rules.dropped)
        return rules

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> KeyRules:
        """Like ``from_manifest`` but never raises for content: unusable entries are left
        out and described in ``dropped``."""
        diagnostics = pattern_diagnostics(data)
        bad = {d.pointer for d in diagnostics}
        prefix = data.get("prefix")
        ignore = tuple((p, re.compile(translate_java_regex(p)))
                       for pointer, p in _patterns(data) if pointer not in bad)
        return cls(
            prefix=prefix if isinstance(prefix, str) else "",
            substitutions=tuple(_substitutions(data, bad)),
            ignore=ignore,
            dropped=tuple(diagnostics),
        )

    @classmethod
    def located(cls, manifest: Manifest, label: str) -> tuple[KeyRules, list[Diagnostic]]:
        """``read`` on a parsed manifest, with what it left out as findings located in that
        manifest (``source`` ``label``): the one way preflight, log and the job loader get
        a manifest's rules."""
        rules = cls.read(manifest.data if isinstance(manifest.data, dict) else {})
        found = []
        for d in rules.dropped:
            line, column = manifest.position(d.pointer)
            found.append(replace(d, line=line, column=column, source=label))
        return rules, found

    def s3_key(self, relpath: str) -> str:
        """The key for ``relpath`` ('/'-separated, relative to the root, no leading '/')."""
        key = self.prefix + relpath
        for old, new in self.substitutions:
            key = key.replace(old, new)
        return key

    def ignored_by(self, relpath: str) -> str | None:
        """The first ignore pattern (as written) found in ``relpath``, else None."""
        # One search per pattern: an alternation of them all is 5x slower (it defeats the
        # literal-prefix and anchor shortcuts of each).
        for text, compiled in self.ignore:
            if compiled.search(relpath) is not None:
                return text
        return None

    def decide(self, relpath: str) -> KeyDecision:
        """``import`` with the key, or ``ignored`` (by AWS itself or by a pattern)."""
        key = self.s3_key(relpath)
        if aws_ignores(relpath):
            return KeyDecision("ignored", key)
        pattern = self.ignored_by(relpath)
        if pattern is not None:
            return KeyDecision("ignored", key, pattern)
        return KeyDecision("import", key)


# A translated pattern that is only plain text anchored at one end: (?a) then '^' + text,
# or text + '$'. Text: characters with no meaning in a pattern, or a backslash before ASCII
# punctuation (which Python reads as that character).
_ANCHORED = re.compile(r"\(\?a\)(\^?)((?:[^\\.^$*+?{}\[\]()|]|\\[!-/:-@\[-`{-~ ])+)(\$?)")


def literal_anchor(translated: str) -> tuple[Literal["prefix", "suffix"], str] | None:
    """``('prefix', text)`` when the translated pattern ``translated`` is ``(?a)^text``,
    ``('suffix', text)`` when it is ``(?a)text$``, with ``text`` plain (unescaped); None for
    anything else. AWS's own examples (``^backup/``, ``\\.psd$``) are of this shape: the
    preflight can then tell from a whole folder's names at once that the pattern matches
    none of them. (``$`` also matches before a final newline: the caller only asks this
    about names that hold no control character.)"""
    shape = _ANCHORED.fullmatch(translated)
    if shape is None or bool(shape.group(1)) == bool(shape.group(3)):
        return None
    text = re.sub(r"\\(.)", lambda m: m.group(1), shape.group(2))
    return ("prefix" if shape.group(1) else "suffix"), text


_LITERAL = re.compile(r"(?:[^\\.^$*+?{}\[\]()|]|\\[!-/:-@\[-`{-~ ])+")


def literal_shape(translated: str) -> tuple[Literal["prefix", "suffix", "contains"], str] | None:
    r"""``literal_anchor``, and also the shapes people write around plain text, on names
    without a newline (where ``.*`` matches any run of characters and ``$`` only the end):
    ``^.*X$`` and ``.*X$`` are the suffix X; ``^X.*`` and ``^X.*$`` the prefix X; ``X``,
    ``^.*X`` and ``X.*`` mean X anywhere (``'contains'``). (The sample manifest's
    ``^.*\.bak$`` and ``^tmp/.*``, and patterns like ``\.DS_Store``.) None for anything
    else, and for plain text anchored at both ends."""
    anchor = literal_anchor(translated)
    if anchor is not None or not translated.startswith("(?a)"):
        return anchor
    body, start, end = translated[4:], False, False
    if body.startswith("^.*"):
        body = body[3:]
    elif body.startswith(".*"):
        body = body[2:]
    elif body.startswith("^"):
        body, start = body[1:], True
    # An escaped '.' or '$' at the end leaves a lone backslash: not plain text, so None.
    if body.endswith(".*$"):
        body = body[:-3]
    elif body.endswith(".*"):
        body = body[:-2]
    elif body.endswith("$"):
        body, end = body[:-1], True
    if (start and end) or _LITERAL.fullmatch(body) is None:
        return None
    text = re.sub(r"\\(.)", lambda m: m.group(1), body)
    return ("prefix" if start else "suffix" if end else "contains"), text


def _patterns(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(JSON Pointer, pattern) of each ``ignore`` entry that is text."""
    value = data.get("ignore")
    if isinstance(value, str):
        return [("/ignore", value)]  # one pattern written as a scalar
    if isinstance(value, list):
        return [(pointer_join("/ignore", i), p) for i, p in enumerate(value)
                if isinstance(p, str)]
    return []


def _substitutions(data: Mapping[str, Any], bad: set[str]) -> list[tuple[str, str]]:
    value = data.get("substitutions")
    if not isinstance(value, Mapping):
        return []
    return [(old, new) for old, new in value.items()
            if isinstance(new, str) and pointer_join("/substitutions", old) not in bad]


def pattern_diagnostics(data: Mapping[str, Any]) -> list[Diagnostic]:
    """Findings for unusable ``ignore`` patterns and ``substitutions``, located by JSON
    Pointer (``/ignore/2``, ``/substitutions/~1tmp``); line and column are left at 1 for
    the caller to fill in from the manifest's spans."""
    found: list[Diagnostic] = []
    for pointer, pattern in _patterns(data):
        try:
            translate_java_regex(pattern)
        except PatternError as exc:
            hint = None if exc.translatable else ("AWS would read this Java construct; the "
                                                  "toolkit cannot check which files it skips")
            found.append(error(RULE_BAD_PATTERN, f"ignore pattern '{clip(pattern)}': {exc}",
                               pointer=pointer, hint=hint))
    value = data.get("substitutions")
    if isinstance(value, Mapping) and "" in value:
        found.append(error(RULE_BAD_SUBSTITUTION, "substitutions: an empty text to replace "
                           "would insert the replacement between every two characters",
                           pointer=pointer_join("/substitutions", "")))
    return found
