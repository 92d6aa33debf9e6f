"""The SIGNATURE file: compute, render, parse and verify it.

Algorithm (AWS Import/Export Developer Guide, 2009-05-20, "SIGNATURE File Parameters")::

    signature = base64(HMAC-SHA1(key=secret access key,
                                 message=jobId + "\\n" + canonical manifest bytes))

where the canonical manifest bytes are the file's bytes with every ``\\r\\n`` replaced by
``\\n`` and nothing else changed. We always sign bytes, never YAML re-serialised from parsed
data, so the output is byte-identical to what AWS's own tool produced.

File layout (as printed by get-status in ``SignatureFileContents``)::

    version:2.0
    signingMethod:HmacSHA1
    jobId:EX1ID
    signature:ktKDXpdbEXAMPLEyGFJmQO744UHw=

Trailing newline: the public record does not say whether the file ends with a newline.
DECISION: :func:`render_signature_file` always writes one final ``\\n`` (a POSIX text file,
so ``cat`` and editors do not complain); :func:`parse_signature_file` accepts the file with
or without it, and with CRLF line ends.

``cryptography`` is imported inside the functions that need it so that commands which never
sign (``--help``, ``validate``) do not pay for loading it.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from dataclasses import dataclass, replace
from hmac import compare_digest
from typing import TYPE_CHECKING

from .aws import JOB_ID_SHAPE, SIGNATURE_FILE_KEYS
from .diagnostics import Diagnostic, Severity, error, warning
from .errors import BadSignature, SignatureError, UsageError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.hmac import HMAC

SIGNING_METHOD = "HmacSHA1"
# Newest first: "2.0" is what get-status prints today, "1.0" the older e-mail era files.
VERSIONS = ("2.0", "1.0")

# Key order as get-status prints SignatureFileContents; render uses it, parse requires all
# four.
_KEYS = SIGNATURE_FILE_KEYS

# 20 bytes of HMAC-SHA1 are always exactly 28 base64 characters ending in one '='.
_SIGNATURE_LENGTH = 20
_BOM = "\ufeff"


def canonical_manifest(data: bytes) -> bytes:
    """The bytes that are signed: every CRLF becomes LF, nothing else changes.

    A lone ``\\r`` and a leading BOM stay: they are part of what AWS signed (Developer Guide,
    "SIGNATURE File Parameters": only CRLF is normalised).
    """
    return data.replace(b"\r\n", b"\n")


def _key_bytes(secret_key: str | bytes) -> bytes:
    return secret_key if isinstance(secret_key, bytes) else secret_key.encode("utf-8")


def hmac_sha1(manifest: bytes, job_id: str, secret_key: str | bytes) -> HMAC:
    """The HMAC-SHA1 over ``jobId + "\\n" + canonical manifest``; signing and verifying
    both go through it (and the internal-error tests replace it)."""
    # Lazy import: see the module docstring.
    from cryptography.hazmat.primitives import hashes, hmac

    mac = hmac.HMAC(_key_bytes(secret_key), hashes.SHA1())
    mac.update(job_id.encode("utf-8") + b"\n" + canonical_manifest(manifest))
    return mac


def compute_signature(manifest: bytes, job_id: str, secret_key: str | bytes) -> str:
    """``base64(HMAC-SHA1(key, job_id + "\\n" + canonical_manifest(manifest)))``: 28 chars."""
    digest = hmac_sha1(manifest, job_id, secret_key).finalize()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True, slots=True)
class SignatureFile:
    """The four fields of a SIGNATURE file. Every field is public: the repr is safe."""

    version: str
    signing_method: str
    job_id: str
    signature: str


def _job_id_problem(job_id: str) -> tuple[int, str] | None:
    """(0-based index, reason) of the first character no job id may hold, else None.

    A job id is written into a ``key:value`` line and into S3 log keys, so '/', whitespace
    and control characters can never be part of one (rule MT407).
    """
    for index, char in enumerate(job_id):
        if char == "/":
            return index, "'/'"
        if char.isspace():
            return index, f"whitespace ({char!r})"
        if ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0:
            return index, f"a control character ({char!r})"
    return None


def sign(manifest: bytes, job_id: str, secret_key: str | bytes,
         version: str = "2.0") -> SignatureFile:
    """Sign ``manifest`` for ``job_id``; raises UsageError for an unusable version or job id."""
    if version not in VERSIONS:
        raise UsageError(f"unsupported SIGNATURE version {version!r} (expected one of "
                         f"{', '.join(VERSIONS)})")
    if not job_id:
        raise UsageError("the job id is empty")
    problem = _job_id_problem(job_id)
    if problem is not None:
        raise UsageError(f"job id {job_id!r} contains {problem[1]} at position "
                         f"{problem[0] + 1}")
    return SignatureFile(version, SIGNING_METHOD, job_id,
                         compute_signature(manifest, job_id, secret_key))


def render_signature_file(sig: SignatureFile) -> bytes:
    """The file's bytes: four ``key:value`` lines in AWS's order, each ended by ``\\n``."""
    values = (sig.version, sig.signing_method, sig.job_id, sig.signature)
    for key, value in zip(_KEYS, values, strict=True):
        # A line break inside a value would forge or break the next line of the file.
        if "\n" in value or "\r" in value:
            raise UsageError(f"SIGNATURE field {key} contains a line break")
    return "".join(f"{key}:{value}\n" for key, value in zip(_KEYS, values, strict=True)
                   ).encode("utf-8")


def _decode(data: bytes) -> tuple[str, list[Diagnostic]]:
    """Decode UTF-8; each undecodable byte becomes U+FFFD and the first one is reported."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        start = exc.start
        line_start = data.rfind(b"\n", 0, start) + 1
        line = data.count(b"\n", 0, start) + 1
        column = len(data[line_start:start].decode("utf-8", "replace")) + 1
        found = error("MT409", f"byte 0x{data[start]:02x} is not UTF-8; a SIGNATURE file is "
                      "ASCII text", line, column)
        return data.decode("utf-8", "replace"), [found]


