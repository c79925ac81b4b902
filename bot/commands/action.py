"""``lorebot action``: the GitHub Action's entrypoint (the container runs it).

Reads the action's inputs from ``INPUT_*`` as GitHub passes them to a Docker
action, reviews a pull request's commits (default range: the event's
base..head), an mbox or a Message-ID with the same code as ``lorebot review``,
prints annotations, appends the Markdown summary to ``$GITHUB_STEP_SUMMARY``,
writes a SARIF file and sets the ``sarif-file`` output, and exits per fail-on.

GitHub runs a container action with the workspace mounted on
``/github/workspace`` and ``GITHUB_OUTPUT``/``GITHUB_STEP_SUMMARY`` under
``/github/file_commands``; ``RUNNER_TEMP`` names a folder of the runner's host
that the container does not see. So the SARIF file goes into the workspace and
the output names it relative to the workspace, the path the job's next steps
(which run in the workspace on the host) find it at.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from bot.errors import EXIT_FINDINGS, EXIT_OK, InputError

if TYPE_CHECKING:
    from bot.request import Request

HELP = "run as the GitHub Action (inputs from INPUT_* environment variables)"
SARIF_FILE = "lorebot.sarif"  # in the workspace


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", type=Path, metavar="PATH",
                        help="the checked-out repository (default: $GITHUB_WORKSPACE)")


def action_input(name: str, default: str = "") -> str:
    """An input as GitHub sets it: INPUT_<NAME> with the name upper-cased."""
    for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('-', '_')}"):
        value = os.environ.get(key, "").strip()
        if value:
            return value
    return default


def default_range() -> str:
    """base..head of the pull request that triggered the workflow."""
    event_path = os.environ.get("GITHUB_EVENT_PATH")
    if event_path and Path(event_path).is_file():
        try:
            event = json.loads(Path(event_path).read_text())
        except ValueError:
            raise InputError(f"GITHUB_EVENT_PATH {event_path}: not JSON") from None
        pull = event.get("pull_request") or {}
        base, head = pull.get("base", {}).get("sha"), pull.get("head", {}).get("sha")
        if base and head:
            return f"{base}..{head}"
    base_ref = os.environ.get("GITHUB_BASE_REF")
    if base_ref:
        return f"origin/{base_ref}..HEAD"
    raise InputError("no range input and no pull request event to take base..head from")


class ActionInputs(NamedTuple):  # not a dataclass: ``lorebot --help`` imports this module
    """The action's inputs (action.yml), read from INPUT_*."""

    request: Request
    rules: list[Path]  # added to the bundled packs
    fail_on: str
    format: str


def read_inputs(workspace: Path) -> ActionInputs:
    """The inputs as a review request: a posted series, or the pull request's range."""
    from bot.report import FORMATS
    from bot.request import Request

    message_id, mbox, rng = (action_input(n) for n in ("message-id", "mbox", "range"))
    if not (message_id or mbox):
        rng = rng or default_range()
    fail_on, fmt = action_input("fail-on", "error"), action_input("format", "text")
    if fail_on not in ("error", "warning", "never"):
        raise InputError(f"fail-on must be error, warning or never, not {fail_on}")
    if fmt not in FORMATS:
        raise InputError(f"format must be one of {', '.join(sorted(FORMATS))}")
    extra = [workspace / p for p in action_input("rules").split()]
    # A posted series is reviewed on the checked-out repository too (its blobs, its
    # base-commit:, a guessed base or its HEAD), not with commit-log rules only.
    checkout = workspace if rng or (workspace / ".git").exists() else None
    request = Request(message_id=message_id or None, mbox=(workspace / mbox) if mbox else None,
                      range=rng or None, repo=checkout)
    return ActionInputs(request, extra, fail_on, fmt)


def _append(path_var: str, text: str) -> None:
    """Add to one of the runner's files; if it cannot be written, say so and go on."""
    from bot.report.github import escape_data

    path = os.environ.get(path_var)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        print("::warning title=lorebot::" + escape_data(
            f"cannot write ${path_var} ({path}): {exc.strerror}"))


def run(args: argparse.Namespace) -> int:
    from bot.checks import chosen_rules
    from bot.report import render
    from bot.report.github import annotations
    from bot.report.github import render as summary
    from bot.report.sarif import render as sarif
    from bot.request import review_request

    workspace = args.workspace or Path(os.environ.get("GITHUB_WORKSPACE", "."))
    options = read_inputs(workspace.resolve())
    review = review_request(options.request, chosen_rules(options.rules))
    sys.stdout.write(render(review, options.format))
    for line in annotations(review):
        print(line)
    _append("GITHUB_STEP_SUMMARY", summary(review) + "\n")
    try:
        (workspace / SARIF_FILE).write_text(sarif(review), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {workspace / SARIF_FILE}: {exc.strerror} (lorebot runs "
                         f"as uid {os.getuid()})") from None
    _append("GITHUB_OUTPUT", f"sarif-file={SARIF_FILE}\n")
    return EXIT_FINDINGS if review.fails(options.fail_on) else EXIT_OK
