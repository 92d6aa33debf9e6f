"""``validate --statistics``: how many findings of each rule, most frequent first (as ruff's
``--statistics``): ``count  RULE  name  [error|warning]``, silenced ones counted apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ..manifest.validate import FileResult
from ..rules import RULES


def render_statistics(results: Sequence[FileResult]) -> str:
    shown = Counter(d.rule for r in results for d in r.diagnostics)
    silenced = Counter(s.diagnostic.rule for r in results for s in r.suppressed)
    levels = {d.rule: d.severity.value for r in results for d in r.diagnostics}
    levels.update({s.diagnostic.rule: s.diagnostic.severity.value
                   for r in results for s in r.suppressed})
    rules = sorted(shown.keys() | silenced.keys(), key=lambda k: (-shown[k], -silenced[k], k))
    if not rules:
        return ""
    width = max(len(str(shown[k])) for k in rules)
    name_width = max(len(RULES[k].name) for k in rules)
    lines = []
    for rule in rules:
        line = f"{shown[rule]:>{width}}  {rule}  {RULES[rule].name:<{name_width}}  {levels[rule]}"
        if silenced[rule]:
            line += f"  ({silenced[rule]} silenced)"
        lines.append(line.rstrip())
    return "\n".join(lines) + "\n"