def _check_value(key: str, value: str, line: int, column: int) -> list[Diagnostic]:
    """Findings for one recognised key's value; ``column`` is where the value starts."""
    found: list[Diagnostic] = []
    if key == "version" and value not in VERSIONS:
        found.append(error("MT403", f"unsupported SIGNATURE version {value!r} (expected "
                           f"{' or '.join(VERSIONS)})", line, column, hint="version:2.0"))
    elif key == "signingMethod" and value != SIGNING_METHOD:
        found.append(error("MT404", f"unsupported signingMethod {value!r} (expected "
                           f"{SIGNING_METHOD})", line, column))
    elif key == "signature":
        try:
            decoded = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            found.append(error("MT405", "signature is not valid base64", line, column))
        else:
            if len(decoded) != _SIGNATURE_LENGTH:
                found.append(error("MT405", f"signature decodes to {len(decoded)} bytes; "
                                   f"HMAC-SHA1 gives {_SIGNATURE_LENGTH} (28 base64 "
                                   "characters)", line, column))
    elif key == "jobId":
        problem = _job_id_problem(value)
        if not value:
            found.append(error("MT407", "the job id is empty", line, column))
        elif problem is not None:
            found.append(error("MT407", f"job id contains {problem[1]}", line,
                               column + problem[0]))
        elif not JOB_ID_SHAPE.fullmatch(value):
            found.append(warning("MT406", f"job id {value!r} is not 5 characters of 1-9 and "
                                 "A-Z without O", line, column))
    return found


def _read_line(number: int, raw: str, values: dict[str, str],
               found: list[Diagnostic]) -> None:
    """One line of a SIGNATURE file: its key's value into ``values``, problems into ``found``."""
    line = raw[:-1] if raw.endswith("\r") else raw
    offset = 0  # code points skipped at the start of the line (a BOM)
    if number == 1 and line.startswith(_BOM):
        found.append(warning("MT409", "the file starts with a UTF-8 byte order mark", 1, 1))
        line, offset = line[1:], 1
    if not line.strip():
        found.append(warning("MT409", "blank line", number, 1))
        return
    key_raw, sep, value_raw = line.partition(":")
    if not sep:
        found.append(error("MT409", "line is not 'key:value' (no ':')", number, offset + 1))
        return
    key = key_raw.strip(" \t")
    value = value_raw.strip(" \t")
    key_column = offset + 1 + len(key_raw) - len(key_raw.lstrip(" \t"))
    value_column = offset + len(key_raw) + 2 + (len(value_raw) - len(value_raw.lstrip(" \t")))
    if key != key_raw or value != value_raw:
        # AWS writes no spaces around ':'; we read through them but say so.
        found.append(warning("MT409", "spaces or tabs around the key or value; AWS "
                             "writes 'key:value'", number, offset + 1))
    if key not in _KEYS:
        near = [k for k in _KEYS if k.lower() == key.lower()]
        found.append(error("MT401", f"unknown key {key!r}", number, key_column,
                           hint=f"did you mean {near[0]!r}?" if near else None))
    elif key in values:
        found.append(error("MT408", f"duplicate key {key!r} (the first value is used)",
                           number, key_column))
    else:
        values[key] = value
        found.extend(_check_value(key, value, number, value_column))


