"""One module per ``lorebot`` subcommand (see bot/cli.py)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_rules_option(parser: argparse.ArgumentParser) -> None:
    """``--rules DIR...``, the same for every command that loads rules
    (``bot.checks.chosen_rules`` says what it means)."""
    parser.add_argument("--rules", nargs="+", type=Path, action="extend", metavar="DIR",
                        help="rule pack folders, or folders of packs, added to the bundled "
                             "ones ($LOREBOT_RULES replaces those)")
