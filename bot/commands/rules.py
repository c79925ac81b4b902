"""``lorebot rules``: list the loaded rules, to check what a review will run."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "list the rules of the loaded rule packs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", nargs="+", type=Path, action="extend", metavar="DIR",
                        help="rule pack folders, or folders of packs (default: bundled rules/)")


def run(args: argparse.Namespace) -> int:
    from bot.checks import load_rules

    for rule in load_rules(args.rules):
        scope = ", ".join(rule.files) or "any file"
        print(f"{rule.pack.name}/{rule.id}  {rule.kind}  {rule.severity}  [{scope}]")
        if rule.description:
            print(f"    {rule.description}")
    return 0
