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

Decisions where AWS is silent (README): the SIGNATURE is compared by its parsed fields
(jobId and signature, constant time), so a trailing newline or CRLF does not matter;
symbolic links, FIFOs and sockets are never followed and are logged ``103 Ignored``; a file
that cannot be read is ``400 IncompleteBody``, a name that is not UTF-8
``400 InvalidObjectName``, a key over 1,024 bytes ``400 KeyTooLongError``, a file over 5 TB
``400 EntityTooLarge``, a substitution that empties the key ``400 InvalidSubstitution``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..aws import IMPORT_LOG_NAME, NEW_JOB_LOCATION, S3_KEY_LIMIT, S3_OBJECT_LIMIT
from ..errors import DeviceError, InputError, UsageError
from ..signature import parse_signature_file
from .store import Job, Store

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
    """None when the device's SIGNATURE is the job's, else the ProgressCode to end with."""
    from ..device.signature import read_signature

    if not os.path.isdir(root) or os.path.islink(root):
        raise InputError(f"device root {root} is not a folder", root)
    try:
        data = read_signature(root)
    except DeviceError:
        return "InvalidSignature"  # a folder, symlink or oversized file is no SIGNATURE
    if data is None:
        return "MissingSignature"
    parsed, findings = parse_signature_file(data)
    expected, _ = parse_signature_file(job.signature_file.encode("ascii"))
    assert expected is not None
    if parsed is None or any(d.is_error for d in findings):
        return "InvalidSignature"
    same = hmac.compare_digest(parsed.signature.encode("utf-8", "replace"),
                               expected.signature.encode("ascii"))
    return None if same and parsed.job_id == job.job_id else "InvalidSignature"


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


def _chunks(root_fd: int, relpath: str, ident: tuple[int, int] | None) -> Iterator[bytes]:
    """The bytes of the file the walk listed (``device.opening.open_listed``: never through
    a symlink swapped in after the walk, never waiting on a FIFO)."""
    from ..device.opening import open_listed

    fd = open_listed(root_fd, relpath, ident)
    with os.fdopen(fd, "rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


class _Importer:
    """Imports one device: one log row per entry, objects copied when asked."""

    def __init__(self, job: Job, root: str, data_dir: str, copy: bool, log: Any) -> None:
        from ..device.keys import KeyRules
        from ..manifest.parse import parse_manifest

        self.manifest = parse_manifest(job.manifest).data
        self.rules = KeyRules.from_manifest(self.manifest)
        self.bucket = str(self.manifest.get("bucket", ""))
        self.root, self.data_dir, self.copy, self.log = root, data_dir, copy, log
        self.receipt = Receipt(job.job_id, "Success")

    def run(self) -> Receipt:
        from ..device.opening import open_root
        from ..device.walk import walk

        self.root_fd = -1
        try:
            for entry in walk(self.root):
                if entry.kind == "dir" and entry.error is None:
                    continue
                if self.root_fd < 0:  # after the walk has checked the root: its messages
                    self.root_fd = open_root(self.root)
                self._entry(entry)
        finally:
            if self.root_fd >= 0:
                os.close(self.root_fd)
        self.receipt.progress_code = "SuccessWithErrors" if self.receipt.errors else "Success"
        return self.receipt

    def _fail(self, relpath: str, status: str, code: str, key: str = "",
              size: int | None = None) -> None:
        self.log.failed(relpath, status, code, key, size)
        self.receipt.errors += 1

    def _entry(self, entry: Any) -> None:
        relpath = entry.relpath
        if entry.kind in ("dir", "error"):
            self._fail(relpath, "400", "IncompleteBody")
            return
        if entry.kind != "file":
            self.log.ignored(relpath, 0)  # never followed: see the module docstring
            self.receipt.ignored += 1
            return
        if not entry.utf8:
            self._fail(relpath.encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                       "400", "InvalidObjectName", size=entry.size)
            return
        decision = self.rules.decide(relpath)
        if decision.action == "ignored":
            if decision.pattern is None:
                self.log.signature(entry.size)
            else:
                self.log.ignored(relpath, entry.size, _content_type(self.manifest, relpath))
            self.receipt.ignored += 1
            return
        self._import(relpath, decision.key, entry.size, entry.ident)

    def _refusal(self, key: str, size: int) -> tuple[str, str] | None:
        if not key:
            return "400", "InvalidSubstitution"
        if len(key.encode("utf-8")) > S3_KEY_LIMIT:
            return "400", "KeyTooLongError"
        if size > S3_OBJECT_LIMIT:
            return "400", "EntityTooLarge"
        return None

    def _import(self, relpath: str, key: str, size: int,
                ident: tuple[int, int] | None = None) -> None:
        refused = self._refusal(key, size)
        if refused is not None:
            self._fail(relpath, *refused, key=f"{self.bucket}/{key}", size=size)
            return
        target = bucket_path(self.data_dir, self.bucket, key) if self.copy else None
        try:
            md5, read = self._read(relpath, ident, target, key)
        except OSError:
            self._fail(relpath, "400", "IncompleteBody", f"{self.bucket}/{key}", size)
            return
        self.log.loaded(relpath, f"{self.bucket}/{key}", md5, read,
                        _content_type(self.manifest, relpath))
        self.receipt.loaded += 1

    def _read(self, relpath: str, ident: tuple[int, int] | None, target: str | None,
              key: str) -> tuple[str, int]:
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
            for chunk in _chunks(self.root_fd, relpath, ident):
                digest.update(chunk)
                read += len(chunk)
                if out is not None:
                    out.write(chunk)
        except BaseException:
            if temp is not None:  # a failed read leaves no partial copy
                with contextlib.suppress(OSError):
                    os.unlink(temp)
            raise
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


def import_device(job: Job, root: str, data_dir: str, copy: bool, log: Any) -> Receipt:
    """Import the device at ``root`` for ``job``: one ``log`` row per entry (the log
    writer's ``loaded``/``failed``/``ignored``/``signature``), objects copied when asked."""
    return _Importer(job, root, data_dir, copy, log).run()


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
            receipt = import_device(job, root, data_dir, copy, LogWriter(stream))
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
