"""Which commits a backtest reviews, and the review of one commit, bounded in time.

Each commit is reviewed exactly as ``lorebot review --range C^..C --repo R``
would: the git-range source makes its patch mail, ``RepoTree`` at its parent
gives the pre-images. A commit that cannot be reviewed (a hunk that does not
apply, a review that runs past its deadline, a bug of ours) is recorded with
the reason and the backtest goes on.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from bot.errors import LorebotError
from bot.series import Finding, Patch

# "subsystem: summary" (wifi: rtw89: ..., net/mlx5e: ..., dt-bindings: ...) or a revert
_KERNEL_SUBJECT = re.compile(r'^([\w./+,-]+: \S|Revert ")')
_FIXES_SHA = re.compile(r"^([0-9a-fA-F]{7,40})\b")


class CommitTimeout(BaseException):
    """A commit's review ran past its deadline (a BaseException so no rule swallows it)."""


@dataclass
class FindingView:
    """An active finding with the lines it is about, for the sample a person judges."""

    finding: Finding
    lines: list[str]


@dataclass
class CommitResult:
    sha: str
    subject: str
    kernel_style: bool = True
    reviewed: bool = False  # False: left out (not kernel style) or failed (see error)
    error: str | None = None
    findings: list[FindingView] = field(default_factory=list)  # active ones
    fixed: list[Finding] = field(default_factory=list)  # what the patch fixed
    fixes: list[str] = field(default_factory=list)  # commit ids its Fixes: tags name
    changed_functions: set[str] = field(default_factory=set)  # only for commits with Fixes:


def is_kernel_style(patch: Patch) -> bool:
    """A commit as upstream takes them: a "subsystem: summary" subject, a Signed-off-by,
    and a trace of a maintainer (a second Signed-off-by, or Link:, Reviewed-by:,
    Acked-by:, Tested-by:). Mirrors of drivers mix these with their own commits."""
    names = [t.name.lower() for t in patch.log.trailers]
    return bool(_KERNEL_SUBJECT.match(patch.log.subject)) and "signed-off-by" in names and (
        names.count("signed-off-by") > 1 or
        any(n in ("link", "reviewed-by", "acked-by", "tested-by") for n in names))


def _touches(repo, commit, pathspecs: list[str]) -> bool:
    if not pathspecs:
        return True
    diff = repo.diff(commit.parents[0], commit)
    for delta in diff.deltas:
        for path in {delta.old_file.path, delta.new_file.path}:
            for spec in pathspecs:
                spec = spec.rstrip("/")
                if path == spec or path.startswith(spec + "/") or fnmatch(path, spec):
                    return True
    return False


def select_commits(repo, spec: str | None, pathspecs: list[str], last: int | None) -> list:
    """Non-merge commits of ``spec`` (default: all of HEAD) touching ``pathspecs``, oldest first."""
    import pygit2

    from bot.source.gitrange import range_commits

    if spec:
        commits = range_commits(repo, spec)
    else:
        walker = repo.walk(repo.head.target,
                           pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
        commits = [c for c in walker if len(c.parents) == 1]
    commits = [c for c in commits if _touches(repo, c, pathspecs)]
    return commits[-last:] if last else commits


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise CommitTimeout after ``seconds`` of wall time (main thread only, else unbounded)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise CommitTimeout(f"review took more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _message_lines(commit) -> list[str]:
    return commit.message.split("\n")


def finding_lines(finding: Finding, message: list[str], images) -> list[str]:
    """The log or source line a finding points at, then its evidence."""
    shown = []
    if finding.line:
        if finding.file is None and finding.line <= len(message):
            shown.append(f"log line {finding.line}: {message[finding.line - 1].strip()}")
        elif finding.file is not None and images is not None and finding.file in images.files:
            file = images.files[finding.file]
            text = file.pre if finding.image == "pre" else file.post
            lines = (text or "").split("\n")
            if finding.line <= len(lines):
                shown.append(f"{finding.file}:{finding.line}: {lines[finding.line - 1].strip()}")
    return shown + list(finding.evidence)


def _blob_text(repo, commit, path: str | None) -> str | None:
    from bot.tree import decode_source

    try:
        return decode_source(repo[commit.tree[path].id].data) if path else None
    except KeyError:
        return None


def _changed_functions(repo, commit, patch: Patch) -> set[str]:
    """Functions whose lines the commit changes: its diff is exactly parent -> commit."""
    from bot.c.parse import CSource, functions_touched

    names: set[str] = set()
    for fd in patch.files:
        if not fd.is_c:
            continue
        pre = _blob_text(repo, commit.parents[0], fd.old_path)
        post = _blob_text(repo, commit, fd.new_path)
        names.update(functions_touched(CSource(pre) if pre else None,
                                       CSource(post) if post else None, fd))
    return names


def review_commit(repo_path: Path, commit, rules, timeout: float,
                  all_commits: bool = False) -> CommitResult:
    """The review of ``commit`` as a one-patch series on its parent."""
    from bot.review import review_series
    from bot.source.gitrange import read_range
    from bot.tree import RepoTree

    sha = str(commit.id)
    result = CommitResult(sha, commit.message.split("\n", 1)[0].strip())
    parent = str(commit.parents[0].id)
    try:
        with deadline(timeout):
            series = read_range(repo_path, f"{parent}..{sha}")
            patch = series.patches[0]
            result.kernel_style = is_kernel_style(patch)
            result.fixes = [m.group(1).lower() for v in patch.log.trailer_values("Fixes")
                            if (m := _FIXES_SHA.match(v.strip()))]
            if not (result.kernel_style or all_commits):
                return result
            tree = RepoTree(repo_path, parent)
            review = review_series(series, rules, tree, tree.repo)
            images = review.images[0] if review.images else None
            if result.fixes:
                result.changed_functions = _changed_functions(tree.repo, commit, patch)
    except CommitTimeout as exc:
        result.error = str(exc)
        return result
    except LorebotError as exc:
        result.error = str(exc)
        return result
    except Exception as exc:  # a bug of ours on odd input: name it, review the rest
        result.error = f"internal error: {type(exc).__name__}: {exc}"
        return result
    message = _message_lines(commit)
    result.reviewed = True
    result.findings = [FindingView(f, finding_lines(f, message, images))
                       for f in review.findings if f.active]
    result.fixed = [f for f in review.findings if not f.active]
    return result
