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

import contextlib
import hashlib
import io
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from ..aws import IMPORT_LOG_NAME
from ..device.opening import Listed
from ..errors import DeviceError, InputError, UsageError
from ..manifest.jobtype import JobType
from ..signature import device_signature_verdict
from .buckets import (
    NO_SPACE,
    Staging,
    bucket_path,
    check_bucket,
    object_parts,
    sweep,
    write_error,
)
from .store import Job, Store

if TYPE_CHECKING:
    from ..device.walk import Entry

__all__ = ["Receipt", "bucket_path", "receive", "return_device"]

DEFAULT_CONTENT_TYPE = "binary/octet-stream"
CHUNK = 1024 * 1024


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


def _check_signature(job: Job, root: str) -> str | None:
    """None when the device's SIGNATURE is the job's, else the ProgressCode to end with:
    the verifier's own decision (``signature.device_signature_verdict``), so the rehearsal
    is never more lenient than ``verify --device``."""
    from ..device.signature import read_signature

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


def read_chunks(file: Listed) -> Iterator[bytes]:
    """The one place the dock reads a device file (the tests interrupt a receive here):
    the file the walk listed, opened by ``device.opening.open_listed`` (never through a
    symlink swapped in after the walk, never waiting on a FIFO, only that very file)."""
    from ..device.opening import open_listed

    fd = open_listed(*file)
    with os.fdopen(fd, "rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


class _Importer:
    """Imports one device: one log row per entry, objects copied when asked."""

    def __init__(self, job: Job, manifest: Mapping[str, Any], root: str, staging: Staging,
                 copy: bool, log: Any) -> None:
        from ..device.keys import KeyRules
        from ..device.outcome import entry_outcome

        self.outcome = entry_outcome
        self.manifest = manifest
        self.rules = KeyRules.from_manifest(self.manifest)
        self.bucket = str(self.manifest.get("bucket", ""))
        self.root, self.staging, self.copy, self.log = root, staging, copy, log
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

    def _failed(self, relpath: str, status: str, code: str, key: str = "",
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
            self._failed(name, outcome.status, outcome.code,
                       f"{self.bucket}/{outcome.key}" if outcome.key else "",
                       None if outcome.rule == "MT618" else entry.size)
        else:
            self._import(relpath, outcome.key, entry.size, entry.ident)

    def _import(self, relpath: str, key: str, size: int,
                ident: tuple[int, int] | None = None) -> None:
        try:
            md5, read = self._read(Listed(self.root_fd, relpath, ident), key)
        except OSError:
            # Reading the device failed (our side's write errors are raised, see _read).
            self._failed(relpath, "400", "IncompleteBody", f"{self.bucket}/{key}", size)
            return
        self.log.loaded(relpath, f"{self.bucket}/{key}", md5, read,
                        _content_type(self.manifest, relpath))
        self.receipt.loaded += 1

    def _read(self, path: Listed, key: str) -> tuple[str, int]:
        """MD5 and size of the device file; with --copy also staged and published to
        DATA/buckets/<bucket>/<key>. A device read error is OSError (IncompleteBody); a
        write error on our side is InputError (NoSpaceError when full), never the device's
        fault."""
        digest = hashlib.md5(usedforsecurity=False)  # the log's MD5 column, not security
        staged: tuple[str, BinaryIO] | None = None
        if self.copy:
            try:
                staged = self.staging.new_file()
            except OSError as exc:
                raise write_error(exc, f"a copy of {key!r}") from None
        read = 0
        try:
            for chunk in read_chunks(path):
                digest.update(chunk)
                read += len(chunk)
                if staged is not None:
                    _write(staged[1], chunk, key)
            if staged is not None:
                _close(staged[1], key)
        except BaseException:
            if staged is not None:
                with contextlib.suppress(OSError):  # a failed flush may fail again here
                    staged[1].close()
                self.staging.discard(staged[0])
            raise
        if staged is not None:
            try:
                self.staging.publish(staged[0], object_parts(self.bucket, key))
                self.receipt.copied += 1
            except OSError as exc:
                if exc.errno in NO_SPACE:
                    raise write_error(exc, f"a copy of {key!r}") from None
                # A key that is also a 'folder' of another key cannot be a file here; a
                # symbolic link on the way under DATA/buckets is refused, never followed.
                self.receipt.not_copied.append(key)
        return digest.hexdigest(), read


def _write(stream: BinaryIO, chunk: bytes, what: str) -> None:
    try:
        stream.write(chunk)
    except OSError as exc:
        raise write_error(exc, f"a copy of {what!r}") from None


def _close(stream: BinaryIO, what: str) -> None:
    try:
        stream.flush()
        stream.close()
    except OSError as exc:
        raise write_error(exc, f"a copy of {what!r}") from None


def import_device(job: Job, root: str, staging: Staging, copy: bool, log: Any,
                  manifest: Mapping[str, Any] | None = None) -> Receipt:
    """Import the device at ``root`` for ``job`` (its ``manifest`` as parsed by the
    caller, else parsed here): one ``log`` row per entry (the log writer's
    ``loaded``/``failed``/``ignored``/``signature``), objects staged and published when
    ``copy``."""
    if manifest is None:
        from ..manifest.parse import parse_manifest

        manifest = parse_manifest(job.manifest).data
    return _Importer(job, manifest, root, staging, copy, log).run()


def _write_log(staging: Staging, job: Job, manifest: Mapping[str, Any], root: str,
               copy: bool) -> tuple[Receipt, str, str, str]:
    from ..logs.write import LogWriter

    log_bucket = str(manifest.get("logBucket") or manifest.get("bucket"))
    log_key = str(manifest.get("logPrefix") or "") + IMPORT_LOG_NAME + job.job_id
    parts = object_parts(log_bucket, log_key)  # refuses a name no bucket can have
    name, raw = staging.new_file()
    try:
        with io.TextIOWrapper(raw, encoding="utf-8", newline="") as stream:
            receipt = import_device(job, root, staging, copy, LogWriter(stream), manifest)
            stream.flush()
            os.fsync(stream.fileno())
        staging.publish(name, parts)
    except OSError as exc:
        raise write_error(exc, f"the import log {log_bucket}/{log_key}") from None
    finally:
        staging.discard(name)
    return receipt, log_bucket, log_key, bucket_path(staging.data_dir, log_bucket, log_key)


def _claim(store: Store, job_id: str) -> Job:
    """Take the job for this receive in one conditional write (``Store.claim``), so
    CancelJob and UpdateJob from then on answer UnableTo...JobIdException and a second
    receive is refused. A job left InProgress by a receive that died (its staging lock is
    free: we hold it now) is taken over."""
    job = _job(store, job_id)
    if job.canceled:
        raise UsageError(f"job {job_id} was canceled; AWS would return the device unopened")
    if not store.claim(job_id):
        job = _job(store, job_id)
        if job.canceled:
            raise UsageError(f"job {job_id} was canceled; AWS would return the device "
                             "unopened")
        if (job.location_code, job.progress_code) != ("AtAWS", "InProgress"):
            raise UsageError(f"job {job_id} has already been received ({job.progress_code})")
    return _job(store, job_id)  # read after the claim: no UpdateJob can change it now


def receive(store: Store, job_id: str, device_root: str, copy: bool = False) -> Receipt:
    """Receive the device of ``job_id`` (an S3 import job) from ``device_root``.

    Nothing partial is left behind in any path: files are staged in DATA/receiving/<JOBID>/
    and published whole; an error, an interrupt or a full disk empties the staging folder
    and gives the job back (NotReceived); a killed receive's leftovers are swept by the next
    receive, which takes the job over. The stored manifest is parsed once (again only if
    an UpdateJob replaced it before the claim)."""
    job = _job(store, job_id)
    if job.canceled:
        raise UsageError(f"job {job_id} was canceled; AWS would return the device unopened")
    if job.kind is not JobType.IMPORT:
        raise UsageError(f"job {job_id} is {job.kind.described}, not an S3 import job: "
                         "only those can be received")
    manifest = _manifest(job)
    root = device_root.rstrip("/") or "/"
    if not os.path.isdir(root) or os.path.islink(root):
        raise InputError(f"device root {root} is not a folder", root)
    for _ in sweep(store.data_dir):
        pass
    staging = Staging(store.data_dir, job.job_id)
    try:
        claimed = _claim(store, job_id)
        try:
            if claimed.manifest != job.manifest:
                manifest = _manifest(claimed)
            receipt = _receive(store, claimed, manifest, root, staging, copy)
        except BaseException:
            store.release(claimed.job_id)
            raise
    finally:
        staging.close()
    return receipt


def _manifest(job: Job) -> Mapping[str, Any]:
    """The job's manifest, parsed (once per receive), with names a bucket can have."""
    from ..manifest.parse import parse_manifest

    manifest = parse_manifest(job.manifest).data
    if "bucket" not in manifest:  # a manifest edited by hand in the database
        raise UsageError(f"job {job.job_id} is not an S3 import job: only those can be "
                         "received")
    # A job stored before MT316 refused path-like names: refused before anything runs.
    check_bucket(str(manifest["bucket"]))
    check_bucket(str(manifest.get("logBucket") or manifest["bucket"]))
    return manifest


def _receive(store: Store, job: Job, manifest: Mapping[str, Any], root: str,
             staging: Staging, copy: bool) -> Receipt:
    failure = _check_signature(job, root)
    if failure is not None:
        store.finish(job.job_id, failure)
        return Receipt(job.job_id, failure)
    receipt, log_bucket, log_key, path = _write_log(staging, job, manifest, root, copy)
    receipt.log_bucket, receipt.log_key, receipt.log_path = log_bucket, log_key, path
    store.finish(job.job_id, receipt.progress_code, log_bucket, log_key, receipt.errors)
    return receipt


def return_device(store: Store, job_id: str, carrier: str = "UPS",
                  tracking_number: str | None = None) -> Job:
    """Ship a received device back: LocationCode Returned, with carrier and tracking."""
    job = _job(store, job_id)
    if not job.received:
        raise UsageError(f"job {job_id}: the device has not been received")
    if job.location_code == "Returned":
        raise UsageError(f"job {job_id}: the device has already been returned")
    if job.progress_code == "InProgress":
        raise UsageError(f"job {job_id}: the device is being received")
    if not store.ship_back(job, carrier, tracking_number):
        raise UsageError(f"job {job_id} changed meanwhile (another receive or return); "
                         "try again")
    return _job(store, job_id)
