"""The review store on real SQLite and PostgreSQL: migrations, claims, deliveries, the
pass lease, workers that die, concurrent opens."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pg import fresh_database

from bot.errors import BusyError
from bot.store import MIGRATIONS, Store

ROOT = Path(__file__).resolve().parent.parent


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


def test_claims_are_exclusive_and_results_are_final(store_url):
    a, b = Store(store_url), Store(store_url)
    try:
        assert a.claim("s@x", 2, "subject", "host-a:1")
        if a.postgres:  # a live worker's claim is its own
            assert not b.claim("s@x", 2, "subject", "host-b:1")
        b.release("s@x", 2, "host-b:1")  # not b's claim: nothing happens
        a.finish("s@x", 2, {"error": 1}, mails=["s@x", "p2@x"])
        assert b.is_done("s@x", 2)
        assert not b.claim("s@x", 2, "subject", "host-b:1")
        assert not a.claim("s@x", 2, "subject", "host-a:1")
        assert [(r.series_id, r.status, r.result) for r in b.history()] == [
            ("s@x", "done", {"error": 1})]
        assert b.handled(["p2@x", "p3@x", "s@x"]) == {"p2@x", "s@x"}
        assert b.handled(f"m{n}@x" for n in range(1200)) == set()  # past SQLite's bound
    finally:
        a.close()
        b.close()


def test_unfinished_claims_are_listed_without_reading_the_history(store_url):
    """What a dead pass left claimed is fetched again by the next pass (lore is not
    asked again for what a pass read): the store lists it through an index."""
    store = Store(store_url)
    try:
        for n in range(3):
            assert store.claim(f"s{n}@x", 1, "subject", "host-a:1")
        store.finish("s1@x", 1, {"error": 0})
        assert store.unfinished() == ["s0@x", "s2@x"]
        if not store.postgres:
            plan = " ".join(str(row) for row in store.execute(
                "EXPLAIN QUERY PLAN SELECT series_id FROM reviews WHERE status = 'claimed' "
                "ORDER BY claimed_at").fetchall())
            assert "reviews_claimed" in plan
    finally:
        store.close()


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


HOLDER = """
import sys, time
from bot.store import Store
store = Store(sys.argv[1])
with store.pass_lease("holder:1", stale_after=3600) if sys.argv[2] == "lease" else \\
        __import__("contextlib").nullcontext():
    if sys.argv[2] == "claim":
        assert store.claim("held@x", 1, "subject", "holder:1")
    print("holding", flush=True)
    time.sleep(120)
"""


def _holder(url: str, what: str) -> subprocess.Popen:
    """Another worker, in its own process, holding the lease or a claim."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, url, what], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)
    assert proc.stdout.readline() == "holding\n"
    return proc


def test_a_dead_postgres_workers_claim_is_taken_over_at_once():
    with fresh_database() as url:
        worker = _holder(url, "claim")
        store = Store(url)
        try:
            assert not store.claim("held@x", 1, "subject", "me:2")  # alive: its claim
            worker.kill()  # SIGKILL: no goodbye to the server
            worker.wait(timeout=30)
            deadline = time.monotonic() + 60
            while not store.claim("held@x", 1, "subject", "me:2"):
                assert time.monotonic() < deadline, "the dead worker's claim was never freed"
                time.sleep(0.2)
            assert [r.worker for r in store.history()] == ["me:2"]
        finally:
            worker.kill()
            store.close()


def test_the_sqlite_pass_lease_outlives_environments_but_not_its_process(tmp_path):
    url = str(tmp_path / "lorebot.sqlite3")
    Store(url).close()
    holder = _holder(url, "lease")
    store = Store(url)
    try:
        held = r"another lorebot watch \(holder:1\) is working on"
        with pytest.raises(BusyError, match=held), store.pass_lease("me:2", stale_after=3600):
            pass
        holder.kill()
        holder.wait(timeout=30)
        with store.pass_lease("me:2", stale_after=3600):  # its process is gone: ours now
            store.still_ours()
        # A holder this host cannot look up (another host) counts until it goes silent.
        store.execute("INSERT INTO lease VALUES ('watch', 'far:9', 'elsewhere/1/9/1', ?)",
                      (time.time(),))
        with pytest.raises(BusyError), store.pass_lease("me:2", stale_after=3600):
            pass
        with store.pass_lease("me:2", stale_after=0):
            pass
    finally:
        holder.kill()
        store.close()


def _open_and_write(path: str, barrier, results) -> None:
    barrier.wait()  # all at once, as passes started by cron and by hand on a new store
    try:
        store = Store(path)
        for n in range(20):
            store.set_state(f"key{n}", "value")
        store.close()
        results.put("ok")
    except Exception as exc:
        results.put(f"{type(exc).__name__}: {exc}")


def test_concurrent_first_opens_of_a_sqlite_store_all_succeed(tmp_path):
    context = multiprocessing.get_context("fork")
    for round_ in range(4):
        path = str(tmp_path / f"fresh{round_}" / "lorebot.sqlite3")
        barrier, results = context.Barrier(12), context.Queue()
        workers = [context.Process(target=_open_and_write, args=(path, barrier, results))
                   for _ in range(12)]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(30)
        assert outcomes == ["ok"] * 12
        store = Store(path)
        assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        store.close()


def test_history_of_something_that_is_not_a_store(tmp_path):
    lorebot = str(ROOT / ".venv" / "bin" / "lorebot")
    for db, code, words in (("/etc/passwd", 2, "/etc/passwd: not a lorebot store"),
                            (str(tmp_path / "none.sqlite3"), 3, "no store there"),
                            (str(tmp_path), 2, "cannot open the store")):
        proc = subprocess.run([lorebot, "history", "--db", db], capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == code
        assert proc.stderr.startswith(f"lorebot: error: {words}") or words in proc.stderr
        assert len(proc.stderr.splitlines()) == 1
    assert not (tmp_path / "none.sqlite3").exists()