def _end_position(lines: list[str], ends_with_newline: bool) -> tuple[int, int]:
    """Where a missing key would have to be added: the end of the file."""
    if ends_with_newline:
        return len(lines) + 1, 1
    last = lines[-1] if lines else ""
    return max(len(lines), 1), len(last) + 1


def parse_signature_file(data: bytes) -> tuple[SignatureFile | None, list[Diagnostic]]:
    """Read a SIGNATURE file leniently and report every problem with its position.

    Positions are 1-based lines and columns (code points) of the original bytes. The
    SignatureFile is returned whenever all four keys were found, even if some finding is
    an error (a bad version, say): callers decide from the diagnostics. ``None`` means a
    key was missing. CRLF line ends and a missing final newline are accepted silently.
    """
    text, found = _decode(data)
    lines = text.split("\n") if text else []
    # A final "\n" ends the last line rather than starting an empty one.
    ends_with_newline = len(lines) > 1 and lines[-1] == ""
    if ends_with_newline:
        lines.pop()
    values: dict[str, str] = {}
    for number, raw in enumerate(lines, start=1):
        _read_line(number, raw, values, found)
    end_line, end_column = _end_position(lines, ends_with_newline)
    for key in _KEYS:
        if key not in values:
            found.append(error("MT402", f"missing key {key!r}", end_line, end_column))
    found.sort(key=Diagnostic.sort_key)
    if any(key not in values for key in _KEYS):
        return None, found
    return SignatureFile(values["version"], values["signingMethod"], values["jobId"],
                         values["signature"]), found


# Findings on AWS's own SignatureFileContents that are warnings, not failures: AWS's value
# is authoritative (its documentation prints a 29-character placeholder signature).
AUTHORITATIVE_RULES = frozenset({"MT405"})


def as_returned_by_aws(findings: list[Diagnostic]) -> list[Diagnostic]:
    """``findings`` of a SIGNATURE file that AWS itself returned (get-status's
    SignatureFileContents), with those on what AWS decides (AUTHORITATIVE_RULES) as
    warnings: the one place of that policy, for verify and write-signature."""
    return [replace(d, severity=Severity.WARNING) if d.rule in AUTHORITATIVE_RULES and
            d.is_error else d for d in findings]


def verify(manifest: bytes, signature: SignatureFile | str, secret_key: str | bytes,
           job_id: str | None = None) -> None:
    """Check ``signature`` against the recomputed HMAC in constant time.

    ``job_id`` defaults to the SignatureFile's own; a bare signature string needs it.
    Raises BadSignature (with the recomputed and the given value, never the key) on a
    mismatch, SignatureError for a signingMethod other than HmacSHA1, UsageError when no
    job id is known.
    """
    if isinstance(signature, SignatureFile):
        if signature.signing_method != SIGNING_METHOD:
            raise SignatureError(f"cannot verify signingMethod {signature.signing_method!r} "
                                 f"(only {SIGNING_METHOD})")
        given = signature.signature
        if job_id is None:
            job_id = signature.job_id
    else:
        given = signature
    if job_id is None:
        raise UsageError("verify() needs a job id when the signature is given as a string")
    mac = hmac_sha1(manifest, job_id, secret_key)
    try:
        given_bytes = base64.b64decode(given, validate=True)
    except (binascii.Error, ValueError):
        given_bytes = None
    if given_bytes is not None:
        # Lazy import, as in hmac_sha1: the exception type lives with the primitive.
        from cryptography.exceptions import InvalidSignature

        # HMAC.verify compares in constant time; we only recompute the expected value
        # after a mismatch, to report it.
        try:
            mac.copy().verify(given_bytes)
        except InvalidSignature:
            pass
        else:
            # b64decode ignores nothing under validate=True, but non-canonical padding bits
            # would still decode to the right bytes: require the exact text too.
            if base64.b64encode(given_bytes).decode("ascii") == given:
                return
    expected = base64.b64encode(mac.finalize()).decode("ascii")
    raise BadSignature(f"signature {given!r} does not match the manifest and job id "
                       f"{job_id!r} (expected {expected!r})", expected=expected, actual=given)


