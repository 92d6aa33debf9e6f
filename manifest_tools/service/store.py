"""The service's backend: its jobs in one SQLite file, their lifecycle and state messages.

As moto's backends: this module owns the jobs (the SQL, the schema, every state change and
the message get-status shows for each state); the API operations (``operations.py``) and
the receiving dock (``dock.py``) only ask it for changes and answer their callers.

Every change is one transaction committed (``synchronous=FULL``: durable through a power
cut, not only a killed process) before the HTTP answer is written, so a client that got a
JobId can rely on the job being there after a crash and restart. Every state change is one
conditional write (:meth:`Store.update_if`): two requests racing for one job cannot both
win. The schema version is ``PRAGMA user_version``; :data:`MIGRATIONS` step it forward one
version at a time, each after checking that the tables are the ones its version defines,
and a database from a newer toolkit is refused rather than guessed at.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from ..aws import NEW_JOB_LOCATION, NEW_JOB_PROGRESS
from ..errors import InputError, ManifestToolsError
from ..manifest.jobtype import JobType
from .errors import ServiceError

DB_NAME = "importexport.sqlite3"
BUSY_TIMEOUT_MS = 10_000

# The message get-status shows beside each LocationCode and ProgressCode: one table for
# every state a job can be in (the first three are the API reference's GetStatus example).
MESSAGES = {
    "NotReceived": "The specified job has not been received.",
    "Pending": "The specified job has not started.",
    "Canceled": "The specified job has been canceled.",
    "AtAWS": "AWS has received the device.",
    "InProgress": "AWS is loading the data on the device.",
    "Returned": "The device has been returned.",
    "Success": "The job completed: every file was imported.",
    "SuccessWithErrors": "The job completed with errors: see the log.",
    "MissingSignature": "The device had no SIGNATURE file in its root directory; it was not "
    "processed.",
    "InvalidSignature": "The device's SIGNATURE file does not match the job; it was not "
    "processed.",
}


@dataclass(frozen=True, slots=True)
class Job:
    """One row of ``jobs``; the fields are the columns, in the table's order."""

    seq: int
    job_id: str
    account: str
    job_type: str  # the API's JobType: Import or Export
    manifest: bytes
    manifest_addendum: bytes | None
    signature: str
    signature_file: str
    creation_date: str
    location_code: str
    location_message: str
    progress_code: str
    progress_message: str
    carrier: str | None
    tracking_number: str | None
    log_bucket: str | None
    log_key: str | None
    error_count: int | None
    canceled: int
    label_token: str
    kind: JobType  # the job type as judged: S3 import, S3 export, EBS or Glacier

    @property
    def received(self) -> bool:
        """AWS has the device (or had it): the job can no longer be updated or canceled."""
        return self.location_code != NEW_JOB_LOCATION


COLUMNS = tuple(f.name for f in fields(Job))
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM jobs"

# GetStatus's members that are columns, in the botocore model's order (GetStatusOutput),
# each with the column that holds it; CurrentManifest and ArtifactList are made from the
# row. The operations, the dashboard and the state endpoint all read this one table.
STATUS_MEMBERS = (
    ("JobId", "job_id"), ("JobType", "job_type"), ("LocationCode", "location_code"),
    ("LocationMessage", "location_message"), ("ProgressCode", "progress_code"),
    ("ProgressMessage", "progress_message"), ("Carrier", "carrier"),
    ("TrackingNumber", "tracking_number"), ("LogBucket", "log_bucket"),
    ("LogKey", "log_key"), ("ErrorCount", "error_count"), ("Signature", "signature"),
    ("SignatureFileContents", "signature_file"), ("CreationDate", "creation_date"),
)


def _job(row: Sequence[Any]) -> Job:
    values: dict[str, Any] = dict(zip(COLUMNS, row, strict=True))
    values["kind"] = JobType(values["kind"])
    return Job(**values)


# --- the schema and its migrations -------------------------------------------------------

