"""``lorebot history``: what was reviewed, when, and with what result."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

HELP = "list the reviews recorded in the store"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help="SQLite path or postgresql://...")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--json", action="store_true")


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")


def _outcome(row) -> str:
    if row.status == "done":
        return f"{row.result.get('error', 0)} error, {row.result.get('warning', 0)} warning"
    if row.status == "failed":
        return f"failed: {row.result.get('error', '')}"
    return f"claimed by {row.worker}"


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bot.store import Store

    store = Store(args.db, create=False)  # reading a store never makes one
    try:
        rows = store.history(args.limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return 0
    for row in rows:
        print(f"{_when(row.finished_at or row.claimed_at)}  v{row.version}  "
              f"{_outcome(row):22}  <{row.series_id}>  {row.subject}")
    return 0
