"""Each fact about AWS is written once: no pattern, code table, field list or text constant
is defined twice at module level in the package (an alias, ``X = aws.Y``, is fine)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "manifest_tools"


def _is_fact(value: ast.expr) -> bool:
    """Patterns (re.compile), tuples, lists and sets of texts, texts and byte strings."""
    if isinstance(value, ast.Call):
        return ast.unparse(value.func) == "re.compile"
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        return bool(value.elts) and all(isinstance(e, ast.Constant) and
                                        isinstance(e.value, (str, bytes)) for e in value.elts)
    if isinstance(value, ast.Constant):
        return isinstance(value.value, (str, bytes)) and len(value.value) >= 3
    return False


def _facts() -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            if value is None:
                continue
            if isinstance(value, ast.Call) and ast.unparse(value.func) == "frozenset":
                value = value.args[0] if value.args else value
            if _is_fact(value):
                seen[ast.unparse(value)].append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return seen


def test_no_aws_fact_is_defined_twice() -> None:
    twice = {text: where for text, where in _facts().items() if len(where) > 1}
    assert twice == {}, "defined more than once (keep one, import it): " + "; ".join(
        f"{text[:60]} at {', '.join(where)}" for text, where in twice.items())


def test_the_scan_sees_the_facts() -> None:
    facts = _facts()
    assert "re.compile('[A-Za-z0-9+/]{27}=')" in facts  # aws.HMAC_SHAPE
    assert "('version', 'signingMethod', 'jobId', 'signature')" in facts
