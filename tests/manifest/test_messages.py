"""Messages quote input, but never unboundedly: a huge key or value gives a short message."""

from __future__ import annotations

from pathlib import Path

from manifest_tools.manifest.validate import validate_bytes

VALID = (Path(__file__).resolve().parents[2] / "samples" / "valid" / "s3-import.yaml").read_bytes()
HUGE = "k" * 100_000
LONG_KEY = "k" * 1000  # YAML allows at most 1024 characters in an implicit key


def test_huge_unknown_duplicate_and_anchored_names_are_clipped() -> None:
    data = VALID + (f"{LONG_KEY}: 1\n{LONG_KEY}: 2\nx{LONG_KEY}: &{HUGE} 3\n").encode()
    result = validate_bytes(data)
    rules = {d.rule for d in result.diagnostics}
    assert {"MT106", "MT107", "MT203"} <= rules
    assert all(len(d.message) < 400 for d in result.diagnostics)


def test_huge_values_are_clipped_in_cross_field_messages() -> None:
    text = VALID.decode().replace("bucket: ", f"bucket: B{HUGE}", 1)
    text = text.replace("country: USA", f"country: C{HUGE}").replace(
        "eraseDevice: yes", "eraseDevice: yes\nserviceLevel: expeditedShipping")
    result = validate_bytes(text.encode())
    rules = {d.rule for d in result.diagnostics}
    assert {"MT303", "MT316"} <= rules  # over 255 characters: no bucket at all
    assert all(len(d.message) < 400 for d in result.diagnostics)
