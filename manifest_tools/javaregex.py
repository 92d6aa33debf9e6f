"""Translate a Java regular expression (``java.util.regex.Pattern``) into Python's ``re``.

AWS reads the manifest's ``ignore`` patterns as "standard Java regular expressions"
(Developer Guide, "Manifest File Options Reference": ignore). Most of the dialect is
Python's too; this module rewrites what differs and refuses what has no equivalent, so a
pattern is never silently read with another meaning:

- ``\\Q...\\E`` quotes literally (to ``\\E`` or the end): escaped with ``re.escape``.
- Possessive quantifiers (``*+``, ``++``, ``?+``, ``{n,m}+``) and atomic groups ``(?>...)``
  are Python's too since 3.11: kept.
- ``\\p{Lower}`` and the other POSIX classes (ASCII in Java unless ``(?U)``), ``\\p{ASCII}``,
  and their ``\\P{...}`` negations outside brackets: written as ASCII sets. Unicode
  categories, scripts and blocks (``\\p{L}``, ``\\p{IsLatin}``, ``\\p{InGreek}``) and the
  ``java...`` classes have no ``re`` equivalent: refused (:class:`PatternError` with
  ``translatable=False``).
- ``\\z`` (end of input) is Python's ``\\Z``; Java's ``\\Z`` (end, before a final line
  terminator) becomes a lookahead; ``\\h``, ``\\H``, ``\\v``, ``\\V``, ``\\R``, ``\\e``,
  ``\\cX``, ``\\0ooo`` and ``\\x{h...}`` become explicit sets or characters.
- ``(?<name>...)`` and ``\\k<name>`` are Python's ``(?P<name>...)`` and ``(?P=name)``.
- Java's ``\\d``, ``\\w``, ``\\s``, ``\\b`` and case-insensitive matching are ASCII unless the
  ``U`` flag is given: the result starts with ``(?a)`` so Python agrees.
- Refused as untranslatable: nested classes and intersections inside brackets (``[a[b]]``,
  ``[a-z&&[^e]]``), inline flags after the start of the pattern, the ``u`` flag without
  ``U``, ``\\G``, ``\\X``, ``\\b{g}``.
- Python-only syntax (``(?P...)``, ``(?#...)``) is not Java: refused as invalid.

Approximation left on purpose (documented in the README): Java's ``.``, ``^`` and ``$``
treat ``\\r``, ``\\u0085``, ``\\u2028`` and ``\\u2029`` as line terminators too; Python only
``\\n`` (Java's ``UNIX_LINES``). It matters only for names holding those characters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from .errors import PatternError

# Java's POSIX classes (US-ASCII only; java.util.regex.Pattern, "POSIX character classes"),
# as bodies that can stand inside Python brackets.
POSIX_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7f",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1f\\x7f",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}
_HSPACE = " \\t\\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000"
_VSPACE = "\\n\\x0b\\f\\r\\x85\\u2028\\u2029"
# Escapes that mean the same set in both dialects inside and outside brackets.
_SETS_OUT = {"h": f"[{_HSPACE}]", "H": f"[^{_HSPACE}]", "v": f"[{_VSPACE}]",
             "V": f"[^{_VSPACE}]", "R": f"(?:\\r\\n|[{_VSPACE}])",
             "z": "\\Z", "Z": "(?=(?:\\r\\n|[\\n\\r\\x85\\u2028\\u2029])?\\Z)",
             "e": "\\x1b"}
_SETS_IN = {"h": _HSPACE, "v": _VSPACE, "e": "\\x1b"}
_REFUSED = {"G": "\\G (end of the previous match)", "X": "\\X (grapheme cluster)"}
_JAVA_FLAGS = frozenset("idmsuxU")
_FLAG_GROUP = re.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])")
_NAMED_GROUP = re.compile(r"\(\?<([a-zA-Z][a-zA-Z0-9]*)>")


def _untranslatable(pattern: str, offset: int, what: str) -> PatternError:
    return PatternError(f"{what} has no Python equivalent (character {offset + 1}); "
                        "rewrite the pattern without it", pattern, offset, translatable=False)


def _invalid(pattern: str, offset: int, what: str) -> PatternError:
    return PatternError(f"not a valid Java regular expression: {what} (character "
                        f"{offset + 1})", pattern, offset)


class _Translator:
    """One left-to-right pass; ``out`` collects the Python pattern."""

    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.i = 0
        self.out: list[str] = []
        self.in_class = False
        self.class_start = 0
        self.unicode = False

    def run(self) -> str:
        self._leading_flags()
        while self.i < len(self.src):
            self._step()
        if self.in_class:
            raise _invalid(self.src, self.class_start, "unclosed character class '['")
        body = "".join(self.out)
        return body if self.unicode else "(?a)" + body

    # --- flags -------------------------------------------------------------------------
    def _leading_flags(self) -> None:
        """``(?iU)`` at the very start may set global flags; Python wants them there too."""
        m = _FLAG_GROUP.match(self.src)
        if m is None or m.group(3) != ")":
            return
        on, off = m.group(1), m.group(2) or ""
        self._check_flags(on + off, 0)
        if "U" in on:
            self.unicode = True
        elif "u" in on:
            raise _untranslatable(self.src, 0, "the u flag (Unicode case folding with ASCII "
                                  "classes)")
        kept = on.replace("U", "").replace("u", "").replace("d", "")
        if off:
            raise _untranslatable(self.src, 0, "turning flags off at the start '(?-...)'")
        if kept:
            self.out.append(f"(?{kept})")
        self.i = m.end()

    def _check_flags(self, flags: str, offset: int) -> None:
        for ch in flags:
            if ch not in _JAVA_FLAGS:
                raise _invalid(self.src, offset, f"unknown inline flag '{ch}'")

    # --- dispatch ------------------------------------------------------------------------
    def _step(self) -> None:
        ch = self.src[self.i]
        if ch == "\\":
            self._escape()
        elif self.in_class:
            self._class_char(ch)
        elif ch == "[":
            self._open_class()
        elif ch == "(":
            self._group()
        else:
            self.out.append(ch)
            self.i += 1

    def _open_class(self) -> None:
        self.in_class = True
        self.class_start = self.i
        self.out.append("[")
        self.i += 1
        # '[^]...' and '[]...': a ']' first is a literal in both dialects.
        if self.src.startswith("^", self.i):
            self.out.append("^")
            self.i += 1
        if self.src.startswith("]", self.i):
            self.out.append("\\]")
            self.i += 1

    def _class_char(self, ch: str) -> None:
        if ch == "]":
            self.in_class = False
            self.out.append("]")
        elif ch == "[":
            raise _untranslatable(self.src, self.i, "a nested character class (union)")
        elif ch == "&" and self.src.startswith("&&", self.i):
            raise _untranslatable(self.src, self.i, "a character class intersection '&&'")
        elif ch in "&~|":
            # Literal in Java; Python warns that doubled ones may become set operations.
            self.out.append("\\" + ch)
        else:
            self.out.append(ch)
        self.i += 1

    def _group(self) -> None:
        rest = self.src[self.i:]
        named = _NAMED_GROUP.match(rest)
        if named is not None:
            self.out.append(f"(?P<{named.group(1)}>")
            self.i += named.end()
            return
        if rest.startswith(("(?P", "(?#")):
            raise _invalid(self.src, self.i, f"'{rest[:3]}' is Python syntax, not Java")
        flags = _FLAG_GROUP.match(rest)
        if flags is not None and (flags.group(1) or flags.group(2)):
            self._scoped_flags(flags)
            return
        self.out.append("(")
        self.i += 1

    def _scoped_flags(self, m: re.Match[str]) -> None:
        on, off = m.group(1), m.group(2) or ""
        self._check_flags(on + off, self.i)
        if m.group(3) == ")":
            raise _untranslatable(self.src, self.i, "an inline flag group after the start of "
                                  "the pattern (use '(?i:...)' or move it to the start)")
        if set(on + off) & set("uU"):
            raise _untranslatable(self.src, self.i, "the u/U flags inside a group")
        on, off = on.replace("d", ""), off.replace("d", "")
        self.out.append(f"(?{on}{'-' + off if off else ''}:" if on or off else "(?:")
        self.i += m.end()

    # --- escapes -------------------------------------------------------------------------
    def _escape(self) -> None:
        start = self.i
        if start + 1 >= len(self.src):
            raise _invalid(self.src, start, "a trailing backslash")
        ch = self.src[start + 1]
        self.i += 2
        handler = _ESCAPES.get(ch)
        if handler is not None:
            handler(self, start)
            return
        if ch in _REFUSED:
            raise _untranslatable(self.src, start, _REFUSED[ch])
        table = _SETS_IN if self.in_class else _SETS_OUT
        if ch in table:
            self.out.append(table[ch])
        elif self.in_class and ch in _SETS_OUT:
            raise _untranslatable(self.src, start, f"\\{ch} inside a character class")
        else:
            self.out.append("\\" + ch)

    def _quote(self, start: int) -> None:
        end = self.src.find("\\E", self.i)
        text = self.src[self.i:] if end < 0 else self.src[self.i:end]
        self.out.append(re.escape(text))
        self.i = len(self.src) if end < 0 else end + 2

    def _end_quote(self, start: int) -> None:
        pass  # a stray \E outside \Q...\E is ignored by Java too

    def _property(self, start: int) -> None:
        negated = self.src[start + 1] == "P"
        name = self._property_name(start)
        body = POSIX_CLASSES.get(name.removeprefix("Is"))
        if body is None or self.unicode:
            raise _untranslatable(self.src, start, f"the class \\{'P' if negated else 'p'}"
                                  f"{{{name}}}")
        if not self.in_class:
            self.out.append(f"[{'^' if negated else ''}{body}]")
        elif negated:
            raise _untranslatable(self.src, start, f"\\P{{{name}}} inside a character class")
        else:
            self.out.append(body)

    def _property_name(self, start: int) -> str:
        if self.src.startswith("{", self.i):
            end = self.src.find("}", self.i)
            if end < 0:
                raise _invalid(self.src, start, "unclosed character family '\\p{'")
            name = self.src[self.i + 1:end]
            self.i = end + 1
            return name
        if self.i >= len(self.src):
            raise _invalid(self.src, start, "'\\p' without a class name")
        name = self.src[self.i]
        self.i += 1
        return name

    def _control(self, start: int) -> None:
        if self.i >= len(self.src):
            raise _invalid(self.src, start, "'\\c' without a letter")
        self._char(ord(self.src[self.i]) ^ 64)
        self.i += 1

    def _octal(self, start: int) -> None:
        m = re.compile(r"[0-3][0-7]{0,2}|[0-7]{1,2}").match(self.src, self.i)
        if m is None:
            raise _invalid(self.src, start, "'\\0' must be followed by an octal digit")
        self._char(int(m.group(), 8))
        self.i = m.end()

    def _hex(self, start: int) -> None:
        if not self.src.startswith("{", self.i):
            self.out.append("\\x")
            return
        m = re.compile(r"\{([0-9a-fA-F]{1,8})\}").match(self.src, self.i)
        if m is None or int(m.group(1), 16) > 0x10FFFF:
            raise _invalid(self.src, start, "'\\x{...}' needs a hexadecimal code point")
        self._char(int(m.group(1), 16))
        self.i = m.end()

    def _backref(self, start: int) -> None:
        m = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)>").match(self.src, self.i)
        if m is None:
            raise _invalid(self.src, start, "'\\k' must be followed by '<name>'")
        self.out.append(f"(?P={m.group(1)})")
        self.i = m.end()

    def _boundary(self, start: int) -> None:
        if self.src.startswith("{", self.i):
            raise _untranslatable(self.src, start, "\\b{g} (grapheme boundary)")
        self.out.append("\\b")

    def _char(self, code: int) -> None:
        self.out.append(f"\\U{code:08x}")


_ESCAPES: dict[str, Callable[[_Translator, int], None]] = {
    "Q": _Translator._quote,
    "E": _Translator._end_quote,
    "p": _Translator._property,
    "P": _Translator._property,
    "c": _Translator._control,
    "0": _Translator._octal,
    "x": _Translator._hex,
    "k": _Translator._backref,
    "b": _Translator._boundary,
}


# A manifest's patterns are decided once per run whatever the number of files and readers
# (validate's MT611 check per file, the key rules); bounded, so a stream of distinct
# hostile patterns costs bounded memory. A refusal is kept as its arguments: raising one
# stored exception object again and again would grow its traceback.
@functools.lru_cache(maxsize=4096)
def _decide(pattern: str) -> tuple[str, re.Pattern[str]] | tuple[str, str, int, bool]:
    try:
        translated = _Translator(pattern).run()
    except PatternError as exc:
        return (str(exc), pattern, exc.offset, exc.translatable)
    try:
        return translated, re.compile(translated)
    except re.error as exc:
        # Offsets of the translation do not map back; name the pattern's problem in words.
        return (f"not a valid regular expression: {exc.msg}", pattern, 0, True)


def _decided(pattern: str) -> tuple[str, re.Pattern[str]]:
    decided = _decide(pattern)
    if len(decided) == 2:
        return decided
    message, text, offset, translatable = decided
    raise PatternError(message, text, offset, translatable=translatable)


def java_regex_error(pattern: str) -> PatternError | None:
    """Why ``pattern`` cannot be used (see :func:`translate_java_regex`), or None."""
    try:
        _decided(pattern)
    except PatternError as exc:
        return exc
    return None


def translate_java_regex(pattern: str) -> str:
    """The Python ``re`` pattern with the meaning of Java ``pattern`` (see the module doc).

    Raises :class:`PatternError` for a construct with no Python equivalent
    (``translatable=False``) or a pattern neither dialect accepts (checked by compiling the
    translation).
    """
    return _decided(pattern)[0]
