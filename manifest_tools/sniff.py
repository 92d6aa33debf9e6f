"""What kind of file is this? A manifest, get-status/create-job output, list-jobs, SIGNATURE,
an import/export log.

Users pass one for another (a manifest to ``status``, get-status output to ``validate``, a
manifest as ``--signature-file``); every command asks :func:`sniff` before it reports a wall
of unrelated errors, and says "this looks like X; use Y". Cheap line patterns on the first
64 KiB only; no format's reader is imported (this module sits below them all).
"""

from __future__ import annotations

import re
from typing import Literal

from .textcodec import decode_text

Kind = Literal["manifest", "get-status", "list-jobs", "signature", "log"]

_HEAD = 64 * 1024

# The patterns a plain manifest never needs are kept as text and compiled (into re's cache)
# the first time a text calls for them: _STATUS alone takes ~1 ms to compile.
_LIST_JOBS = (
    r"""^[ \t]*(?:"Jobs"[ \t]*:|(?:-[ \t]*)?Jobs:[ \t]*$|JOBS\t|\|[ \t]*ListJobs[ \t]*\|)""")
# Members only get-status/create-job print (list-jobs items have JobId and JobType too).
_STATUS_MEMBERS = "SignatureFileContents|ProgressCode|LocationCode|Signature|CurrentManifest"
_STATUS = (
    rf"""^[ \t]*(?:"(?:{_STATUS_MEMBERS})"[ \t]*:"""
    rf"""|(?:-[ \t]*)?(?:{_STATUS_MEMBERS}):[ \t]"""
    r"""|\|[ \t]*(?:GetStatus|CreateJob|get-status|create-job)[ \t]*\|"""
    rf"""|\|[ \t]+(?:{_STATUS_MEMBERS})[ \t]+\|)"""
    r"""|[\t ](?:Import|Export)[\t ]+(?:AtAWS|NotReceived|Returned)[\t ]"""
    # PowerShell's list layout (Get-IEStatus): names padded before " : ".
    rf"""|^(?:{_STATUS_MEMBERS})[ ]+:(?:[ ]|$)"""
    # boto3's print(): the response dict's repr; the raw API response (XML).
    rf"""|'(?:{_STATUS_MEMBERS})':[ ]|<(?:\w+:)?(?:GetStatus|CreateJob)Response\b""")
# A top-level JobId (json, yaml) is get-status or create-job unless list-jobs markers say not.
_JOB_ID_MEMBER = r"""^(?:[ ]{4}"JobId"[ \t]*:|-?[ \t]*JobId:[ \t])"""
# Words each pattern above cannot match without (every alternative holds one of them): a
# text with none of them is not searched. The search for _STATUS tries its unanchored
# alternatives at every character; it was a third of the work of validating a manifest.
_STATUS_WORDS = (*_STATUS_MEMBERS.split("|"), "GetStatus", "CreateJob", "get-status",
                 "create-job", "AtAWS", "NotReceived", "Returned")
_LIST_JOBS_WORDS = ("Jobs", "JOBS")
_JOB_ID_WORDS = ("JobId",)
# Each pattern (searched with re.MULTILINE) with its words (tests/test_sniff.py: no text it
# matches lacks them).
WORD_FILTERS = ((_STATUS, _STATUS_WORDS), (_LIST_JOBS, _LIST_JOBS_WORDS),
                (_JOB_ID_MEMBER, _JOB_ID_WORDS))


def _found(pattern: str, words: tuple[str, ...], text: str) -> bool:
    """Whether ``pattern`` (multi-line) is found in ``text``; it needs one of ``words``."""
    return (any(word in text for word in words)
            and re.search(pattern, text, re.MULTILINE) is not None)


_SIGNATURE_LINE = r"[ \t]*(version|signingMethod|jobId|signature)[ \t]*:.*"
_QUOTE = r"^(?:>[ \t]?)+"
# The header row of an import/export log (Developer Guide, "Log File Fields").
_LOG = re.compile(r"\A\ufeff?\"?DateTime\"?,\"?File\"?,")
_MANIFEST = re.compile(r"^[ \t]*(?:-[ \t]+)?['\"]?manifestVersion['\"]?[ \t]*:", re.MULTILINE)

# What each kind is, for messages: "this looks like <WHAT>".
WHAT: dict[Kind, str] = {
    "manifest": "a manifest",
    "get-status": "get-status (or create-job) output",
    "list-jobs": "list-jobs output",
    "signature": "a SIGNATURE file",
    "log": "an import/export log",
}
# Which command or option takes each kind.
USE: dict[Kind, str] = {
    "manifest": "'manifest-tools validate FILE', or --manifest FILE with sign, "
    "write-signature and verify",
    "get-status": "'manifest-tools status FILE', or --status FILE with write-signature and "
    "verify",
    "list-jobs": "'manifest-tools status FILE' to list the jobs, then 'aws importexport "
    "get-status --job-id ID' for one of them",
    "signature": "--signature-file FILE with write-signature and verify",
    "log": "'manifest-tools log FILE'",
}


def _text(data: bytes) -> str:
    head = data[:_HEAD]
    try:
        text = decode_text(head).text
    except UnicodeDecodeError:
        text = head.decode("utf-8", "replace")
    return _unquoted(text)


def _unquoted(text: str) -> str:
    """Text quoted in an e-mail reply ('> ' before every line) without its quote marks."""
    lines = text.split("\n")
    if not all(ln.startswith(">") for ln in lines if ln.strip()) or not text.strip():
        return text
    return "\n".join(re.sub(_QUOTE, "", ln) for ln in lines)


def _is_signature(text: str) -> bool:
    lines: list[str] = []
    for ln in text.replace("\r", "").split("\n"):
        if ln.strip():
            lines.append(ln)
            if len(lines) > 6:  # a manifest's seventh line: no need to look at the rest
                return False
    if len(lines) < 3:
        return False
    keys = set()
    for line in lines:
        m = re.fullmatch(_SIGNATURE_LINE, line)
        if m is None:
            return False
        keys.add(m.group(1))
    return len(keys) >= 3


def sniff(data: bytes) -> Kind | None:
    """The kind of file ``data`` looks like, or None when it looks like none of them."""
    text = _text(data)
    if _LOG.match(text):
        return "log"
    status = _found(_STATUS, _STATUS_WORDS, text)
    if not status and _found(_LIST_JOBS, _LIST_JOBS_WORDS, text):
        return "list-jobs"
    if status or _found(_JOB_ID_MEMBER, _JOB_ID_WORDS, text):
        return "get-status"
    if _is_signature(text):
        return "signature"
    if _MANIFEST.search(text):
        return "manifest"
    return None


def wrong_kind(data: bytes, expected: Kind) -> str | None:
    """'this looks like X, not Y; use Z' when ``data`` is recognisably another kind."""
    return kind_hint(sniff(data), expected)


def kind_hint(kind: Kind | None, expected: Kind) -> str | None:
    """``wrong_kind``'s sentence for a file already sniffed as ``kind``."""
    if kind is None or kind == expected:
        return None
    return f"this looks like {WHAT[kind]}, not {WHAT[expected]}; use {USE[kind]}"
