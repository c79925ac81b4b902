"""``lorebot review``: review one series from an mbox, lore, or a git range."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.errors import EXIT_FINDINGS, EXIT_OK, InputError

HELP = "review a patch series and print the findings"


def add_arguments(parser: argparse.ArgumentParser) -> None:
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
    parser.add_argument("--rules", nargs="+", type=Path, action="extend", metavar="DIR",
                        help="rule pack folders, or folders of packs (default: bundled rules/)")
    parser.add_argument("--verbose", action="store_true",
                        help="text and email: every step of every path and model trace")
    parser.add_argument("--reply-on-pass", action="store_true",
                        help="email: also a short reply to patches with nothing left to fix")
    parser.add_argument("--patchwork-url", metavar="URL",
                        help="also post one check per patch to this Patchwork instance "
                             "(token in $LOREBOT_PATCHWORK_TOKEN)")


def post_to_patchwork(review, url: str) -> None:
    import os

    from bot.patchwork_client import PatchworkClient
    from bot.report.patchwork import checks

    token = os.environ.get("LOREBOT_PATCHWORK_TOKEN")
    if not token:
        raise InputError("--patchwork-url needs the API token in $LOREBOT_PATCHWORK_TOKEN")
    PatchworkClient(url, token).post(checks(review))


def load_series(args: argparse.Namespace):
    sources = [s for s in (args.target, args.mbox, args.range) if s]
    if len(sources) != 1:
        raise InputError("give exactly one of MESSAGE-ID, --mbox or --range")
    if args.range:
        if not args.repo:
            raise InputError("--range needs --repo, the repository holding the commits")
        from bot.source.gitrange import read_range

        return read_range(args.repo, args.range)
    if args.mbox:
        from bot.source.mbox import read_series

        return read_series(args.mbox, args.version)
    from bot.source.lore import lore_series

    return lore_series(args.target, args.version)


def open_base(args: argparse.Namespace, series):
    """The base tree and the pygit2 repository (if any) that --repo/--tree name."""
    if args.repo and args.tree:
        raise InputError("give --repo or --tree, not both")
    if args.tree:
        if args.range:
            raise InputError("--range takes its base from --repo, not --tree")
        from bot.tree import FolderTree

        return FolderTree(args.tree), None
    if args.repo:
        from bot.source.gitrange import split_range
        from bot.tree import RepoTree

        if args.range:
            tree = RepoTree(args.repo, split_range(args.range)[0])
        else:
            tree = RepoTree.at_series_base(args.repo, series.base_commit)
        return tree, tree.repo
    return None, None


def run(args: argparse.Namespace) -> int:
    from bot.checks import load_rules
    from bot.report import RenderOptions, render
    from bot.review import review_series

    rules = load_rules(args.rules)
    series = load_series(args)
    base, repo = open_base(args, series)
    review = review_series(series, rules, base, repo)
    sys.stdout.write(render(review, args.format,
                            RenderOptions(args.verbose, args.reply_on_pass)))
    if args.patchwork_url:
        post_to_patchwork(review, args.patchwork_url)
    return EXIT_FINDINGS if review.fails(args.fail_on) else EXIT_OK
