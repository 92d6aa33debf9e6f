"""What a reading of a copy must still be: AWS's bytes, and consistent with itself.

``SignatureFileContents`` has a fixed grammar (four ``key:value`` lines, Developer
Guide "SIGNATURE File Parameters"),
so what a copy adds to it - trailing spaces, indentation, CRs, non-breaking spaces - is
stripped on that grammar, with a warning, and no line AWS did not send is ever invented.
The members that repeat one another are compared: ``Signature`` is the ``signature:`` line,
``JobId`` the ``jobId:`` line. AWS's values are authoritative: odd shapes are warnings only.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..aws import HMAC_SHAPE, SIGNATURE_FILE_KEYS
from ..diagnostics import Diagnostic, warning
from ..textcodec import ODD_SPACES
from .model import StatusReading

SIGNATURE_KEYS = SIGNATURE_FILE_KEYS
# 20 bytes of HMAC-SHA1 in base64 (Developer Guide, "SIGNATURE File Parameters").
_STRIP = " \t\r" + ODD_SPACES
_LINE = re.compile(r"(version|signingMethod|jobId|signature):(.*)")


def signature_lines(contents: str) -> dict[str, str] | None:
    """The four values of SIGNATURE text as a copy may hold it; None off its grammar."""
    lines = [ln.strip(_STRIP) for ln in contents.split("\n")]
    lines = [ln for ln in lines if ln]
    if len(lines) != len(SIGNATURE_KEYS):
        return None
    values: dict[str, str] = {}
    for key, line in zip(SIGNATURE_KEYS, lines, strict=True):
        m = _LINE.fullmatch(line)
        if m is None or m.group(1) != key:
            return None
        values[key] = m.group(2).strip(_STRIP)
    return values


def rebuild_signature_text(contents: str) -> str | None:
    """The four lines as AWS writes them (a final LF only if the copy had one), or None."""
    values = signature_lines(contents)
    if values is None:
        return None
    ends = contents.rstrip(_STRIP).endswith("\n")
    return "\n".join(f"{k}:{values[k]}" for k in SIGNATURE_KEYS) + ("\n" if ends else "")


def signature_shape_note(signature: str) -> str | None:
    """Why a signature AWS returned looks odd (never a reason to refuse it), or None."""
    if HMAC_SHAPE.fullmatch(signature):
        return None
    why = f"{len(signature)} characters" if len(signature) != 28 else "not base64"
    if "EXAMPLE" in signature:
        why += ", containing EXAMPLE: a documentation placeholder, not a real signature"
    return (f"Signature {signature!r} is not the 28 base64 characters HMAC-SHA1 gives "
            f"({why}); it is kept exactly as AWS printed it")


def _signature_notes(reading: StatusReading) -> tuple[str | None, list[Diagnostic]]:
    contents = reading.status.SignatureFileContents
    if contents is None:
        return None, []
    if reading.form in ("json", "yaml", "python", "xml"):
        return contents, []  # exact forms: AWS's bytes as they are
    rebuilt = rebuild_signature_text(contents)
    if rebuilt is None or rebuilt == contents:
        return contents, []
    return rebuilt, [warning(
        "MT508", "SignatureFileContents held what a copy adds (trailing spaces, indentation, "
        "CR or non-breaking spaces); rebuilt on its four 'key:value' lines",
        pointer="/SignatureFileContents",
        hint="compare with the --output json form if you have it")]


def _agreement(reading: StatusReading, contents: str | None) -> list[Diagnostic]:
    s = reading.status
    found: list[Diagnostic] = []
    values = signature_lines(contents) if contents is not None else None
    if s.Signature is not None:
        note = signature_shape_note(s.Signature)
        if note:
            found.append(warning("MT509", note, pointer="/Signature"))
    if values is None:
        return found
    if s.Signature is not None and values["signature"] != s.Signature:
        found.append(warning("MT503", "Signature differs from the signature: line of "
                             "SignatureFileContents", pointer="/Signature"))
    if s.JobId is not None and values["jobId"] != s.JobId:
        found.append(warning("MT503", "JobId differs from the jobId: line of "
                             "SignatureFileContents", pointer="/JobId"))
    return found


def settle(reading: StatusReading) -> StatusReading:
    """The reading with SignatureFileContents as AWS sent it and its consistency checked."""
    contents, notes = _signature_notes(reading)
    notes += _agreement(reading, contents)
    if not notes and contents == reading.status.SignatureFileContents:
        return reading
    uncertain = list(reading.uncertain)
    for d in notes:
        member = d.pointer.lstrip("/")
        if d.rule == "MT503" and member not in uncertain:
            uncertain.append(member)
    status = replace(reading.status, SignatureFileContents=contents)
    return replace(reading, status=status, diagnostics=(*reading.diagnostics, *notes),
                   uncertain=tuple(uncertain))
