"""The rule table is the single source for ids; the README's table must list each of them."""

from __future__ import annotations

import re
from pathlib import Path

from manifest_tools.rules import RULES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_rule_has_a_readme_row_with_its_anchor_and_name() -> None:
    for rule in RULES.values():
        row = f'| <a id="{rule.id.lower()}"></a>{rule.id} | {rule.name} |'
        assert row in README, f"README rule table lacks {rule.id}"


def test_readme_lists_no_rule_the_catalogue_does_not_know() -> None:
    documented = set(re.findall(r'<a id="mt\d{3}"></a>(MT\d{3})', README))
    assert documented == set(RULES)


def test_rule_ids_and_names_are_unique_and_well_formed() -> None:
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))
    for rule_id, rule in RULES.items():
        assert re.fullmatch(r"MT[1-8]\d\d", rule_id) and rule.id == rule_id
        assert rule.short and rule.full