# --- A SIGNATURE file as users hold it (write-signature/verify --signature-file) ---------

@dataclass(frozen=True, slots=True)
class SignatureCopy:
    """A SIGNATURE file as a user holds it and the bytes to write for it.

    ``contents`` is the file itself when it was already the four ``key:value`` lines, else
    those lines rebuilt from its values (a final LF only when the copy had one); ``removed``
    says, in words, what an editor or the AWS CLI had added (empty: the file is exact).
    """

    contents: bytes
    removed: tuple[str, ...]


_COPY_SPACES = " \t\u00a0\u2007\u202f\u3000"
_EXTRA_LINE = ("an empty line at the end (the AWS CLI's --output text prints a newline after "
               "a value that already ends in one)")
_JSON_STRING_FIX = ("run get-status again with '--query SignatureFileContents --output text', "
                    "or give the whole get-status output: write-signature DEVICE_ROOT "
                    "--status FILE")


def _json_string(text: str) -> str | None:
    """The value of a JSON string holding SIGNATURE lines (the CLI's --query without
    --output text), or None."""
    import json

    body = text.strip()
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    if not isinstance(value, str) or "version:" not in value:
        return None
    return value


def _cleaned_lines(text: str, removed: list[str]) -> tuple[list[str], bool]:
    """The non-empty lines with what a copy adds stripped (noted in ``removed``), and whether
    the last one was ended by a newline."""
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
        removed.append("a CR before the line ends (CR LF, as Windows editors save)")
    raw = text.split("\n")
    ends = len(raw) > 1 and raw[-1] == ""
    if ends:
        raw.pop()
    trailing = 0
    while raw and not raw[-1].strip(_COPY_SPACES):
        raw.pop()
        trailing += 1
    if trailing:
        removed.append(_EXTRA_LINE if trailing == 1 else
                       f"{trailing} empty lines at the end")
    kept = [ln for ln in raw if ln.strip(_COPY_SPACES)]
    if len(kept) != len(raw):
        removed.append("empty lines between the lines")
    stripped = [ln.strip(_COPY_SPACES) for ln in kept]
    if stripped != kept:
        removed.append("spaces at the start or end of lines")
    return stripped, ends


def read_signature_copy(data: bytes) -> tuple[SignatureCopy | None, list[Diagnostic]]:
    """A SIGNATURE file as a user saved it: the bytes to write, or None and why not.

    Never bytes AWS did not send: what Notepad (a UTF-8 BOM, CR LF), the CLI's
    ``--output text`` (an extra empty line) or a copy (spaces) added is removed and named in
    one ``MT420`` warning; the value saved as a JSON string (the CLI's ``--query`` without
    ``--output text``) is one ``MT421`` error with the fix. Anything else that does not parse
    keeps :func:`parse_signature_file`'s findings, at positions in ``data``.
    """
    from .textcodec import decode_text

    parsed, found = parse_signature_file(data)
    if parsed is not None and not found:
        return SignatureCopy(data, ()), []
    removed: list[str] = []
    try:
        decoded = decode_text(data)
    except UnicodeDecodeError:
        return None, found
    if decoded.bom:
        removed.append("a UTF-8 byte order mark" if decoded.encoding == "utf-8" else
                       f"the {decoded.encoding.upper()} encoding and its byte order mark")
    elif decoded.encoding != "utf-8":
        removed.append(f"the {decoded.encoding.upper()} encoding")
    if _json_string(decoded.text) is not None:
        return None, [error(
            "MT421", "this is SignatureFileContents saved as a JSON string (in quotes, with "
            "literal \\n), as 'aws importexport get-status --query SignatureFileContents' "
            "prints it without --output text; the file must hold the lines inside the quotes",
            hint=_JSON_STRING_FIX)]
    lines, ends = _cleaned_lines(decoded.text, removed)
    clean = ("\n".join(lines) + ("\n" if ends else "")).encode("utf-8")
    parsed, rest = parse_signature_file(clean)
    if parsed is None or any(d.is_error for d in rest):
        return None, found
    rebuilt = "\n".join(f"{k}:{v}" for k, v in zip(
        _KEYS, (parsed.version, parsed.signing_method, parsed.job_id, parsed.signature),
        strict=True)) + ("\n" if ends else "")
    contents = rebuilt.encode("utf-8")
    if contents != clean:
        same_lines = sorted(rebuilt.split("\n")) == sorted(clean.decode("utf-8").split("\n"))
        removed.append("the lines' order (AWS writes version, signingMethod, jobId, signature)"
                       if same_lines else "spaces around ':'")
    if not removed:
        return SignatureCopy(data, ()), found
    note = warning("MT420", "the file holds what an editor or the AWS CLI added to the four "
                   f"lines: {'; '.join(removed)}; the lines are rebuilt without it",
                   hint="the bytes written are the four 'key:value' lines only")
    kept = [d for d in rest if d.rule != "MT409"]
    return SignatureCopy(contents, tuple(removed)), [note, *kept]


