"""The rule table is the single source for ids; the README's table must list each of them."""

from __future__ import annotations

import re
from pathlib import Path

from manifest_tools.report.rules import render_readme_rules, render_rule
from manifest_tools.rules import RULES
from tests.conftest import RunCli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_rule_section_is_generated_from_the_rule_table() -> None:
    """Each rule's README anchor holds what `rules ID` prints; regenerate with
    scripts/readme_rules.py."""
    section = render_readme_rules(list(RULES.values()))
    assert section in README, "README's rule section is stale: run scripts/readme_rules.py"
    for rule in RULES.values():
        explained = f'<a id="{rule.id.lower()}"></a>{rule.id} {rule.name}\n\n```text\n'
        assert explained + render_rule(rule) + "```" in README, rule.id


def test_readme_rule_anchor_shows_what_the_rules_command_prints(run_cli: RunCli) -> None:
    printed = run_cli("rules", "MT303").out
    anchor = README.index('<a id="mt303"></a>')
    assert printed in README[anchor:anchor + len(printed) + 200]


def test_readme_lists_no_rule_the_catalogue_does_not_know() -> None:
    documented = set(re.findall(r'<a id="mt\d{3}"></a>(MT\d{3})', README))
    assert documented == set(RULES)


def test_rule_ids_and_names_are_unique_and_well_formed() -> None:
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))
    for rule_id, rule in RULES.items():
        assert re.fullmatch(r"MT[1-7]\d\d", rule_id) and rule.id == rule_id
        assert rule.short and rule.full
