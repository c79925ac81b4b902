"""``lorebot b4-check``: a check command for ``b4 review`` (per patch or per series).

b4 runs it in the repository's top folder with one RFC 2822 message on stdin
(and ``B4_TRACKING_FILE`` in the environment) and reads a JSON array of
``{tool, status: pass|warn|fail, summary, url, details}`` from stdout. The
message is reviewed alone, with the current repository as the base when it is a
git repository holding the blobs the diff names.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELP = "review the patch on stdin for b4's review check commands (JSON on stdout)"
TOOL = "lorebot"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", nargs="+", type=Path, action="extend", metavar="DIR",
                        help="rule pack folders, or folders of packs (default: bundled rules/)")


def _result(review) -> list[dict]:
    active = [f for f in review.findings if f.active and f.severity != "info"]
    if not active:
        return []
    errors = sum(1 for f in active if f.severity == "error")
    warnings = len(active) - errors
    status = "fail" if errors else "warn"
    parts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in
             ((errors, "error"), (warnings, "warning")) if n]
    details = [{"status": "fail" if f.severity == "error" else "warn",
                "description": f"[{f.rule}] " + (f"{f.file}:{f.line}: " if f.file else "")
                + f.message} for f in active]
    return [{"tool": TOOL, "status": status, "summary": ", ".join(parts), "url": "",
             "details": json.dumps(details)}]


def run(args: argparse.Namespace) -> int:
    from bot.checks import load_rules
    from bot.errors import LorebotError
    from bot.review import review_series
    from bot.source.limits import check_mime_nesting, read_bounded
    from bot.source.mail import parse_message
    from bot.source.thread import series_from_messages
    from bot.tree import RepoTree

    raw = read_bounded(sys.stdin.buffer.read, "stdin")
    check_mime_nesting(raw, "stdin")
    message, _ = parse_message(raw)
    try:
        series = series_from_messages([message], source="stdin")
    except LorebotError:
        print("[]")  # a cover letter or a reply: nothing for a per-patch check
        return 0
    try:
        base = RepoTree(Path.cwd(), None)
    except LorebotError:
        base = None
    review = review_series(series, load_rules(args.rules), base,
                           base.repo if base else None)
    print(json.dumps(_result(review)))
    return 0