# --- "are these device bytes the job's SIGNATURE?" ------------------------------------------



@dataclass(frozen=True, slots=True)
class DeviceVerdict:
    """Whether a device's SIGNATURE bytes are the job's. ``progress`` is None when they are,
    else the ProgressCode AWS ends the job with (``MissingSignature``/``InvalidSignature``);
    ``detail`` says what was found, to follow the file's name (``DEVICE/SIGNATURE equals
    ...``); ``job_id`` is the job the device file names, when it can be read."""

    progress: str | None
    detail: str
    job_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.progress is None


def _without_final_newlines(data: bytes) -> bytes:
    return data.rstrip(b"\n")


def device_signature_verdict(device: bytes | None, expected: bytes | str) -> DeviceVerdict:
    """The one answer to "is ``device`` (the device's SIGNATURE bytes, None when there is
    none) the job's SIGNATURE, whose ``SignatureFileContents`` are ``expected``?", used by
    ``verify --device``, ``preflight --status``, ``write-signature`` (the existing file) and
    the local service's dock.

    AWS documents only that the file holds ``SignatureFileContents``. DECISION (README,
    "Decisions where AWS is silent"): the bytes must be those, except for the newlines at
    the end: the record does not say whether the file ends with one, and
    ``get-status --query SignatureFileContents --output text > SIGNATURE`` adds one to a
    value that already ends with one. Anything else AWS may or may not have tolerated is refused
    as ``InvalidSignature`` with what was found: CRLF line ends, a UTF-8 byte order mark,
    spaces or tabs at the end of a line, another job's file. The rehearsal is thus never
    more lenient than the verifier: a device that passes the dock passes ``verify``.
    """
    wanted = expected.encode("utf-8") if isinstance(expected, str) else expected
    if device is None:
        return DeviceVerdict("MissingSignature", "does not exist: AWS would report "
                             "MissingSignature")
    theirs, _ = parse_signature_file(device)
    job_id = theirs.job_id if theirs is not None else None
    if compare_digest(device, wanted):
        return DeviceVerdict(None, "equals SignatureFileContents byte for byte", job_id)
    if compare_digest(_without_final_newlines(device), _without_final_newlines(wanted)):
        return DeviceVerdict(None, "equals SignatureFileContents except for the trailing "
                             "newline (readers accept both)", job_id)
    ours, _ = parse_signature_file(wanted)
    if job_id is not None and ours is not None and job_id != ours.job_id:
        return DeviceVerdict("InvalidSignature", f"is for job {job_id}, not {ours.job_id}: "
                             "AWS would report InvalidSignature", job_id)
    for fixed, what in ((device.replace(b"\r\n", b"\n"), "line endings (CRLF)"),
                        (device.removeprefix(codecs.BOM_UTF8), "a UTF-8 byte order mark at the "
                         "start"),
                        (re.sub(rb"[ \t]+(?=\r?\n|\Z)", b"", device), "spaces or tabs at "
                         "the end of a line")):
        if fixed != device and _without_final_newlines(fixed) == _without_final_newlines(
                wanted):
            return DeviceVerdict("InvalidSignature", f"differs from SignatureFileContents "
                                 f"only in {what}: AWS would report InvalidSignature", job_id)
    return DeviceVerdict("InvalidSignature", "differs from SignatureFileContents: AWS would "
                         "report InvalidSignature", job_id)
