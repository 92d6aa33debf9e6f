"""AWS's receiving dock, run by the operator on the service's data folder.

``receive`` is what AWS did when a device arrived for an S3 import job: no ``SIGNATURE`` in
the root is ``MissingSignature``, a SIGNATURE that is not the job's is ``InvalidSignature``
(either way the device is not imported); else every file is imported with the manifest's
key rules (``prefix``, ``substitutions``, ``ignore``; :class:`device.keys.KeyRules`), gets
one row in the import log (written with :class:`logs.write.LogWriter` to
``DIR/buckets/<logBucket>/<logPrefix>import-log-<JOBID>``), is copied to
``DIR/buckets/<bucket>/<key>`` when asked, and the job ends ``Success`` or
``SuccessWithErrors`` with ``ErrorCount``, ``LogBucket`` and ``LogKey``. ``return_device``
ships it back (``LocationCode`` ``Returned``).

Decisions where AWS is silent (README): the SIGNATURE is judged by the verifier's own
decision (``signature.device_signature_verdict``: the bytes of SignatureFileContents,
newlines at the end aside; CRLF, a BOM or trailing spaces are InvalidSignature); each
entry's row is :func:`device.outcome.entry_outcome`'s, the outcome the preflight predicts
(symbolic links, FIFOs and sockets never followed, ``103 Ignored``; refusals ``400`` with
the code and order decided there); a file that cannot be read while it is copied is
``400 IncompleteBody``.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..aws import IMPORT_LOG_NAME, NEW_JOB_LOCATION
from ..errors import DeviceError, InputError, UsageError
from ..signature import device_signature_verdict
from .store import Job, Store

if TYPE_CHECKING:
    from ..device.walk import Entry

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
CHUNK = 1024 * 1024
MESSAGES = {
    "AtAWS": "AWS has received the device.",
    "Returned": "The device has been returned.",
    "Success": "The job completed: every file was imported.",
    "SuccessWithErrors": "The job completed with errors: see the log.",
    "MissingSignature": "The device had no SIGNATURE file in its root directory; it was not "
    "processed.",
    "InvalidSignature": "The device's SIGNATURE file does not match the job; it was not "
    "processed.",
}


@dataclass
class Receipt:
    """What ``receive`` did."""

    job_id: str
    progress_code: str
    loaded: int = 0
    ignored: int = 0
    errors: int = 0
    copied: int = 0
    log_bucket: str | None = None
    log_key: str | None = None
    log_path: str | None = None
    not_copied: list[str] = field(default_factory=list)


def _job(store: Store, job_id: str) -> Job:
    job = store.job_by_id(job_id)
    if job is None:
        raise UsageError(f"no job {job_id!r} in {store.path}")
    return job


def _segment(name: str) -> str:
    """A key segment as a file name: '', '.' and '..' cannot be, so they are escaped."""
    if name in ("", ".", ".."):
        return name.replace(".", "%2E") or "%"
    return name.replace("\x00", "%00")


def bucket_path(data_dir: str, bucket: str, key: str = "") -> str:
    """Where an object lives on disk: ``DATA/buckets/<bucket>/<key>``, never outside it."""
    parts = [_segment(bucket), *(_segment(s) for s in key.split("/"))] if key else \
        [_segment(bucket)]
    return os.path.join(data_dir, "buckets", *parts)


def _check_signature(job: Job, root: str) -> str | None:
    """None when the device's SIGNATURE is the job's, else the ProgressCode to end with:
    the verifier's own decision (``signature.device_signature_verdict``), so the rehearsal
    is never more lenient than ``verify --device``."""
    from ..device.signature import read_signature

    if not os.path.isdir(root) or os.path.islink(root):
        raise InputError(f"device root {root} is not a folder", root)
    try:
        data = read_signature(root)
    except DeviceError:
        return "InvalidSignature"  # a folder, symlink or oversized file is no SIGNATURE
    return device_signature_verdict(data, job.signature_file).progress


def _content_type(manifest: Mapping[str, Any], relpath: str) -> str:
    """contentTypes by extension (without the dot, case-sensitive), else
    defaultContentType, else S3's binary/octet-stream."""
    name = relpath.rsplit("/", 1)[-1]
    types = manifest.get("contentTypes")
    if "." in name and isinstance(types, dict):
        found = types.get(name.rsplit(".", 1)[1])
        if isinstance(found, str) and found:
            return found
    default = manifest.get("defaultContentType")
    return default if isinstance(default, str) and default else DEFAULT_CONTENT_TYPE


def _chunks(path: str) -> Iterator[bytes]:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


