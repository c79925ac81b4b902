"""``lorebot paths``: check one path property of one function of any C file.

Exit 0 pass, 1 fail, 2 could not analyse (no such function, parse errors).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, InputError

HELP = "check that a C function calls X on every exit path, or releases what it acquires"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE.c")
    parser.add_argument("--function", required=True, metavar="NAME")
    parser.add_argument("--must-call", metavar="CALLEE")
    parser.add_argument("--acquire", metavar="A", help="comma-separated acquire functions")
    parser.add_argument("--release", metavar="R", help="comma-separated release functions")
    parser.add_argument("--returns", choices=("void", "errno", "pointer"), default="void",
                        help="how the acquire reports failure (default: it cannot fail)")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")


def _analysis(args: argparse.Namespace):
    from functools import partial

    from bot.c.paths import must_call, paired

    if args.must_call and not (args.acquire or args.release):
        return partial(must_call, callee=args.must_call)
    if args.acquire and args.release and not args.must_call:
        return partial(paired, acquires=set(args.acquire.split(",")),
                       releases=set(args.release.split(",")), returns=args.returns)
    raise InputError("give --must-call CALLEE, or --acquire A with --release R")


def run(args: argparse.Namespace) -> int:
    from bot.c.parse import CSource
    from bot.checks import load_rules
    from bot.checks.pathrule import noreturn_functions, verdict

    analysis = _analysis(args)
    try:
        text = args.file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{args.file}: cannot read: {exc.strerror}") from None
    settings_rule = next(iter(load_rules()), None)
    noreturn = noreturn_functions(settings_rule) if settings_rule else frozenset()
    result = verdict(CSource(text), args.function, analysis, noreturn)
    if args.json:
        print(json.dumps({
            "function": result.function, "verdict": result.verdict, "reason": result.reason,
            "violations": [{"exit_line": v.exit_line, "path_lines": v.path_lines,
                            "message": v.message} for v in result.violations]}, indent=2))
    else:
        print(f"{args.file}: {args.function}(): {result.verdict}"
              + (f" ({result.reason})" if result.reason else ""))
        for v in result.violations:
            print(f"  {args.file}:{v.exit_line}: {v.message}")
            for step in v.steps:
                print(f"    {step.line}: {step.note}")
    return {"pass": EXIT_OK, "fail": EXIT_FINDINGS}.get(result.verdict, EXIT_USAGE)
