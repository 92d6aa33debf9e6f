"""The one place secrets are hidden: ``trueCryptPassword`` and ``pinCode`` values.

Redaction is by key name, never by searching for the secret's value, so a password that
also appears inside another value (a street name, a bucket) does not blank that value and
nothing can leak by a near miss. Every renderer, the status summary and the manifest diff
go through here.
"""

from __future__ import annotations

import re

from .aws import MANIFEST_FIELDS

MASK = "****"

# A manifest line that sets a secret, in either form AWS writes: `key: value`, `key:value`,
# indented or as a list item, quoted or not. Group 1 keeps everything up to the value.
# A lone CR (no LF after it) is kept inside the value: it may be a line break to a YAML
# reader, but masking too much is safe and masking too little is a leak. A line may also
# start after a lone CR (files with CR-only line ends).
_SECRET_LINE = re.compile(
    r"(?:^|(?<=\r))"
    r"(?P<head>[ \t]*(?:-[ \t]+)?[\"']?(?:trueCryptPassword|pinCode)[\"']?[ \t]*:[ \t]*)"
    r"(?P<value>(?:[^\r\n]|\r(?!\n))*?)(?P<tail>[ \t]*(?:\r\n|\n|\Z))",
    re.MULTILINE,
)


# A line that starts a documented field: after an empty secret line, any other line may be
# the secret itself, wrapped onto its own line by a web form.
_FIELD_LINE = re.compile(r"[ \t]*(?:-[ \t]+)?[\"']?(?P<key>[A-Za-z][A-Za-z0-9_]*)[\"']?[ \t]*:"
                         r"(?:[ \t]|$)")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\n|\r|$)")


def redact_manifest_text(text: str) -> str:
    """Replace the value of every secret field line in manifest text with ``****``; after a
    secret field with an empty value, the next line that is not a field is masked too."""

    def _mask(match: re.Match[str]) -> str:
        value = match.group("value")
        return match.group("head") + (MASK if value else "") + match.group("tail")

    return _mask_wrapped(_SECRET_LINE.sub(_mask, text))


def _mask_wrapped(text: str) -> str:
    if "trueCryptPassword" not in text and "pinCode" not in text:
        return text
    out: list[str] = []
    after_empty = False
    for line in _LINES.findall(text):
        body = line.rstrip("\r\n")
        if after_empty and body.strip() and not body.lstrip().startswith("#"):
            field = _FIELD_LINE.match(body)
            if field is None or field.group("key") not in MANIFEST_FIELDS:
                line = body[: len(body) - len(body.lstrip())] + MASK + line[len(body):]
            after_empty = False
        secret = _SECRET_LINE.match(line)
        if secret is not None:
            after_empty = not secret.group("value")
        out.append(line)
    return "".join(out)

