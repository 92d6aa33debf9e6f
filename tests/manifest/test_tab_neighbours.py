"""A tab-indented line takes the indentation of its nearest field lines within 20 lines
(lines.py, MT105's fix). The neighbours come from index tables built in one pass; they must be
the lines a plain scan outward from each line finds (the scan the tables replaced: it cost
2 x 20 lines per tab line, 11 CPU s for 60,000 tab lines)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from manifest_tools.manifest.lines import LinePass, Positions, split_break

REACH = 20


def _scan(lines: list[str], line0: int, step: int) -> str | None:
    for n in range(line0 + step, line0 + step * (REACH + 1), step):
        if not 0 <= n < len(lines):
            break
        body = split_break(lines[n])[0]
        indent = body[: len(body) - len(body.lstrip(" \t"))]
        if body.strip() and not body.lstrip().startswith("#") and "\t" not in indent:
            return body
    return None


LINES = st.sampled_from(["a: 1\n", "  b: 2\n", "\tc: 3\n", " \td: 4\n", "# x\n", "  # y\n",
                         "\n", "   \n", "\t\n", "e:\r\n", "\u00a0# z\n", "f: 5"])


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=70))
def test_neighbours_are_the_nearest_field_lines(lines: list[str]) -> None:
    passed = LinePass("".join(lines), [], Positions())
    for line0 in range(len(passed.raw)):
        assert passed.content_around(line0) == (_scan(passed.raw, line0, -1),
                                                _scan(passed.raw, line0, +1))
