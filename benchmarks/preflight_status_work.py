"""Count the work `preflight DEV --manifest M --status S` does on one job's inputs.

By hand (not a test): how many times the manifest is parsed, key rules are built and ignore
patterns are translated from Java to Python in one run, in-process through the real CLI.
Usage: .venv/bin/python benchmarks/preflight_status_work.py
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from manifest_tools import javaregex
from manifest_tools.device import keys
from manifest_tools.manifest import parse
from manifest_tools.signature import render_signature_file, sign
from tests.manifests import IMPORT

PATTERNS = ["\\.bak$", "^backup/", ".*~$"]
KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def main() -> None:
    counts: Counter[str] = Counter()

    def counting(name: str, module: object, attr: str) -> None:
        real = getattr(module, attr)

        def wrapper(*args: object, **kwargs: object) -> object:
            counts[name] += 1
            return real(*args, **kwargs)

        setattr(module, attr, wrapper)

    counting("parse_manifest", parse, "_finish")  # every parse ends there
    real_translate = javaregex.translate_java_regex
    counting("translate_java_regex asked", javaregex, "translate_java_regex")
    counting("translate_java_regex asked", keys, "translate_java_regex")
    counting("KeyRules.read", keys.KeyRules, "read")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        manifest = (IMPORT + "ignore:\n" + "".join(f"  - '{p}'\n" for p in PATTERNS)).encode()
        (root / "m.yaml").write_bytes(manifest)
        sig = sign(manifest, "EX1ID", KEY)
        contents = render_signature_file(sig).decode()
        (root / "status.json").write_text(json.dumps({
            "JobId": "EX1ID", "JobType": "Import", "LocationCode": "NotReceived",
            "ProgressCode": "Pending", "Signature": sig.signature,
            "SignatureFileContents": contents, "CurrentManifest": manifest.decode()}))
        dev = root / "dev"
        dev.mkdir()
        (dev / "SIGNATURE").write_text(contents)
        (dev / "a.txt").write_text("a")
        from manifest_tools.cli.app import main as cli

        with contextlib.suppress(SystemExit):
            cli(["preflight", str(dev), "--manifest", str(root / "m.yaml"), "--status",
                 str(root / "status.json"), "--format", "json"])
    info = getattr(real_translate, "cache_info", None)
    # Without the cache every call translates; with it, only the misses do.
    counts["patterns translated"] = info().misses if info else counts[
        "translate_java_regex asked"]
    print(f"\n{len(PATTERNS)} ignore patterns:", dict(counts), file=sys.stderr)


if __name__ == "__main__":
    main()
