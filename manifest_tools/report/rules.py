"""Renderers of the rule catalogue for ``manifest-tools rules``: pure functions to text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from ..rules import Rule


def render_rules(rules: Sequence[Rule], fmt: str = "text") -> str:
    """One line per rule: id, name, level, source; ``json``: a list of every field."""
    if fmt == "json":
        return json.dumps([asdict(r) for r in rules], indent=2, ensure_ascii=False) + "\n"
    width = max(len(r.name) for r in rules)
    lines = [f"{r.id}  {r.name:<{width}}  {r.level:<7}  {r.source or '-'}" for r in rules]
    return "\n".join(lines) + "\n"


def render_rule(rule: Rule, fmt: str = "text") -> str:
    """One rule explained: what it means, its level, where it comes from, an example."""
    if fmt == "json":
        return json.dumps(asdict(rule), indent=2, ensure_ascii=False) + "\n"
    lines = [f"{rule.id} {rule.name}: {rule.short}", "", rule.full, "",
             f"level: {rule.level}"]
    if rule.aws_error:
        lines.append(f"AWS error it mirrors: {rule.aws_error}")
    if rule.source:
        lines.append(f"source: {rule.source}")
    if rule.example:
        lines += ["", "example:"] + [f"  {line}" for line in rule.example.splitlines()]
    return "\n".join(lines) + "\n"


README_BEGIN = ("<!-- rules: generated from manifest_tools/rules.py by scripts/readme_rules.py; "
                "do not edit by hand -->")
README_END = "<!-- end of generated rules -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_readme_rules(rules: Sequence[Rule]) -> str:
    """The README's rule section: a table of every rule linking to its anchor, and under
    each anchor the explanation and example exactly as ``manifest-tools rules ID`` prints
    them (so the two cannot drift: a test compares them)."""
    lines = [README_BEGIN, "", "| id | name | level | AWS error it mirrors | what it means |",
             "|---|---|---|---|---|"]
    lines += [f"| [{r.id}](#{r.id.lower()}) | {r.name} | {r.level} | {r.aws_error or '-'} | "
              f"{_cell(r.short)} |" for r in rules]
    for r in rules:
        lines += ["", f'#### <a id="{r.id.lower()}"></a>{r.id} {r.name}', "", "```text",
                  render_rule(r).rstrip("\n"), "```"]
    lines += ["", README_END]
    return "\n".join(lines) + "\n"


def replace_readme_rules(readme: str, rules: Sequence[Rule]) -> str:
    """``readme`` with its generated rule section replaced (ValueError without markers)."""
    start = readme.index(README_BEGIN)
    end = readme.index(README_END) + len(README_END) + 1
    return readme[:start] + render_readme_rules(rules) + readme[end:]
