"""An ignore pattern is decided once per run (javaregex), refusals included: a batch of
manifests with the same patterns compiles each pattern once, and the findings are those of
a fresh decision."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from manifest_tools import javaregex
from manifest_tools.errors import PatternError
from manifest_tools.manifest.validate import validate_bytes


def _manifest(tag: str) -> bytes:
    return f"""manifestVersion: 2.0
accessKeyId: AKIAIOSFODNN7EXAMPLE
deviceId: ABCDE
eraseDevice: yes
bucket: my-bucket
notificationEmail: a@example.com
returnAddress:
  name: A
  street1: 1 Main St
  city: Seattle
  stateOrProvince: WA
  postalCode: "98101"
  country: USA
  phoneNumber: 206-555-0100
ignore:
  - ^backup{tag}/
  - '[a-z&&[^e]]{tag}'
  - 'x{tag}**'
  - {tag}\\.psd$
""".encode()


def test_each_pattern_is_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    tag = uuid.uuid4().hex  # patterns no earlier test decided
    compiled: list[str] = []
    original = re.compile

    def counting(pattern: Any, flags: int = 0) -> Any:
        if isinstance(pattern, str) and tag in pattern:
            compiled.append(pattern)
        return original(pattern, flags)

    monkeypatch.setattr(re, "compile", counting)
    results = [validate_bytes(_manifest(tag), f"m{n}.yaml") for n in range(50)]
    # ^backup.../, x...** (refused by re) and ....psd$; '[a-z&&...' is refused before.
    assert len(compiled) == 3
    first = [(d.rule, d.message, d.line) for d in results[0].diagnostics]
    assert [line for rule, _, line in first if rule == "MT611"] == [17, 18]
    assert all([(d.rule, d.message, d.line) for d in r.diagnostics] == first
               for r in results)


def test_a_refusal_is_a_fresh_error_each_time() -> None:
    one = javaregex.java_regex_error("[a-z&&[^e]]")
    two = javaregex.java_regex_error("[a-z&&[^e]]")
    assert one is not None and two is not None and one is not two
    assert (str(one), one.offset, one.translatable) == (str(two), two.offset, False)
    with pytest.raises(PatternError):
        javaregex.translate_java_regex("[")
