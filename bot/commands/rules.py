"""``lorebot rules``: list the loaded rules, to check what a review will run."""

from __future__ import annotations

import argparse

from bot.commands import add_rules_option

HELP = "list the rules of the loaded rule packs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_rules_option(parser)


def run(args: argparse.Namespace) -> int:
    from bot.checks import chosen_rules

    for rule in chosen_rules(args.rules):
        scope = ", ".join(rule.files) or "any file"
        print(f"{rule.pack.name}/{rule.id}  {rule.kind}  {rule.severity}  [{scope}]")
        if rule.description:
            print(f"    {rule.description}")
    return 0
