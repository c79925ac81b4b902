"""What has been reviewed, and what was said: SQLite by default, PostgreSQL to share.

The store is the one truth between passes, whatever user or environment starts
them. On SQLite (one host) a pass holds the store's lease: a second pass finds
it held and stops, and a lease whose process died is taken over at once (see
``bot.liveness``). On PostgreSQL several workers share the work: a revision is
claimed under a session-scoped advisory lock, so a worker that dies (its
connection closes, or the server's TCP keepalive finds its host gone within
about half a minute) leaves a claim the next worker takes over. A review is
claimed before it starts and marked done, with its result, in one transaction
after its report was delivered; the Message-IDs of a reviewed revision are
kept, so a pass asks the store once which threads it has already handled.
Schema changes are numbered migrations recorded in ``schema_version``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import liveness
from bot.errors import BusyError, InputError, NetworkError, NotFoundError

MIGRATIONS = [
    # 1: reviews and key/value state
    """
    CREATE TABLE reviews (
        series_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        worker TEXT NOT NULL DEFAULT '',
        claimed_at DOUBLE PRECISION NOT NULL,
        finished_at DOUBLE PRECISION,
        result TEXT,
        PRIMARY KEY (series_id, version)
    );
    CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: deliveries (one reply per patch mail and channel) and threads to fetch again
    """
    CREATE TABLE deliveries (
        channel TEXT NOT NULL,
        target TEXT NOT NULL,
        series_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        delivered_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (channel, target)
    );
    CREATE TABLE retries (
        thread TEXT PRIMARY KEY,
        attempts INTEGER NOT NULL,
        error TEXT NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
    );
    """,
    # 3: the findings of each review done, so that the next revision's review can say
    # what became of them without reviewing the previous revision again
    """
    CREATE TABLE review_findings (
        series_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        findings TEXT NOT NULL,
        PRIMARY KEY (series_id, version)
    );
    """,
    # 4: the pass lease (SQLite) and the mails of each reviewed revision
    """
    CREATE TABLE lease (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        process TEXT NOT NULL,
        heartbeat DOUBLE PRECISION NOT NULL
    );
    CREATE TABLE mails (
        message_id TEXT PRIMARY KEY,
        series_id TEXT NOT NULL,
        version INTEGER NOT NULL
    );
    """,
    # 5: the revisions claimed and not finished, which every pass asks for, found
    # without reading the whole history
    """
    CREATE INDEX reviews_claimed ON reviews (claimed_at) WHERE status = 'claimed';
    """,
]
SQLITE_TIMEOUT = 30.0  # seconds a statement waits for another pass's write
PG_KEEPALIVE = ("SET tcp_keepalives_idle = 15; SET tcp_keepalives_interval = 5; "
                "SET tcp_keepalives_count = 3")  # a silent worker host is dropped in ~30 s


def default_db() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return Path(base) / "lorebot" / "lorebot.sqlite3"


@dataclass
class HistoryRow:
    series_id: str
    version: int
    subject: str
    status: str
    worker: str
    claimed_at: float
    finished_at: float | None
    result: dict


class StoreError(InputError):
    """The store cannot be used: not a database, unreadable, or its server failed."""