_V1_JOBS = ("seq", "job_id", "account", "job_type", "manifest", "manifest_addendum",
            "signature", "signature_file", "creation_date", "location_code",
            "location_message", "progress_code", "progress_message", "carrier",
            "tracking_number", "log_bucket", "log_key", "error_count", "canceled",
            "label_token")
_LABELS = frozenset({"token", "account", "job_ids", "address", "created"})


def _v1(db: sqlite3.Connection) -> None:
    db.execute("""
        CREATE TABLE jobs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id TEXT NOT NULL UNIQUE,
            account TEXT NOT NULL,
            job_type TEXT NOT NULL,
            manifest BLOB NOT NULL,
            manifest_addendum BLOB,
            signature TEXT NOT NULL,
            signature_file TEXT NOT NULL,
            creation_date TEXT NOT NULL,
            location_code TEXT NOT NULL,
            location_message TEXT NOT NULL,
            progress_code TEXT NOT NULL,
            progress_message TEXT NOT NULL,
            carrier TEXT,
            tracking_number TEXT,
            log_bucket TEXT,
            log_key TEXT,
            error_count INTEGER,
            canceled INTEGER NOT NULL DEFAULT 0,
            label_token TEXT NOT NULL
        )""")
    db.execute("CREATE INDEX jobs_by_account ON jobs (account, seq)")
    # GetShippingLabel: one printable label for one or more jobs, reached by its token.
    db.execute("""
        CREATE TABLE labels (
            token TEXT PRIMARY KEY,
            account TEXT NOT NULL,
            job_ids TEXT NOT NULL,
            address TEXT NOT NULL,
            created TEXT NOT NULL
        )""")


def judged_kind(manifest: bytes, job_type: str) -> JobType:
    """The kind of job a stored manifest describes (its fields, as CreateJob judged them);
    the API's JobType when the fields do not say (a manifest that no longer parses)."""
    from ..manifest.jobtype import detect_job_type
    from ..manifest.parse import parse_manifest

    try:
        parsed = parse_manifest(manifest)
        detected, _ = detect_job_type(parsed.data, parsed.position(""))
    except ManifestToolsError:
        detected = None
    if detected is not None:
        return detected
    return JobType.EXPORT if job_type == "Export" else JobType.IMPORT


def _v2(db: sqlite3.Connection) -> None:
    """The job type as judged (S3 import, S3 export, EBS, Glacier), not only the API's
    Import/Export: the dock and the pages no longer re-parse the manifest to tell an S3
    import from an EBS one. Existing jobs get the kind their stored manifest describes."""
    db.execute(f"ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT '{JobType.IMPORT}'")
    rows = db.execute("SELECT seq, manifest, job_type FROM jobs").fetchall()
    for seq, manifest, job_type in rows:
        db.execute("UPDATE jobs SET kind = ? WHERE seq = ?",
                   (str(judged_kind(bytes(manifest), str(job_type))), seq))


# Index i migrates user_version i to i + 1. Append only; never edit a released step.
MIGRATIONS: Sequence[Callable[[sqlite3.Connection], None]] = (_v1, _v2)
SCHEMA_VERSION = len(MIGRATIONS)

# The tables of each schema version and their columns: a database whose user_version says
# N must have TABLES[N], or it was not made by this toolkit (or was edited). Checked before
# each migration step and after the last.
TABLES: Mapping[int, Mapping[str, frozenset[str]]] = {
    1: {"jobs": frozenset(_V1_JOBS), "labels": _LABELS},
    2: {"jobs": frozenset(COLUMNS), "labels": _LABELS},
}
assert len(TABLES) == SCHEMA_VERSION and set(COLUMNS) == set(_V1_JOBS) | {"kind"}


