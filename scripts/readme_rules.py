"""Regenerate the README's rule section from the rule table (manifest_tools/rules.py).

Run after changing a rule: ``.venv/bin/python scripts/readme_rules.py``. tests/test_rules.py
fails while the README is out of date.
"""

from __future__ import annotations

from pathlib import Path

from manifest_tools.report.rules import replace_readme_rules
from manifest_tools.rules import RULES

README = Path(__file__).resolve().parents[1] / "README.md"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    README.write_text(replace_readme_rules(text, list(RULES.values())), encoding="utf-8")


if __name__ == "__main__":
    main()
