"""``lorebot watch``: one polling run over lore, for cron or a systemd timer."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "review new series on lore once each (run it from cron or a systemd timer)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, required=True, metavar="FILE",
                        help="watch configuration (TOML, see examples/watch.toml)")
    parser.add_argument("--db", metavar="URL",
                        help="store: a SQLite path or postgresql://... (default: the "
                             "config's [store] db, else the XDG data folder)")


def run(args: argparse.Namespace) -> int:
    import sys

    from bot.cli import one_line
    from bot.store import Store
    from bot.watch import Watcher, load_config

    config = load_config(args.config)
    store = Store(args.db or config.db)
    try:
        report = Watcher(config, store).run()
    finally:
        store.close()
    for line in report.reviewed:
        print(f"reviewed {line}")
    for line in report.waiting:
        print(f"waiting {line}")
    print(f"{len(report.reviewed)} reviewed, {report.skipped} already done or taken, "
          f"{len(report.waiting)} incomplete, {len(report.errors)} failed, "
          f"{report.read} mails read")
    for error in report.errors:
        print(f"lorebot: error: {one_line(error)}", file=sys.stderr)
    return report.exit_code()
