"""The line pass cuts text into lines the same way with its LF-only shortcut as with the
LINE pattern (every YAML line break: CR LF, CR, LF, NEL, LS, PS)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from manifest_tools.manifest.lines import LINE, LinePass, Positions


def _by_pattern(text: str) -> list[str]:
    lines = [m.group() for m in LINE.finditer(text)]
    if lines and not lines[-1]:
        lines.pop()
    return lines


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="ab: \n\r\x85\u2028\u2029\x0b\x0c\t", max_size=40))
def test_lines_are_cut_as_the_pattern_cuts_them(text: str) -> None:
    assert LinePass(text, [], Positions()).raw == _by_pattern(text)
