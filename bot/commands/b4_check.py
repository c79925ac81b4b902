"""``lorebot b4-check``: a check command for ``b4 review`` (per patch and per series).

b4 (0.16, ``b4.review.checks``) runs it in the repository's top folder with one
message on stdin (a patch for ``review-perpatch-check-cmd``; the cover letter,
or the first patch of a series without one, for ``review-series-check-cmd``)
and ``B4_TRACKING_FILE`` naming b4's tracking data when the series has a review
branch; it reads a JSON array of ``{tool, status: pass|warn|fail, summary,
url, details}`` rows and caches them by (message, tool).

- A patch is reviewed with the series' earlier patches applied when b4's
  review branch (``b4/review/<change-id>``, from the tracking data) has them:
  the pre-images are the branch at the commit before this patch. Otherwise it
  is reviewed alone, on the base ``review --repo`` would find; a file its
  earlier patches changed is then skipped with the reason.
- A cover letter (or ``--series``) reviews the whole series: the review
  branch's commits, else the thread from lore by the cover's Message-ID.

Rows: ``lorebot`` (``pass`` when nothing is wrong, so b4 caches it; else
``warn``/``fail`` with the findings) and, when code rules could not run
somewhere, a ``lorebot-code`` ``warn`` row that says why. The series check's
rows are ``lorebot-series`` and ``lorebot-series-code``: without a cover letter
b4 gives it the first patch and keeps one row per message and tool, so the
same names would replace that patch's own rows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bot.commands import add_rules_option

HELP = "review the patch or cover letter on stdin for b4 review (JSON rows on stdout)"
TOOL = "lorebot"
SERIES_TOOL = "lorebot-series"
MAX_BRANCH_COMMITS = 1000  # a review branch longer than this is not one series


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--series", action="store_true",
                        help="review the whole series of the message (for "
                             "review-series-check-cmd; a cover letter implies it)")
    add_rules_option(parser)


def _where(finding, numbered: bool) -> str:
    place = f"{finding.file}:{finding.line}: " if finding.file else ""
    if numbered and finding.patch is not None:
        place = ("cover letter: " if finding.patch == 0 else f"patch {finding.patch}: ") + place
    return place


def rows(review, tool: str = TOOL) -> list[dict]:
    """b4's rows for one review: the verdict, and what could not be checked."""
    from bot.report import plural

    active = [f for f in review.findings if f.active and f.severity != "info"]
    errors = sum(1 for f in active if f.severity == "error")
    warnings = len(active) - errors
    status = "fail" if errors else "warn" if warnings else "pass"
    summary = ", ".join(plural(n, word) for n, word in
                        ((errors, "error"), (warnings, "warning")) if n) or "no findings"
    notes = [f"base: {review.base or 'none'}", *(m.describe() for m in review.moved_hunks())]
    numbered = len(review.series.patches) > 1  # which patch, in a series row
    details = [{"status": "pass", "description": note} for note in notes] + [
        {"status": "fail" if f.severity == "error" else "warn",
         "description": f"[{f.rule}] {_where(f, numbered)}{f.message}"} for f in active]
    out = [{"tool": tool, "status": status, "summary": summary, "url": "",
            "details": json.dumps(details)}]
    # review.py words every code rule it could not run, and every function it
    # could not analyse, that way.
    missed = [s for s in review.skipped if "code rules" in s or "could not analyse" in s]
    if missed:
        more = f" (and {len(missed) - 1} more)" if len(missed) > 1 else ""
        out.append({"tool": f"{tool}-code", "status": "warn",
                    "summary": f"not checked: {missed[0]}{more}", "url": "",
                    "details": json.dumps([{"status": "warn", "description": s}
                                           for s in missed])})
    return out


