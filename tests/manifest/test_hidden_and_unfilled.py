"""What the parser knows about values, told by type or computed from the parse, never
recovered from a label's text or written into the manifest by a rule."""

from __future__ import annotations

from manifest_tools.manifest.parse import HiddenKey, parse_manifest
from manifest_tools.manifest.placeholders import placeholder_diagnostics
from manifest_tools.manifest.validate import validate_bytes
from tests.manifests import IMPORT


def test_a_key_that_only_looks_like_the_hidden_marker_is_an_unknown_field() -> None:
    """Before, any key starting '(hidden line ' was taken for a wrapped password and
    skipped: a typed '(hidden line 3): x' passed validation with no finding."""
    result = validate_bytes((IMPORT + '"(hidden line 3)": x\n').encode())
    assert [d.rule for d in result.diagnostics] == ["MT203"]
    assert "(hidden line 3)" in result.diagnostics[0].message


def test_a_wrapped_password_is_hidden_by_type() -> None:
    text = IMPORT.replace("eraseDevice: yes", "eraseDevice: yes\npinCode:\nS3cr3tPa55 x: 1")
    manifest = parse_manifest(text.encode())
    hidden = [k for k in manifest.data if isinstance(k, HiddenKey)]
    assert len(hidden) == 1 and manifest.hidden == {f"/{hidden[0]}"}
    assert "S3cr3tPa55" not in repr(validate_bytes(text.encode()).diagnostics)


def test_unfilled_is_a_property_of_the_parse_not_written_by_the_rule() -> None:
    """Before, ``Manifest.unfilled`` was empty until the MT208 rule ran and added to it."""
    text = IMPORT.replace("eraseDevice: yes", "eraseDevice: '[yes or no]'")
    manifest = parse_manifest(text.encode())
    assert manifest.unfilled == {"/eraseDevice"}
    before = set(manifest.unfilled)
    assert [d.pointer for d in placeholder_diagnostics(manifest)] == ["/eraseDevice"]
    assert manifest.unfilled == before
