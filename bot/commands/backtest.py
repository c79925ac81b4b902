"""``lorebot backtest``: how a rule set would have spoken on a real history."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.commands import add_rules_option
from bot.errors import EXIT_OK, InputError

HELP = ("review every commit of a git history as a one-patch series and print per-rule "
        "rates, recall on Fixes: pairs and a sample to judge")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", type=Path, required=True, metavar="PATH",
                        help="the git repository (a bare mirror will do)")
    parser.add_argument("--range", metavar="A..B",
                        help="the commits to review (default: all of HEAD)")
    parser.add_argument("--last", type=int, metavar="N",
                        help="only the newest N commits of the range")
    parser.add_argument("--all-commits", action="store_true",
                        help="also review commits that are not kernel style (no \"subsystem: \" "
                             "subject, no Signed-off-by, or no second Signed-off-by, "
                             "Link:, Reviewed-by:, Acked-by: or Tested-by:)")
    parser.add_argument("--sample", type=int, default=0, metavar="N",
                        help="print N findings drawn at random, for a person to judge")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed of the sample (same seed, same sample)")
    parser.add_argument("--rule", action="append", metavar="ID",
                        help="draw the sample from this rule's findings only (repeatable)")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                        help="give up on one commit after this long (default 60)")
    add_rules_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument("pathspec", nargs="*", metavar="PATHSPEC",
                        help="after --: only commits touching these paths")


def run(args: argparse.Namespace) -> int:
    from bot.backtest.report import render_text, sample, to_json
    from bot.backtest.run import run_backtest
    from bot.checks import chosen_rules

    if args.sample < 0 or (args.last is not None and args.last < 1):
        raise InputError("--sample and --last take a positive number")
    rules = chosen_rules(args.rules)
    if args.rule:
        unknown = sorted(set(args.rule) - {r.id for r in rules})
        if unknown:
            raise InputError(f"--rule {', '.join(unknown)}: no such rule")
    backtest = run_backtest(args.repo, args.range, args.pathspec, rules, args.last,
                            args.timeout, args.all_commits)
    drawn = sample(backtest.counted, args.sample, args.seed, args.rule)
    if args.json:
        sys.stdout.write(json.dumps(to_json(backtest, drawn), indent=2) + "\n")
    else:
        sys.stdout.write(render_text(backtest, drawn))
    return EXIT_OK
