"""The review store on real SQLite and PostgreSQL: migrations, claims, deliveries."""

from __future__ import annotations

import sqlite3

import pytest
from pg import fresh_database

from bot.store import MIGRATIONS, Store


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "deep" / "lorebot.sqlite3")
        return
    with fresh_database() as url:
        yield url


def test_migrations_run_once_and_are_recorded(store_url):
    Store(store_url).close()
    store = Store(store_url)  # a second open finds nothing to do
    versions = [row[0] for row in store.execute(
        "SELECT version FROM schema_version ORDER BY version").fetchall()]
    store.close()
    assert versions == list(range(1, len(MIGRATIONS) + 1))


def test_an_old_database_is_upgraded(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript("CREATE TABLE schema_version (version INTEGER NOT NULL);"
                      "INSERT INTO schema_version VALUES (1);" + MIGRATIONS[0])
    old.execute("INSERT INTO reviews (series_id, version, status, claimed_at) "
                "VALUES ('kept@x', 1, 'done', 0)")
    old.commit()
    old.close()
    store = Store(str(path))
    assert store.is_done("kept@x", 1)
    assert not store.delivered("smtp", "<p@x>")  # the table of migration 2 exists
    store.close()


def test_claims_are_exclusive_until_stale_and_results_are_final(store_url):
    a, b = Store(store_url), Store(store_url)
    try:
        assert a.claim("s@x", 2, "subject", "host-a:1", stale_after=600)
        assert not b.claim("s@x", 2, "subject", "host-b:1", stale_after=600)
        assert b.claim("s@x", 2, "subject", "host-b:1", stale_after=-1)  # a died
        b.release("s@x", 2, "host-a:1")  # not a's claim any more: nothing happens
        assert not a.claim("s@x", 2, "subject", "host-a:1", stale_after=600)
        b.finish("s@x", 2, {"error": 1})
        assert a.is_done("s@x", 2)
        assert not a.claim("s@x", 2, "subject", "host-a:1", stale_after=-1)
        assert [(r.series_id, r.status, r.result) for r in a.history()] == [
            ("s@x", "done", {"error": 1})]
    finally:
        a.close()
        b.close()


def test_deliveries_and_retries(store_url):
    store = Store(store_url)
    try:
        store.record_delivery("outbox", "<p@x>", "s@x", 1)
        store.record_delivery("outbox", "<p@x>", "s@x", 1)  # a rerun: still one
        assert store.delivered("outbox", "<p@x>") and not store.delivered("smtp", "<p@x>")
        assert [store.record_failure("t@x", "HTTP 503") for _ in range(3)] == [1, 2, 3]
        assert store.threads_to_retry() == ["t@x"]
        store.forget_failure("t@x")
        assert store.threads_to_retry() == []
    finally:
        store.close()
