"""Rewrite schemas/*.schema.json in bundled form (see manifest_tools/schemas_bundle.py).

Run after editing a schema: ``.venv/bin/python scripts/bundle_schemas.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from manifest_tools.schemas_bundle import COMMON, bundle, with_id

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def main() -> None:
    common = json.loads((SCHEMAS / COMMON).read_text(encoding="utf-8"))
    outputs = {COMMON: with_id(COMMON, common)}
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        if path.name != COMMON:
            schema = json.loads(path.read_text(encoding="utf-8"))
            outputs[path.name] = bundle(path.name, schema, common)
    for name, schema in outputs.items():
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        (SCHEMAS / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
