"""The ``log`` command's library half: open a log, gather the key rules and get-status facts,
reconcile, and add the cross-checks between the inputs."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO

from ..aws import JOB_ID_SHAPE
from ..diagnostics import Diagnostic, Severity
from ..errors import InputError
from .hashing import HashProgress
from .model import LogKind
from .read import LogReader
from .reconcile import Reconciliation, reconcile
from .summary import LogSummary

if TYPE_CHECKING:  # imported when used: a log without --manifest/--status needs neither
    from ..device.keys import KeyRules
    from ..status.model import JobStatus

__all__ = ["check_log", "job_id_finding", "open_log"]

_LOG_JOB_ID = re.compile(r"(?:import|export)-log-(?P<job>[^/\\.]+)")


def open_log(path: str) -> BinaryIO:
    """The log opened for reading; a FIFO with no writer does not hang (O_NONBLOCK), a
    device (endless) is refused."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{path}: is a directory, not a log", path)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        mode = os.fstat(fd).st_mode
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            # /dev/urandom, /dev/zero, a disk: no end, or no log. A log is streamed with no
            # size limit, so only a file or a pipe is read.
            os.close(fd)
            raise InputError(f"{path}: is a device, not a log file (give the log's file, "
                             "or pipe it in)", path)
        os.set_blocking(fd, True)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", path) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}", path) from None
    return os.fdopen(fd, "rb")


def job_id_finding(log_name: str, job_id: str | None) -> Diagnostic | None:
    """MT708: the log is named for another job than get-status's JobId."""
    base = log_name.replace("\\", "/").rsplit("/", 1)[-1]
    match = _LOG_JOB_ID.search(base)
    if job_id is None or match is None or not JOB_ID_SHAPE.fullmatch(match["job"]):
        return None
    if match["job"].upper() == job_id.upper():
        return None
    return Diagnostic("MT708", Severity.ERROR, f"the log is named for job {match['job']} but "
                      f"get-status is for job {job_id}", hint="give the log and the "
                      "get-status output of one job")


def _wrong_kind(stream: BinaryIO) -> Diagnostic | None:
    """MT701 when the file is recognisably a manifest, get-status or list-jobs output or a
    SIGNATURE (``sniff``, on the bytes already buffered: nothing is consumed)."""
    from ..sniff import sniff, wrong_kind

    try:
        head = stream.peek(64 * 1024) if hasattr(stream, "peek") else b""
    except OSError:
        return None  # the reader reports what cannot be read
    if sniff(head) in (None, "log"):
        return None
    return Diagnostic("MT701", Severity.ERROR, str(wrong_kind(head, "log")))


def check_log(path: str, *, device: str | None = None, rules: KeyRules | None = None,
              rule_findings: Sequence[Diagnostic] = (), status: JobStatus | None = None,
              jobs: int | None = None, progress: HashProgress | None = None,
              journal: str | None = None) -> Reconciliation:
    """Read the log at ``path`` and reconcile it (see :func:`.reconcile.reconcile`), with the
    ``prepare`` journal at ``journal`` too (:mod:`.journal_check`). ``rules`` are the job's
    key rules (``KeyRules.located``: the manifest's, else get-status's CurrentManifest's)
    and ``rule_findings`` what they had to leave out, located in that manifest."""
    found = list(rule_findings)
    check = None
    if journal is not None:
        from .journal_check import JournalCheck

        check = JournalCheck(journal)
    with open_log(path) as stream:
        wrong = _wrong_kind(stream)
        if wrong is not None:  # one finding, not one MT702 per line of another kind of file
            return Reconciliation(LogKind.IMPORT, LogSummary(), [wrong])
        reader = LogReader(stream, path)
        try:
            result = reconcile(reader, device=device, rules=rules,
                               error_count=status.ErrorCount if status else None, jobs=jobs,
                               progress=progress, journal=check)
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror}", path) from None
    mismatch = job_id_finding(path, status.JobId if status else None)
    result.findings[:0] = found + ([mismatch] if mismatch else [])
    return result
