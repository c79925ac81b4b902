"""What has been reviewed, and what was said: SQLite by default, PostgreSQL to share.

A review is claimed before it starts and marked done, with its result, in one
transaction after its report was delivered. Claiming is atomic (INSERT ... ON
CONFLICT DO NOTHING), so two workers on one PostgreSQL database never review
the same revision; a claim whose worker died is taken over once it is stale.
Schema changes are numbered migrations recorded in ``schema_version``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import InputError, NetworkError

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
]


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


class Store:
    """The review store on SQLite (a path) or PostgreSQL (a postgresql:// URL)."""

    def __init__(self, url: str | None = None):
        self.url = url or str(default_db())
        self.postgres = self.url.startswith(("postgresql://", "postgres://"))
        if self.postgres:
            try:
                import psycopg
            except ImportError:
                raise InputError("--db postgresql://... needs psycopg: "
                                 "pip install 'lorebot[postgres]'") from None
            try:
                self.conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except psycopg.OperationalError as exc:
                raise NetworkError(f"cannot connect to {self.url}: "
                                   f"{str(exc).strip().splitlines()[0]}") from None
        else:
            path = Path(self.url)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.migrate()

    # plumbing ----------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def execute(self, sql: str, params: tuple = ()) -> Any:
        return self.conn.execute(self._sql(sql), params)

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One transaction on either engine (both connections are otherwise autocommit)."""
        if self.postgres:
            with self.conn.transaction():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

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

    # reviews -----------------------------------------------------------------
    def claim(self, series_id: str, version: int, subject: str, worker: str,
              stale_after: float) -> bool:
        """Take the review of (series, version); False if done or claimed by a live worker."""
        now = time.time()
        with self.transaction():
            inserted = self.execute(
                "INSERT INTO reviews (series_id, version, subject, status, worker, claimed_at)"
                " VALUES (?, ?, ?, 'claimed', ?, ?) ON CONFLICT DO NOTHING",
                (series_id, version, subject, worker, now)).rowcount
            if inserted == 1:
                return True
            taken = self.execute(
                "UPDATE reviews SET worker = ?, claimed_at = ? WHERE series_id = ? AND "
                "version = ? AND status = 'claimed' AND claimed_at < ?",
                (worker, now, series_id, version, now - stale_after)).rowcount
            return taken == 1

    def release(self, series_id: str, version: int, worker: str) -> None:
        """Give up our claim (the review failed) so that the next run takes it at once."""
        self.execute("DELETE FROM reviews WHERE series_id = ? AND version = ? AND "
                     "status = 'claimed' AND worker = ?", (series_id, version, worker))

    def finish(self, series_id: str, version: int, result: dict,
               status: str = "done", findings: list[dict] | None = None) -> None:
        """Record the result: ``done``, or ``failed`` when the revision could not be
        reviewed; with the review's ``findings`` (JSON objects) when given."""
        with self.transaction():
            self.execute("UPDATE reviews SET status = ?, finished_at = ?, result = ? "
                         "WHERE series_id = ? AND version = ?",
                         (status, time.time(), json.dumps(result), series_id, version))
            if findings is not None:
                self.execute("INSERT INTO review_findings (series_id, version, findings) "
                             "VALUES (?, ?, ?) ON CONFLICT (series_id, version) DO UPDATE "
                             "SET findings = excluded.findings",
                             (series_id, version, json.dumps(findings)))

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
