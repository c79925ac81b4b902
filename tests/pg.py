"""A fresh PostgreSQL database on loopback for one test, dropped afterwards.

The machine's PostgreSQL (127.0.0.1:5432, trust authentication) is started
with pg_ctlcluster if it is installed but stopped; without it the test is
skipped with the reason.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _connect():
    import psycopg

    return psycopg.connect(ADMIN, autocommit=True, connect_timeout=5)


def _start_cluster() -> None:
    """Start the local cluster the way the machine's own boot does."""
    versions = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() \
        else []
    if versions and shutil.which("pg_ctlcluster"):
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name,
                        "main", "start"], capture_output=True, timeout=60)


def admin_connection():
    import psycopg

    try:
        return _connect()
    except psycopg.OperationalError:
        _start_cluster()
    try:
        return _connect()
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432: "
                    f"{str(exc).strip().splitlines()[0]}")


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database."""
    name = f"lorebot_test_{uuid.uuid4().hex[:12]}"
    with admin_connection() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
