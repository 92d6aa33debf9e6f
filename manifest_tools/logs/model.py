"""What one row of an import/export log holds, shared by the reader, the writer and the
reconciliation."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from ..aws import IGNORED_CODE, IGNORED_STATUS, LOG_CODES
from ..diagnostics import Diagnostic, Severity


class Outcome(StrEnum):
    """What a row says happened to its file."""

    LOADED = "loaded"  # 2xx: in S3 (import) or on the device (export)
    IGNORED = "ignored"  # 103 Ignored: the SIGNATURE and files the manifest's ignore matched
    FAILED = "failed"  # anything else


class LogKind(StrEnum):
    IMPORT = "import"
    EXPORT = "export"
    GLACIER = "glacier"


class LogRow(NamedTuple):
    """One record of an S3/EBS log, fields as written (``size`` is Bytes as a number).

    A tuple, not a dataclass: a 1,000,000-row log builds a million of them.
    """

    line: int  # physical line (1-based) where the record starts in the log
    datetime: str
    file: str
    status: str
    code: str
    key: str
    md5: str
    size: int | None
    content_type: str

    @property
    def relpath(self) -> str:
        """The device path relative to the root: the guide writes both '/images/image.jpg'
        (field table) and 'Notice.txt' (examples), so one leading '/' is dropped."""
        return self.file[1:] if self.file.startswith("/") else self.file

    @property
    def object_key(self) -> str:
        """The key inside its bucket: the guide writes '/mybucket/myprefix/a.jpg' (field
        table) and 'myawsbucket/Notice.txt' (examples); the first name is the bucket."""
        key = self.key[1:] if self.key.startswith("/") else self.key
        return key.split("/", 1)[1] if "/" in key else key

    @property
    def outcome(self) -> Outcome:
        return outcome_of(self.status, self.code)

    @property
    def known(self) -> bool:
        return (self.status, self.code) in LOG_CODES

    @property
    def reason(self) -> str:
        """The row's status in words (the code table's, or the pair as written)."""
        words = LOG_CODES.get((self.status, self.code))
        return words if words else f"status {self.status} {self.code} (a code this tool " \
            "does not know)"


def outcome_of(status: str, code: str) -> Outcome:
    """Unknown pairs are classed by their status: 2xx loaded, 103 Ignored ignored, the rest
    (including a status that is not a number) failed."""
    if status == IGNORED_STATUS and code == IGNORED_CODE:
        return Outcome.IGNORED
    if len(status) == 3 and status.startswith("2") and status.isdigit():
        return Outcome.LOADED
    return Outcome.FAILED


class GlacierRecord(NamedTuple):
    """One line of a Glacier import log."""

    line: int
    date: str
    vault: str
    account_id: str
    archive_id: str
    comment: str


def row_finding(severity: Severity, rule: str, message: str, path: str, hint: str | None,
                line: int | None, log: str) -> Diagnostic:
    """A finding about the device file ``path``; with ``line``, also located at that line
    of the log named ``log`` (its ``source``), else about the file alone."""
    return Diagnostic(rule, severity, message, line or 1, 1, hint=hint, path=path,
                      source=None if line is None else log)
