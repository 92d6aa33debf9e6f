"""The service's jobs in one SQLite file: WAL, forward migrations, one commit per change.

Every change is one transaction committed (``synchronous=FULL``: durable through a power
cut, not only a killed process) before the HTTP answer is written, so a client that got a
JobId can rely on the job being there after a crash and restart. The schema version is
``PRAGMA user_version``; :data:`MIGRATIONS` step it forward one version at a time, and a
database from a newer toolkit is refused rather than guessed at.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import InputError

DB_NAME = "importexport.sqlite3"
BUSY_TIMEOUT_MS = 10_000


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


# Index i migrates user_version i to i + 1. Append only; never edit a released step.
MIGRATIONS: Sequence[Callable[[sqlite3.Connection], None]] = (_v1,)
SCHEMA_VERSION = len(MIGRATIONS)

COLUMNS = ("seq", "job_id", "account", "job_type", "manifest", "manifest_addendum",
           "signature", "signature_file", "creation_date", "location_code",
           "location_message", "progress_code", "progress_message", "carrier",
           "tracking_number", "log_bucket", "log_key", "error_count", "canceled",
           "label_token")


@dataclass(frozen=True, slots=True)
class Job:
    seq: int
    job_id: str
    account: str
    job_type: str
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


def migrate(db: sqlite3.Connection) -> None:
    """Bring the schema to :data:`SCHEMA_VERSION`, one committed step at a time."""
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
            MIGRATIONS[step](db)
            db.execute(f"PRAGMA user_version = {step + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


# The tables of SCHEMA_VERSION and their columns: a database whose user_version says
# SCHEMA_VERSION must have them, or it was not made by this toolkit (or was edited).
TABLES = {"jobs": frozenset(COLUMNS),
          "labels": frozenset({"token", "account", "job_ids", "address", "created"})}


def check_schema(db: sqlite3.Connection, path: str) -> None:
    """Raise InputError (naming the file and what is wrong) when the tables are not the
    ones :data:`SCHEMA_VERSION` defines."""
    for table, columns in TABLES.items():
        found = {str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")}
        missing = sorted(columns - found)
        if missing:
            what = "has no table " + table if not found else \
                f"has a table {table} without the column(s) {', '.join(missing)}"
            raise InputError(f"the service database {path} says schema version "
                             f"{SCHEMA_VERSION} but {what}: it was not made by manifest-tools "
                             "or was changed by hand; move it away (a new one is created) "
                             "or restore it from a backup", path)


class Store:
    """Jobs on disk. One connection per thread; writes are ``BEGIN IMMEDIATE``."""

    def __init__(self, data_dir: str) -> None:
        self.data_dir = data_dir
        try:
            os.makedirs(data_dir, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the data folder {data_dir}: {exc.strerror}",
                             data_dir) from None
        self.path = os.path.join(data_dir, DB_NAME)
        self._local = threading.local()
        db = self._connection()
        try:
            migrate(db)
            check_schema(db, self.path)
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

    def read(self, sql: str, args: Sequence[Any] = ()) -> list[Job]:
        rows = self._connection().execute(sql, tuple(args)).fetchall()
        return [Job(*row) for row in rows]

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # --- queries ------------------------------------------------------------------------

    def job(self, account: str, job_id: str) -> Job | None:
        """The account's job; another account's job is as absent as a job that never was."""
        found = self.read(f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE job_id = ? AND "
                          "account = ?", (job_id, account))
        return found[0] if found else None

    def job_by_id(self, job_id: str) -> Job | None:
        """For the operator (receive, return, labels): any account's job."""
        found = self.read(f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE job_id = ?",
                          (job_id,))
        return found[0] if found else None

    def job_by_label_token(self, token: str) -> Job | None:
        found = self.read(f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE label_token = ?",
                          (token,))
        return found[0] if found else None

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

    def update_if(self, job_id: str, expected: dict[str, Any], **changes: Any) -> bool:
        """One conditional write: apply ``changes`` only if the job's columns still hold
        ``expected``; True when it did. Every state transition goes through this, so two
        requests racing for one job cannot both win (issue 18: check-then-act)."""
        unknown = (set(changes) | set(expected)) - set(COLUMNS)
        if unknown:  # column names are ours, never a client's; this guards the f-string
            raise ValueError(f"unknown columns {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        conditions = "".join(f" AND {name} = ?" for name in expected)
        with self.write() as db:
            cursor = db.execute(f"UPDATE jobs SET {assignments} WHERE job_id = ?{conditions}",
                                (*changes.values(), job_id, *expected.values()))
            return cursor.rowcount == 1

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

    def integrity(self) -> str:
        return str(self._connection().execute("PRAGMA integrity_check").fetchone()[0])
