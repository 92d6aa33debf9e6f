"""The one place secrets are hidden: ``trueCryptPassword`` and ``pinCode`` values.

Redaction is by key name, never by searching for the secret's value, so a password that
also appears inside another value (a street name, a bucket) does not blank that value and
nothing can leak by a near miss. Every renderer, the status summary and the manifest diff
go through here.
"""

from __future__ import annotations

import re

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


def redact_manifest_text(text: str) -> str:
    """Replace the value of every secret field line in manifest text with ``****``."""

    def _mask(match: re.Match[str]) -> str:
        value = match.group("value")
        return match.group("head") + (MASK if value else "") + match.group("tail")

    return _SECRET_LINE.sub(_mask, text)