def _advisory_key(series_id: str, version: int) -> int:
    """A revision's PostgreSQL advisory lock number (a signed 64-bit hash)."""
    digest = hashlib.blake2b(f"{version}:{series_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Store:
    """The review store on SQLite (a path) or PostgreSQL (a postgresql:// URL)."""

    def __init__(self, url: str | None = None, create: bool = True):
        self.url = url or str(default_db())
        self.postgres = self.url.startswith(("postgresql://", "postgres://"))
        self.conn = self._connect_postgres() if self.postgres else self._connect_sqlite(create)
        self.process = liveness.identity()
        self.migrate()

    def _connect_postgres(self):
        try:
            import psycopg
        except ImportError:
            raise InputError("--db postgresql://... needs psycopg: "
                             "pip install 'lorebot[postgres]'") from None
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            conn.execute(PG_KEEPALIVE)
        except psycopg.Error as exc:
            raise NetworkError(f"cannot connect to {self.url}: "
                               f"{str(exc).strip().splitlines()[0]}") from None
        return conn

    def _connect_sqlite(self, create: bool) -> sqlite3.Connection:
        path = Path(self.url)
        if not create and not path.exists():
            raise NotFoundError(f"{path}: no store there (nothing was reviewed with it)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=SQLITE_TIMEOUT, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from None
        self.conn = conn
        self._write_ahead_log()
        return conn

    def _write_ahead_log(self) -> None:
        """WAL, so that readers never wait; set once per database file. Switching
        needs the file to itself and SQLite does not wait for that: retry."""
        deadline = time.monotonic() + SQLITE_TIMEOUT
        while self.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            try:
                self.conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc):
                    raise StoreError(f"{self.url}: {exc}") from None
                if time.monotonic() > deadline:
                    raise BusyError(f"{self.url}: the store stayed locked for "
                                    f"{SQLITE_TIMEOUT:.0f} s") from None
                time.sleep(0.05)

    # plumbing ----------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def execute(self, sql: str, params: tuple = ()) -> Any:
        """One statement; a database failure becomes a one-line ``StoreError``."""
        try:
            return self.conn.execute(self._sql(sql), params)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise BusyError(f"{self.url}: the store stayed locked for "
                                f"{SQLITE_TIMEOUT:.0f} s") from None
            raise StoreError(f"{self.url}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.url}: not a lorebot store ({exc})") from None
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg"):
                raise StoreError(f"{self.url}: {str(exc).strip().splitlines()[0]}") from None
            raise

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One transaction on either engine (both connections are otherwise autocommit)."""
        if self.postgres:
            with self.conn.transaction():
                yield self
            return
        self.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    def migrate(self) -> None:
        with self.transaction():
            if self.postgres:  # one migrating worker at a time
                self.execute("SELECT pg_advisory_xact_lock(4242)")
            self.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            for number, script in enumerate(MIGRATIONS, start=1):
                if number <= current:
                    continue
                for statement in filter(str.strip, script.split(";")):
                    self.execute(statement)
                self.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))

    def close(self) -> None:
        self.conn.close()

    # the pass lease (SQLite) ----------------------------------------------
    @contextmanager
    def pass_lease(self, holder: str, stale_after: float) -> Iterator[None]:
        """One pass at a time on a SQLite store, whoever runs it; PostgreSQL workers
        share the work through their claims instead. A lease whose process is gone
        is taken at once; one this host cannot look up, after ``stale_after`` s
        without a heartbeat."""
        if self.postgres:
            yield
            return
        now = time.time()
        with self.transaction():
            row = self.execute("SELECT holder, process, heartbeat FROM lease "
                               "WHERE name = 'watch'").fetchone()
            if row and row[1] != self.process:
                running = liveness.alive(row[1])
                if running or (running is None and now - row[2] < stale_after):
                    raise BusyError(f"another lorebot watch ({row[0]}) is working on "
                                    f"{self.url}")
            self.execute("INSERT INTO lease (name, holder, process, heartbeat) VALUES "
                         "('watch', ?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = "
                         "excluded.holder, process = excluded.process, heartbeat = "
                         "excluded.heartbeat", (holder, self.process, now))
        try:
            yield
        finally:
            self.execute("DELETE FROM lease WHERE name = 'watch' AND process = ?",
                         (self.process,))

    def still_ours(self) -> None:
        """Before a reply goes out: our lease (SQLite) or session (PostgreSQL) holds."""
        if self.postgres:
            self.execute("SELECT 1")  # the session, and with it our advisory locks
            return
        if self.execute("UPDATE lease SET heartbeat = ? WHERE name = 'watch' AND "
                        "process = ?", (time.time(), self.process)).rowcount != 1:
            raise BusyError(f"this pass lost its lease on {self.url} to another pass")

    # reviews -----------------------------------------------------------------
    def claim(self, series_id: str, version: int, subject: str, worker: str) -> bool:
        """Take the review of (series, version); False if done or claimed by a live worker.

        On SQLite the pass lease makes any claim found a dead pass's. On PostgreSQL
        the advisory lock is held by a live worker's session only.
        """
        key = _advisory_key(series_id, version)
        if self.postgres and not self.execute("SELECT pg_try_advisory_lock(?)",
                                              (key,)).fetchone()[0]:
            return False
        with self.transaction():
            taken = self.execute(
                "INSERT INTO reviews (series_id, version, subject, status, worker, claimed_at)"
                " VALUES (?, ?, ?, 'claimed', ?, ?) ON CONFLICT (series_id, version) DO UPDATE"
                " SET worker = excluded.worker, claimed_at = excluded.claimed_at"
                " WHERE reviews.status = 'claimed'",
                (series_id, version, subject, worker, time.time())).rowcount == 1
        if not taken:
            self._unlock(key)
        return taken

    def _unlock(self, key: int) -> None:
        if self.postgres:
            self.execute("SELECT pg_advisory_unlock(?)", (key,))

    def release(self, series_id: str, version: int, worker: str) -> None:
        """Give up our claim (the review failed) so that the next run takes it at once."""
        self.execute("DELETE FROM reviews WHERE series_id = ? AND version = ? AND "
                     "status = 'claimed' AND worker = ?", (series_id, version, worker))
        self._unlock(_advisory_key(series_id, version))

    def finish(self, series_id: str, version: int, result: dict, status: str = "done",
               findings: list[dict] | None = None, mails: Iterable[str] = ()) -> None:
        """Record the result: ``done``, or ``failed`` when the revision could not be
        reviewed; with the review's ``findings`` (JSON objects) when given; ``mails``
        are its Message-IDs, handled from now on."""
        with self.transaction():
            self.execute("UPDATE reviews SET status = ?, finished_at = ?, result = ? "
                         "WHERE series_id = ? AND version = ?",
                         (status, time.time(), json.dumps(result), series_id, version))
            if findings is not None:
                self.execute("INSERT INTO review_findings (series_id, version, findings) "
                             "VALUES (?, ?, ?) ON CONFLICT (series_id, version) DO UPDATE "
                             "SET findings = excluded.findings",
                             (series_id, version, json.dumps(findings)))
            for message_id in mails:
                self.execute("INSERT INTO mails (message_id, series_id, version) VALUES "
                             "(?, ?, ?) ON CONFLICT DO NOTHING",
                             (message_id, series_id, version))
        self._unlock(_advisory_key(series_id, version))

    def findings(self, series_id: str, version: int) -> list[dict] | None:
        """The findings of a review done, as recorded; None if there is none."""
        row = self.execute("SELECT f.findings FROM review_findings f JOIN reviews r ON "
                           "r.series_id = f.series_id AND r.version = f.version WHERE "
                           "f.series_id = ? AND f.version = ? AND r.status = 'done'",
                           (series_id, version)).fetchone()
        return json.loads(row[0]) if row else None

    def is_done(self, series_id: str, version: int) -> bool:
        row = self.execute("SELECT status FROM reviews WHERE series_id = ? AND version = ?",
                           (series_id, version)).fetchone()
        return bool(row) and row[0] in ("done", "failed")

    def handled(self, message_ids: Iterable[str]) -> set[str]:
        """Which of these mails belong to a revision reviewed (or failed) already."""
        wanted = list(dict.fromkeys(message_ids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # SQLite's bound on parameters
            chunk = wanted[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            found.update(row[0] for row in self.execute(
                f"SELECT message_id FROM mails WHERE message_id IN ({marks})",
                tuple(chunk)).fetchall())
        return found

    def unfinished(self) -> list[str]:
        """Revisions claimed and never finished (by Message-ID): a pass that died left
        them, or a live worker is on them (its claim keeps the next pass out)."""
        rows = self.execute("SELECT series_id FROM reviews WHERE status = 'claimed' "
                            "ORDER BY claimed_at").fetchall()
        return [row[0] for row in rows]

    def history(self, limit: int = 100) -> list[HistoryRow]:
        rows = self.execute(
            "SELECT series_id, version, subject, status, worker, claimed_at, finished_at, "
            "result FROM reviews ORDER BY claimed_at DESC LIMIT ?", (limit,)).fetchall()
        return [HistoryRow(*row[:7], json.loads(row[7]) if row[7] else {}) for row in rows]

    # deliveries, retries and state ------------------------------------------
    def delivered(self, channel: str, target: str) -> bool:
        """Whether a reply to the mail ``target`` already went out through ``channel``."""
        return self.execute("SELECT 1 FROM deliveries WHERE channel = ? AND target = ?",
                            (channel, target)).fetchone() is not None

    def record_delivery(self, channel: str, target: str, series_id: str,
                        version: int) -> None:
        with self.transaction():
            self.execute("INSERT INTO deliveries (channel, target, series_id, version, "
                         "delivered_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                         (channel, target, series_id, version, time.time()))

    def threads_to_retry(self) -> list[str]:
        """Threads (by a patch's Message-ID) that failed in an earlier run, oldest first."""
        rows = self.execute("SELECT thread FROM retries ORDER BY updated_at").fetchall()
        return [row[0] for row in rows]

    def record_failure(self, thread: str, error: str) -> int:
        """Remember a failed thread for the next run; how many times it has failed."""
        with self.transaction():
            self.execute("INSERT INTO retries (thread, attempts, error, updated_at) "
                         "VALUES (?, 1, ?, ?) ON CONFLICT (thread) DO UPDATE SET "
                         "attempts = retries.attempts + 1, error = excluded.error, "
                         "updated_at = excluded.updated_at", (thread, error, time.time()))
            row = self.execute("SELECT attempts FROM retries WHERE thread = ?",
                               (thread,)).fetchone()
        return row[0]

    def forget_failure(self, thread: str) -> None:
        self.execute("DELETE FROM retries WHERE thread = ?", (thread,))

    def get_state(self, key: str) -> str | None:
        row = self.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_state(self, key: str, value: str) -> None:
        with self.transaction():
            self.execute("INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) "
                         "DO UPDATE SET value = excluded.value", (key, value))
