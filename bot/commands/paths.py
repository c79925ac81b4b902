"""``lorebot paths``: check one path property of one function of any C file.

Exit 0 pass, 1 fail, 2 could not analyse (no such function, parse errors).
An ``--acquire`` the rule packs know (clk_prepare_enable, request_region...)
is checked the way its pack pair says (what a failure looks like, who owes the
release); helpers of the same file are summarised as in a review.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputError

HELP = "check that a C function calls X on every exit path, or releases what it acquires"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE.c")
    parser.add_argument("--function", required=True, metavar="NAME")
    parser.add_argument("--must-call", metavar="CALLEE")
    parser.add_argument("--count", type=int, default=1, metavar="N",
                        help="with --must-call: at least N calls on every path")
    parser.add_argument("--argument", metavar="EXPR",
                        help="with --must-call: only calls on this first argument count")
    parser.add_argument("--acquire", metavar="A", help="comma-separated acquire functions")
    parser.add_argument("--release", metavar="R", help="comma-separated release functions")
    parser.add_argument("--returns", choices=("void", "errno", "pointer", "bool"),
                        help="how the acquire reports failure (default: as the rule pack "
                             "says, else as its definition in the file returns, else it "
                             "cannot fail)")
    parser.add_argument("--release-on", choices=("every", "error", "auto"),
                        help="which exits owe the release (default: as the rule pack says, "
                             "else auto)")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")


def _pair(args: argparse.Namespace, rules, src):
    """The pack's pair for these names, else one whose failures read like the acquire's
    definition in the file (0/errno for an int function, NULL for a pointer one)."""
    from dataclasses import replace

    from bot.c.resources import PairSpec
    from bot.c.retvals import return_kind
    from bot.checks.paired_calls import pair_of

    acquires = frozenset(args.acquire.split(","))
    releases = frozenset(args.release.split(","))
    known = next((pair_of(r) for r in rules if r.kind == "paired-calls"
                  and not r.params.get("infer") and acquires & pair_of(r).acquires), None)
    if known is not None:
        pair = replace(known, acquires=acquires, releases=releases | known.releases)
    else:
        defined = [src.function(name) for name in sorted(acquires)]
        kinds = {return_kind(fn.node) for fn in defined if fn is not None}
        returns = {"int": "errno", "pointer": "pointer", "bool": "bool"}.get(
            kinds.pop() if len(kinds) == 1 else "", "void")
        pair = PairSpec("paths", acquires, releases, returns)
    if args.returns:
        pair = replace(pair, returns=args.returns)
    if args.release_on:
        pair = replace(pair, release_on=args.release_on)
    return pair


def _analysis(args: argparse.Namespace, rules, src):
    from functools import partial

    from bot.c.paths import must_call, paired

    if args.must_call and not (args.acquire or args.release):
        if args.count < 1:
            raise InputError("--count must be 1 or more")
        return partial(must_call, callee=args.must_call, count=args.count,
                       argument=args.argument)
    if args.acquire and args.release and not args.must_call:
        return partial(paired, pair=_pair(args, rules, src))
    raise InputError("give --must-call CALLEE, or --acquire A with --release R")


def run(args: argparse.Namespace) -> int:
    from bot.c.parse import CSource
    from bot.c.verdict import verdict
    from bot.checks import load_packs

    packs = load_packs(kinds=frozenset({"paired-calls"}))  # the pairs; the settings
    rules = [rule for pack in packs for rule in pack.rules]
    if not (args.must_call or (args.acquire and args.release)):
        raise InputError("give --must-call CALLEE, or --acquire A with --release R")
    try:
        text = args.file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{args.file}: cannot read: {exc.strerror}") from None
    src = CSource(text, lazy=True)
    analysis = _analysis(args, rules, src)
    settings = packs[0].shared
    noreturn = frozenset(settings.get("noreturn", []))
    result = verdict(src, args.function, analysis, noreturn, settings=settings)
    if args.json:
        import json

        print(json.dumps({
            "function": result.function, "verdict": result.verdict, "reason": result.reason,
            "violations": [{"exit_line": v.exit_line, "path_lines": v.path_lines,
                            "message": v.message, "resource": v.key,
                            "acquire_line": v.acquire_line or None,
                            "returns_error": v.returns_error}
                           for v in result.violations]}, indent=2))
    else:
        print(f"{args.file}: {args.function}(): {result.verdict}"
              + (f" ({result.reason})" if result.reason else ""))
        for v in result.violations:
            print(f"  {args.file}:{v.exit_line}: {v.message}")
            for step in v.steps:
                print(f"    {step.line}: {step.note}")
    return {"pass": EXIT_OK, "fail": EXIT_FINDINGS}.get(result.verdict, EXIT_USAGE)
