"""The ``lorebot`` command: parse the command line, run one subcommand, map errors.

Subcommands live in ``bot/commands/``; each module has ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int`` and imports its heavy
dependencies inside ``run`` so that ``lorebot --help`` stays fast.
"""

from __future__ import annotations

import os
import sys

from bot import __version__
from bot.errors import EXIT_INTERNAL, LorebotError

COMMANDS = ("review", "rules", "paths", "b4-check", "action", "watch", "history", "backtest",
            "server")


def build_parser(only: str | None = None):
    """The whole parser, or with ``only`` just that subcommand's (the others stay unimported)."""
    import argparse
    import importlib

    parser = argparse.ArgumentParser(
        prog="lorebot",
        description="Review Linux kernel patch series: commit-log rules, exit-path rules "
                    "on the changed C functions, behavioural models.")
    parser.add_argument("--version", action="version", version=f"lorebot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only else COMMANDS:
        module = importlib.import_module(f"bot.commands.{name.replace('-', '_')}")
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))
    return parser


def one_line(what: object) -> str:
    """An error as one line, whatever text (a quoted mail line...) it carries."""
    return " ".join(str(what).split())


def main(argv: list[str] | None = None) -> int:
    """``lorebot ARGV``. From the command line (no ``argv``) a command the user's warm
    server runs goes there first (``bot.server``), before anything else is imported,
    and ends the process itself (``leave``)."""
    if argv is None:
        argv = sys.argv[1:]
        from bot.server import SERVED, ask  # standard library C modules only

        if argv and argv[0] in SERVED:
            code = ask(argv)
            leave(run(argv) if code is None else code)
    return run(argv)


def flushed(code: int) -> int:
    """``code``, or 120 when stdout or stderr cannot be flushed (as the interpreter
    exits then)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = 120
    return code


def leave(code: int) -> None:  # never returns (typing's NoReturn costs an import here)
    """End a one-shot command without the interpreter's teardown of the ~600 modules a
    review loads (~13 ms of CPU): nothing of theirs needs it, the budget child is
    reaped and no atexit work is pending."""
    os._exit(flushed(code))


def run(argv: list[str]) -> int:
    """The command ``argv`` in this process: its exit status (argparse exits itself)."""
    import importlib

    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    module = importlib.import_module(f"bot.commands.{args.command.replace('-', '_')}")
    try:
        return module.run(args)
    except LorebotError as exc:
        print(f"lorebot: error: {one_line(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug of ours: say so in one line, keep the trace on request
        if os.environ.get("LOREBOT_DEBUG"):
            raise
        print(f"lorebot: internal error: {type(exc).__name__}: {one_line(exc)} "
              "(LOREBOT_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