def check_schema(db: sqlite3.Connection, path: str, version: int = SCHEMA_VERSION) -> None:
    """Raise InputError (naming the file and what is wrong) when the tables are not the
    ones schema ``version`` defines."""
    for table, columns in TABLES[version].items():
        found = {str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")}
        missing = sorted(columns - found)
        if missing:
            what = "has no table " + table if not found else \
                f"has a table {table} without the column(s) {', '.join(missing)}"
            raise InputError(f"the service database {path} says schema version "
                             f"{version} but {what}: it was not made by manifest-tools "
                             "or was changed by hand; move it away (a new one is created) "
                             "or restore it from a backup", path)


def migrate(db: sqlite3.Connection, path: str = DB_NAME) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION`, one committed step at a time, each step
    only on the tables its version defines (else InputError, nothing changed)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise InputError(f"the service database has schema version {version}, newer than "
                         f"this manifest-tools understands ({SCHEMA_VERSION}); upgrade "
                         "manifest-tools")
    for step in range(version, SCHEMA_VERSION):
        db.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the lock: another process may have migrated meanwhile.
            if db.execute("PRAGMA user_version").fetchone()[0] != step:
                db.execute("ROLLBACK")
                continue
            if step:
                check_schema(db, path, step)
            MIGRATIONS[step](db)
            db.execute(f"PRAGMA user_version = {step + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    check_schema(db, path)


# The states a change requires, each written as the condition of one conditional write.
OPEN = {"location_code": NEW_JOB_LOCATION, "canceled": 0}  # CancelJob, UpdateJob, receive
RECEIVING = {"location_code": "AtAWS", "progress_code": "InProgress"}  # a receive's claim


def _state(location: str | None = None, progress: str | None = None) -> dict[str, str]:
    """The columns of a new LocationCode and/or ProgressCode, each with its message."""
    changes: dict[str, str] = {}
    if location is not None:
        changes.update(location_code=location, location_message=MESSAGES[location])
    if progress is not None:
        changes.update(progress_code=progress, progress_message=MESSAGES[progress])
    return changes


class Store:
    """Jobs on disk. One connection per thread; writes are ``BEGIN IMMEDIATE``."""

    def __init__(self, data_dir: str, create: bool = True) -> None:
        """Open the jobs of ``data_dir``; ``create=False`` (the dock's receive and return)
        refuses a folder that holds no service data instead of creating an empty one."""
        self.data_dir = data_dir
        if not create and not os.path.isfile(os.path.join(data_dir, DB_NAME)):
            what = "does not exist" if not os.path.exists(data_dir) else \
                f"holds no service data (no {DB_NAME})"
            raise InputError(f"the data folder {data_dir} {what}: only 'manifest-tools "
                             "service run' creates one; give the --data folder the service "
                             "runs with", data_dir)
        try:
            os.makedirs(data_dir, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the data folder {data_dir}: {exc.strerror}",
                             data_dir) from None
        self.path = os.path.join(data_dir, DB_NAME)
        self._local = threading.local()
        db = self._connection()
        try:
            migrate(db, self.path)
        except sqlite3.Error as exc:
            raise InputError(f"cannot read the service database {self.path}: {exc}",
                             self.path) from None

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            try:
                # Created 0600 before SQLite opens it: the jobs hold names, addresses and
                # export passwords, and the data folder may be readable by others. SQLite
                # gives its -wal and -shm files the database file's permissions.
                os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                                 | getattr(os, "O_CLOEXEC", 0), 0o600))
                db = sqlite3.connect(self.path, isolation_level=None,
                                     timeout=BUSY_TIMEOUT_MS / 1000,
                                     check_same_thread=False)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            except (sqlite3.Error, OSError) as exc:
                raise InputError(f"cannot open the service database {self.path}: {exc}",
                                 self.path) from None
            self._local.db = db
        return db

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (for diagnostics such as a statement trace)."""
        return self._connection()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed when the block ends without an exception."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _jobs(self, where: str, args: Sequence[Any] = ()) -> list[Job]:
        rows = self._connection().execute(f"{_SELECT} {where}", tuple(args)).fetchall()
        return [_job(row) for row in rows]

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # --- queries ------------------------------------------------------------------------

    def job(self, account: str, job_id: str) -> Job | None:
        """The account's job; another account's job is as absent as a job that never was."""
        found = self._jobs("WHERE job_id = ? AND account = ?", (job_id, account))
        return found[0] if found else None

    def job_by_id(self, job_id: str) -> Job | None:
        """For the operator (receive, return, labels): any account's job."""
        found = self._jobs("WHERE job_id = ?", (job_id,))
        return found[0] if found else None

    def job_by_label_token(self, token: str) -> Job | None:
        found = self._jobs("WHERE label_token = ?", (token,))
        return found[0] if found else None

    def all_jobs(self) -> list[Job]:
        """Every account's jobs, oldest first (the operator's view, as ``service jobs``)."""
        return self._jobs("ORDER BY seq")

    def count(self) -> int:
        return int(self._connection().execute("SELECT COUNT(*) FROM jobs").fetchone()[0])

    def listing(self, account: str, limit: int, before_seq: int | None
                ) -> list[tuple[str, str, int, str]]:
        """ListJobs's rows, newest first: (job_id, creation_date, canceled, job_type) only,
        never the manifests (8 concurrent ListJobs once held 3.5 GB of them)."""
        where = "account = ?" + (" AND seq < ?" if before_seq is not None else "")
        args: list[Any] = [account] + ([before_seq] if before_seq is not None else [])
        rows = self._connection().execute(
            f"SELECT job_id, creation_date, canceled, job_type FROM jobs WHERE {where} "
            "ORDER BY seq DESC LIMIT ?", (*args, limit)).fetchall()
        return [(str(r[0]), str(r[1]), int(r[2]), str(r[3])) for r in rows]

    def seq_of(self, account: str, job_id: str) -> int | None:
        """The listing position of the account's job (a ListJobs Marker)."""
        row = self._connection().execute("SELECT seq FROM jobs WHERE job_id = ? AND "
                                          "account = ?", (job_id, account)).fetchone()
        return int(row[0]) if row else None

    # --- the lifecycle: every change one transaction, every state change conditional ---------

    def create(self, account: str, job_type: str, kind: JobType, manifest: bytes,
               addendum: bytes | None, new_job_id: Callable[[], str],
               sign: Callable[[str], tuple[str, str]], now: datetime, per_day: int) -> Job:
        """A new job (NotReceived, Pending) under a fresh JobId; ``sign(job_id)`` gives its
        Signature and SignatureFileContents. Raises ServiceError
        (CreateJobQuotaExceededException) when ``account`` made ``per_day`` jobs in the 24
        hours before ``now``."""
        names = ("job_id", "account", "job_type", "kind", "manifest", "manifest_addendum",
                 "signature", "signature_file", "creation_date", "label_token",
                 *_state(NEW_JOB_LOCATION, NEW_JOB_PROGRESS))
        for _ in range(20):  # 34**5 ids: a collision is rare, twenty in a row impossible
            job_id = new_job_id()
            signature, signature_file = sign(job_id)
            values = (job_id, account, job_type, str(kind), manifest, addendum, signature,
                      signature_file, _stamp(now), secrets.token_urlsafe(16),
                      *_state(NEW_JOB_LOCATION, NEW_JOB_PROGRESS).values())
            try:
                with self.write() as db:
                    # Counted inside the write transaction: concurrent CreateJobs cannot
                    # all pass a count taken before any of them inserted.
                    made = db.execute("SELECT COUNT(*) FROM jobs WHERE account = ? AND "
                                      "creation_date > ?",
                                      (account, _stamp(now - timedelta(days=1)))).fetchone()[0]
                    if made >= per_day:
                        raise ServiceError("CreateJobQuotaExceededException", f"Each account "
                                           f"can create only {per_day} jobs per day; yours "
                                           f"created {made} in the last 24 hours.")
                    db.execute(f"INSERT INTO jobs ({', '.join(names)}) VALUES "
                               f"({', '.join('?' * len(names))})", values)
            except sqlite3.IntegrityError:
                continue
            job = self.job(account, job_id)
            assert job is not None
            return job
        raise ServiceError("InternalFailure", "could not allocate a job id", 500, sender=False)

    def update_if(self, job_id: str, expected: Mapping[str, Any], **changes: Any) -> bool:
        """One conditional write: apply ``changes`` only if the job's columns still hold
        ``expected``; True when it did. Every state transition goes through this, so two
        requests racing for one job cannot both win (check-then-act)."""
        unknown = (set(changes) | set(expected)) - set(COLUMNS)
        if unknown:  # column names are ours, never a client's; this guards the f-string
            raise ValueError(f"unknown columns {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        conditions = "".join(f" AND {name} = ?" for name in expected)
        with self.write() as db:
            cursor = db.execute(f"UPDATE jobs SET {assignments} WHERE job_id = ?{conditions}",
                                (*changes.values(), job_id, *expected.values()))
            return cursor.rowcount == 1

    def cancel(self, job_id: str) -> bool:
        """CancelJob: an open job (not received, not canceled) becomes Canceled."""
        return self.update_if(job_id, OPEN, canceled=1, **_state(progress="Canceled"))

    def replace_manifest(self, job_id: str, manifest: bytes, kind: JobType, signature: str,
                         signature_file: str) -> bool:
        """UpdateJob: an open job gets a new manifest and, as it covers the manifest, a new
        SIGNATURE file."""
        return self.update_if(job_id, OPEN, manifest=manifest, kind=str(kind),
                              signature=signature, signature_file=signature_file)

    def claim(self, job_id: str) -> bool:
        """A receive takes an open job (AtAWS, InProgress): from then on CancelJob and
        UpdateJob miss, and a second receive is refused."""
        return self.update_if(job_id, OPEN, **_state("AtAWS", "InProgress"))

    def release(self, job_id: str) -> bool:
        """Undo the claim of a receive that did not finish: the device was not processed."""
        return self.update_if(job_id, RECEIVING, **_state(NEW_JOB_LOCATION, NEW_JOB_PROGRESS))

    def finish(self, job_id: str, progress: str, log_bucket: str | None = None,
               log_key: str | None = None, error_count: int | None = None) -> bool:
        """The receive's outcome: the ProgressCode, and the log when one was written."""
        logged = {"log_bucket": log_bucket, "log_key": log_key, "error_count": error_count}
        return self.update_if(job_id, RECEIVING, **_state(progress=progress),
                              **{k: v for k, v in logged.items() if v is not None})

    def ship_back(self, job: Job, carrier: str, tracking_number: str | None) -> bool:
        """The device goes back (Returned), if the job is still in the state ``job`` saw."""
        return self.update_if(job.job_id, {"location_code": job.location_code,
                                           "progress_code": job.progress_code},
                              **_state("Returned"), carrier=carrier,
                              tracking_number=tracking_number)

    def reset(self) -> int:
        """Every job and label gone, in one transaction; how many jobs there were."""
        with self.write() as db:
            removed = int(db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])
            db.execute("DELETE FROM jobs")
            db.execute("DELETE FROM labels")
        return removed

    # --- shipping labels ------------------------------------------------------------------

    def add_label(self, token: str, account: str, job_ids: Sequence[str], address: str,
                  created: str) -> None:
        with self.write() as db:
            db.execute("INSERT INTO labels VALUES (?, ?, ?, ?, ?)",
                       (token, account, " ".join(job_ids), address, created))

    def label(self, token: str) -> tuple[list[str], str, str] | None:
        """(job ids, address JSON, creation time) of a label."""
        row = self._connection().execute("SELECT job_ids, address, created FROM labels "
                                          "WHERE token = ?", (token,)).fetchone()
        return (str(row[0]).split(), str(row[1]), str(row[2])) if row else None


def _stamp(when: datetime) -> str:
    return f"{when:%Y-%m-%dT%H:%M:%SZ}"
