"""get-status output as an e-mail hands it back: quoted in a reply, JSON re-wrapped.

A reply quotes every line with ``> `` (``>> `` or ``> > `` a level deeper); a mail client
re-wraps long lines at 72-78 columns, which inside a JSON string puts a raw line break where
JSON can hold none. Both are undone here, once, and said: a reader users can trust handles
that too, and says when it had to guess.
"""

from __future__ import annotations


def _depth(line: str) -> int:
    depth, pos = 0, 0
    while pos < len(line) and line[pos] == ">":
        depth += 1
        pos += 1
        while pos < len(line) and line[pos] in " \t" and pos + 1 < len(line) \
                and line[pos + 1] == ">":
            pos += 1
    return depth


def unquote(text: str) -> tuple[str, int]:
    """``text`` with the quote marks of an e-mail reply removed, and their depth (0: the
    text was not quoted, returned unchanged).

    Only when *every* non-blank line starts with ``>``: one line of a value that starts with
    ``>`` does not make a quote. The same number of levels is removed from every line, each
    with the one space after it when every quoted line has that space (a client that writes
    ``>text`` keeps the value's own leading spaces).
    """
    lines = text.split("\n")
    body = [ln for ln in lines if ln.strip(" \t\r")]
    if not body or not all(ln.startswith(">") for ln in body):
        return text, 0
    depth = min(_depth(ln) for ln in body)
    out = lines
    for _ in range(depth):
        spaced = all(ln.startswith("> ") or ln.rstrip(" \t\r") == ">" for ln in out
                     if ln.strip(" \t\r"))
        width = 2 if spaced else 1
        out = [ln[width:] if ln.startswith(">") else ln for ln in out]
        out = [ln.lstrip(" \t") if ln.startswith((" >", "\t>")) else ln for ln in out]
    return "\n".join(out), depth


def unwrap_json(text: str) -> tuple[str, list[int], bool]:
    """JSON whose strings were broken over lines by a mail client, joined again.

    Returns (the text, the 1-based lines where a break inside a string was joined, whether a
    join had to guess). A line that ends in a space was broken at that space (format=flowed
    keeps it): the break is removed. Otherwise the client replaced a space with the break,
    unless the line was as long as the longest line (a word too long for the line, cut):
    then nothing was lost. That second case is a guess, reported by the caller.
    """
    lines = text.split("\n")
    width = max((len(ln.rstrip("\r")) for ln in lines), default=0)
    out: list[str] = []
    joined: list[int] = []
    guessed = False
    in_string = escaped = False
    for number, line in enumerate(lines, start=1):
        in_string, escaped = _scan(line, in_string, escaped)
        if number == len(lines):
            out.append(line)
        elif in_string:
            body = line.removesuffix("\r")
            glue, guess = _glue(body, escaped, width)
            out.append(body + glue)
            joined.append(number)
            guessed = guessed or guess
        else:
            out.append(line + "\n")
    return "".join(out), joined, guessed


def _scan(line: str, in_string: bool, escaped: bool) -> tuple[bool, bool]:
    """The JSON string state after ``line``: inside a string, after a backslash."""
    for char in line:
        if escaped:
            escaped = False
        elif in_string and char == "\\":
            escaped = True
        elif char == '"':
            in_string = not in_string
    return in_string, escaped


def _glue(before: str, escaped: bool, width: int) -> tuple[str, bool]:
    """What stood where a client broke a line inside a string, and whether that is a guess:
    nothing after a trailing space (format=flowed) or inside an escape; nothing when the
    line is full (a word too long for the line was cut); else the space the break replaced."""
    if escaped or before.endswith(" "):
        return "", False
    if len(before) >= width:
        return "", True
    return " ", True
