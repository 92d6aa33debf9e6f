"""Count the work `preflight DEV --manifest M --status S` does on one job's inputs.

By hand (not a test): how many times the manifest is parsed, key rules are built and ignore
patterns are translated from Java to Python in one run, in-process through the real CLI.
Usage: .venv/bin/python benchmarks/preflight_status_work.py
"""

from __future__ import annotations

import contextlib
import io
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


def write_job(root: Path, current_form: str) -> Path:
    """m.yaml (with the ignore patterns), status.json and the device folder dev/ holding
    the job's SIGNATURE, under ``root``; the device folder."""
    ignore = "ignore:\n" + "".join(f"  - '{p}'\n" for p in PATTERNS)
    manifest = (IMPORT + ignore).encode()
    current = manifest if current_form == "same" else (
        IMPORT.replace(": ", ":") + "acl:private\n" + ignore).encode()
    (root / "m.yaml").write_bytes(manifest)
    sig = sign(current, "EX1ID", KEY)
    contents = render_signature_file(sig).decode()
    (root / "status.json").write_text(json.dumps({
        "JobId": "EX1ID", "JobType": "Import", "LocationCode": "NotReceived",
        "ProgressCode": "Pending", "Signature": sig.signature,
        "SignatureFileContents": contents, "CurrentManifest": current.decode()}))
    dev = root / "dev"
    dev.mkdir()
    (dev / "SIGNATURE").write_text(contents)
    return dev


def run(current_form: str) -> Counter[str]:
    """One ``preflight --status`` run; ``current_form``: CurrentManifest as given ("same")
    or in AWS's compact form with its defaults filled in ("compact": same fields, other
    text, so verify compares the fields too)."""
    counts: Counter[str] = Counter()
    undo: list[tuple[object, str, object]] = []

    def counting(name: str, module: object, attr: str) -> None:
        real = getattr(module, attr)
        undo.append((module, attr, real))

        def wrapper(*args: object, **kwargs: object) -> object:
            counts[name] += 1
            return real(*args, **kwargs)

        setattr(module, attr, wrapper)

    counting("parse_manifest", parse, "_finish")  # every parse ends there
    javaregex._decide.cache_clear()  # the per-run decisions behind translate_java_regex
    counting("translate_java_regex asked", javaregex, "translate_java_regex")
    counting("translate_java_regex asked", keys, "translate_java_regex")
    counting("KeyRules.read", keys.KeyRules, "read")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            dev = write_job(Path(tmp), current_form)
            (dev / "a.txt").write_text("a")
            from manifest_tools.cli.app import main as cli

            with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
                cli(["preflight", str(dev), "--manifest", str(Path(tmp) / "m.yaml"),
                     "--status", str(Path(tmp) / "status.json"), "--format", "json"])
        # Only the cache's misses translate (and compile) a pattern.
        counts["patterns translated"] = javaregex._decide.cache_info().misses
    finally:
        for module, attr, real in reversed(undo):
            setattr(module, attr, real)
    return counts


def main() -> None:
    for form in ("same", "compact"):
        print(f"{len(PATTERNS)} ignore patterns, CurrentManifest {form}:", dict(run(form)),
              file=sys.stderr)


if __name__ == "__main__":
    main()