class _Importer:
    """Imports one device: one log row per entry, objects copied when asked."""

    def __init__(self, job: Job, root: str, data_dir: str, copy: bool, log: Any) -> None:
        from ..device.keys import KeyRules
        from ..device.outcome import entry_outcome
        from ..manifest.parse import parse_manifest

        self.outcome = entry_outcome

        self.manifest = parse_manifest(job.manifest).data
        self.rules = KeyRules.from_manifest(self.manifest)
        self.bucket = str(self.manifest.get("bucket", ""))
        self.root, self.data_dir, self.copy, self.log = root, data_dir, copy, log
        self.receipt = Receipt(job.job_id, "Success")

    def run(self) -> Receipt:
        from ..device.walk import walk

        for entry in walk(self.root):
            self._entry(entry)
        self.receipt.progress_code = "SuccessWithErrors" if self.receipt.errors else "Success"
        return self.receipt

    def _fail(self, relpath: str, status: str, code: str, key: str = "",
              size: int | None = None) -> None:
        self.log.failed(relpath, status, code, key, size)
        self.receipt.errors += 1

    def _entry(self, entry: Entry) -> None:
        """One log row: the entry's outcome as the preflight predicts it
        (``device.outcome.entry_outcome``), then the import itself."""
        outcome = self.outcome(self.rules, entry)
        if outcome is None:
            return  # a folder: AWS imports files
        relpath = entry.relpath
        if outcome.action == "ignored":
            if outcome.rule:  # not a regular file: never followed (module docstring)
                self.log.ignored(relpath, 0)
            elif outcome.pattern is None:
                self.log.signature(entry.size)
            else:
                self.log.ignored(relpath, entry.size, _content_type(self.manifest, relpath))
            self.receipt.ignored += 1
        elif outcome.action == "refused":
            # A name that is not UTF-8 is logged with U+FFFD for its bad bytes.
            name = relpath if entry.utf8 else relpath.encode(
                "utf-8", "surrogateescape").decode("utf-8", "replace")
            self._fail(name, outcome.status, outcome.code,
                       f"{self.bucket}/{outcome.key}" if outcome.key else "",
                       None if outcome.rule == "MT618" else entry.size)
        else:
            self._import(relpath, outcome.key, entry.size)

    def _import(self, relpath: str, key: str, size: int) -> None:
        target = bucket_path(self.data_dir, self.bucket, key) if self.copy else None
        try:
            md5, read = self._read(os.path.join(self.root, relpath), target, key)
        except OSError:
            self._fail(relpath, "400", "IncompleteBody", f"{self.bucket}/{key}", size)
            return
        self.log.loaded(relpath, f"{self.bucket}/{key}", md5, read,
                        _content_type(self.manifest, relpath))
        self.receipt.loaded += 1

    def _read(self, path: str, target: str | None, key: str) -> tuple[str, int]:
        digest = hashlib.md5(usedforsecurity=False)  # the log's MD5 column, not security
        out: io.BufferedWriter | None = None
        temp = None
        if target is not None:
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                fd, temp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".import.")
                out = os.fdopen(fd, "wb")
            except OSError:
                # A key that is also a 'folder' of another key cannot be a file here.
                self.receipt.not_copied.append(key)
        read = 0
        try:
            for chunk in _chunks(path):
                digest.update(chunk)
                read += len(chunk)
                if out is not None:
                    out.write(chunk)
        finally:
            if out is not None:
                out.close()
        if temp is not None and target is not None:
            try:
                os.replace(temp, target)
                self.receipt.copied += 1
            except OSError:
                os.unlink(temp)
                self.receipt.not_copied.append(key)
        return digest.hexdigest(), read


def _write_log(data_dir: str, job: Job, root: str, copy: bool
               ) -> tuple[Receipt, str, str, str]:
    from ..logs.write import LogWriter
    from ..manifest.parse import parse_manifest

    manifest = parse_manifest(job.manifest).data
    log_bucket = str(manifest.get("logBucket") or manifest.get("bucket"))
    log_key = str(manifest.get("logPrefix") or "") + IMPORT_LOG_NAME + job.job_id
    path = bucket_path(data_dir, log_bucket, log_key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".log.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            receipt = _Importer(job, root, data_dir, copy, LogWriter(stream)).run()
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return receipt, log_bucket, log_key, path


def receive(store: Store, job_id: str, device_root: str, copy: bool = False) -> Receipt:
    """Receive the device of ``job_id`` (an S3 import job) from ``device_root``."""
    job = _job(store, job_id)
    if job.canceled:
        raise UsageError(f"job {job_id} was canceled; AWS would return the device unopened")
    if job.location_code != NEW_JOB_LOCATION:
        raise UsageError(f"job {job_id} has already been received ({job.progress_code})")
    from ..manifest.parse import parse_manifest

    if job.job_type != "Import" or "bucket" not in parse_manifest(job.manifest).data:
        raise UsageError(f"job {job_id} is not an S3 import job: only those can be received")
    root = device_root.rstrip("/") or "/"
    failure = _check_signature(job, root)
    if failure is not None:
        store.update(job.job_id, location_code="AtAWS", location_message=MESSAGES["AtAWS"],
                     progress_code=failure, progress_message=MESSAGES[failure])
        return Receipt(job.job_id, failure)
    receipt, log_bucket, log_key, path = _write_log(store.data_dir, job, root, copy)
    receipt.log_bucket, receipt.log_key, receipt.log_path = log_bucket, log_key, path
    store.update(job.job_id, location_code="AtAWS", location_message=MESSAGES["AtAWS"],
                 progress_code=receipt.progress_code,
                 progress_message=MESSAGES[receipt.progress_code], log_bucket=log_bucket,
                 log_key=log_key, error_count=receipt.errors)
    return receipt


def return_device(store: Store, job_id: str, carrier: str = "UPS",
                  tracking_number: str | None = None) -> Job:
    """Ship a received device back: LocationCode Returned, with carrier and tracking."""
    job = _job(store, job_id)
    if job.location_code == NEW_JOB_LOCATION:
        raise UsageError(f"job {job_id}: the device has not been received")
    if job.location_code == "Returned":
        raise UsageError(f"job {job_id}: the device has already been returned")
    store.update(job.job_id, location_code="Returned", location_message=MESSAGES["Returned"],
                 carrier=carrier, tracking_number=tracking_number)
    return _job(store, job_id)