def _tracking() -> dict:
    """b4's tracking data of the series (empty without a review branch)."""
    path = os.environ.get("B4_TRACKING_FILE")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def review_branch(repo, tracking: dict) -> tuple[str, list] | None:
    """The review branch's name and its patch commits, oldest first."""
    from bot.tree import resolve_commit

    series = tracking.get("series") or {}
    change_id, first = series.get("change-id"), series.get("first-patch-commit")
    if not change_id or not first or repo is None:
        return None
    branch = f"b4/review/{change_id}"
    tip, first_commit = resolve_commit(repo, branch), resolve_commit(repo, str(first))
    if tip is None or first_commit is None or not tip.parents:
        return None
    commits = []
    commit = tip.parents[0]  # the tip is b4's tracking commit
    while len(commits) < MAX_BRANCH_COMMITS:
        commits.append(commit)
        if commit.id == first_commit.id:
            return branch, commits[::-1]
        if not commit.parents:
            return None
        commit = commit.parents[0]
    return None


def _subject(commit) -> str:
    return commit.message.split("\n", 1)[0].strip()


def patch_request(message, repo_path: Path | None, repo, tracking: dict):
    """The request for one patch: on the review branch before it, else alone."""
    from bot.request import Request
    from bot.series import Series
    from bot.source.patchmail import parse_patch

    patch = parse_patch(message)
    series = Series(version=patch.prefix.version, total=patch.prefix.total, patches=[patch],
                    versions_seen=[patch.prefix.version], source="stdin (b4 review)")
    request = Request(series=series, repo=repo_path)
    found = review_branch(repo, tracking)
    index = patch.index
    if found is not None:
        branch, commits = found
        mine = commits[index - 1] if 0 < index <= len(commits) else None
        if mine is not None and _subject(mine) == patch.log.subject and mine.parents:
            request.base = str(mine.parents[0].id)
            earlier = "patch 1" if index == 2 else f"patches 1-{index - 1}"
            request.base_why = (f"b4's review branch {branch} with {earlier} applied"
                                if index > 1 else f"b4's review branch {branch}")
            return request
    request.alone = index > 1
    return request


def series_request(message, repo_path: Path | None, repo, tracking: dict):
    """The request for the whole series: the review branch, else lore."""
    from bot.request import Request

    found = review_branch(repo, tracking)
    if found is not None:
        _, commits = found
        return Request(range=f"{commits[0].parents[0].id}..{commits[-1].id}", repo=repo_path)
    return Request(message_id=message.message_id, repo=repo_path)


def run(args: argparse.Namespace) -> int:
    from bot.checks import chosen_rules
    from bot.errors import InputError, LorebotError
    from bot.repository import open_repository
    from bot.request import review_request
    from bot.source.limits import check_mail_shape, read_bounded
    from bot.source.mail import parse_message
    from bot.source.patchmail import looks_like_patch, parse_prefix

    raw = read_bounded(sys.stdin.buffer.read, "stdin")
    check_mail_shape(raw, "stdin")
    message, _ = parse_message(raw)
    rules = chosen_rules(args.rules)
    try:
        repo_path, repo = Path.cwd(), open_repository(Path.cwd())
    except InputError:
        repo_path, repo = None, None
    tracking = _tracking()
    prefix, _ = parse_prefix(message.subject)
    tool = TOOL
    if args.series or (prefix.present and prefix.index == 0):
        request, tool = series_request(message, repo_path, repo, tracking), SERIES_TOOL
    elif looks_like_patch(message):
        request = patch_request(message, repo_path, repo, tracking)
    else:
        print("[]")  # a reply or an unrelated mail: nothing to check
        return 0
    try:
        review = review_request(request, rules)
    except LorebotError as exc:  # say it in b4's screen rather than as an exit status
        broken = isinstance(exc, InputError)  # the mail itself, not lore or the repository
        print(json.dumps([{"tool": tool, "status": "fail" if broken else "warn", "url": "",
                           "details": "", "summary": f"could not review: {exc}"}]))
        return 0
    print(json.dumps(rows(review, tool)))
    return 0
