"""``lorebot review``: review one series from an mbox, lore, or a git range."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands import add_rules_option
from bot.errors import EXIT_FINDINGS, EXIT_OK, InputError

HELP = "review a patch series and print the findings"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from bot.budget import DEFAULT_MEMORY_MB, DEFAULT_SECONDS
    from bot.report import FORMATS

    parser.add_argument("target", nargs="?", metavar="MESSAGE-ID",
                        help="Message-ID or lore URL of any mail of the series")
    parser.add_argument("--mbox", type=Path, metavar="PATH",
                        help="an mbox, a maildir, or a single .patch/.eml file")
    parser.add_argument("--range", metavar="BASE..HEAD",
                        help="review the commits of a git range of --repo (a pull request)")
    parser.add_argument("--repo", type=Path, metavar="PATH",
                        help="kernel git repository for the files before and after")
    parser.add_argument("--tree", type=Path, metavar="PATH",
                        help="a plain folder holding the base files")
    parser.add_argument("-v", dest="version", type=int, metavar="N",
                        help="review revision N instead of the newest complete one")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text")
    parser.add_argument("--fail-on", choices=("error", "warning", "never"), default="error",
                        help="exit 1 when a finding is at or above this severity")
    add_rules_option(parser)
    parser.add_argument("--verbose", action="store_true",
                        help="text and email: every step of every path and model trace")
    parser.add_argument("--reply-on-pass", action="store_true",
                        help="email: also a short reply to patches with nothing left to fix")
    parser.add_argument("--time-limit", type=_positive(float), default=DEFAULT_SECONDS,
                        metavar="SECONDS", help="give up a review that takes longer (exit 7; "
                        f"default {DEFAULT_SECONDS:g})")
    parser.add_argument("--memory-limit", type=_positive(int), default=DEFAULT_MEMORY_MB,
                        metavar="MIB", help="give up a review that needs more memory (exit 7; "
                        f"default {DEFAULT_MEMORY_MB})")
    parser.add_argument("--patchwork-url", metavar="URL",
                        help="also post one check per patch to this Patchwork instance "
                             "(token in $LOREBOT_PATCHWORK_TOKEN)")
    parser.add_argument("--patchwork-project", action="append", metavar="NAME",
                        help="only this Patchwork project's copy of each patch (link name "
                             "or list id; repeatable; default: every project it is in)")


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0")
        return value
    return parse


def post_to_patchwork(checks: list, url: str, projects: list[str] | None = None) -> None:
    import os

    from bot.patchwork_client import PatchworkClient

    token = os.environ.get("LOREBOT_PATCHWORK_TOKEN")
    if not token:
        raise InputError("--patchwork-url needs the API token in $LOREBOT_PATCHWORK_TOKEN")
    PatchworkClient(url, token, projects=projects).post(checks)


def request_of(args: argparse.Namespace):
    """What the options name, for ``bot.request``."""
    from bot.request import Request

    return Request(message_id=args.target, mbox=args.mbox, range=args.range, repo=args.repo,
                   tree=args.tree, version=args.version)


def reviewed(args: argparse.Namespace) -> tuple[str, bool, list]:
    """In the budgeted child: the report, whether it fails, the Patchwork checks."""
    from bot.checks import chosen_rules
    from bot.report import render
    from bot.report.options import RenderOptions
    from bot.request import review_request

    review = review_request(request_of(args), chosen_rules(args.rules))
    checks = []
    if args.patchwork_url:
        from bot.report.patchwork import checks as patchwork_checks

        checks = patchwork_checks(review)
    report = render(review, args.format, RenderOptions(args.verbose, args.reply_on_pass))
    return report, review.fails(args.fail_on), checks


def run(args: argparse.Namespace) -> int:
    from bot.budget import Budget, run_within

    if args.patchwork_project and not args.patchwork_url:
        raise InputError("--patchwork-project needs --patchwork-url")
    report, fails, checks = run_within(Budget(args.time_limit, args.memory_limit),
                                       reviewed, args)
    sys.stdout.write(report)
    if args.patchwork_url:
        post_to_patchwork(checks, args.patchwork_url, args.patchwork_project)
    return EXIT_FINDINGS if fails else EXIT_OK
