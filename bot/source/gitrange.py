"""A git range (what a pull request carries) as a series, as if it had been posted.

Each non-merge commit of BASE..HEAD, oldest first, becomes a patch mail: its
subject under a ``[PATCH n/m]`` prefix, its author and date, its message as the
commit log, and its diff against its parent. The mails then go through the same
parser as an mbox, so a range and a posting of the same commits get the same
review. The files before the first patch are the repository at BASE, which the
series names as its ``base-commit:``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from bot.errors import InputError, NotFoundError
from bot.series import Message, Series
from bot.source.patchmail import parse_patch


def _commit(repo, rev: str, where: str):
    import pygit2

    try:
        return repo.revparse_single(rev).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError):
        raise NotFoundError(f"{where}: {rev} is not a commit of the repository") from None


def split_range(spec: str) -> tuple[str, str]:
    base, sep, head = spec.partition("..")
    if not sep or not base or not head or head.startswith("."):
        raise InputError(f"--range {spec}: expected BASE..HEAD")
    return base, head


def range_commits(repo, spec: str) -> list:
    """The non-merge commits of BASE..HEAD, oldest first."""
    import pygit2

    base_rev, head_rev = split_range(spec)
    base = _commit(repo, base_rev, f"--range {spec}")
    head = _commit(repo, head_rev, f"--range {spec}")
    walker = repo.walk(head.id, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    walker.hide(base.id)
    return [c for c in walker if len(c.parents) == 1]


def _date(commit) -> str:
    offset = timezone(timedelta(minutes=commit.author.offset))
    return format_datetime(datetime.fromtimestamp(commit.author.time, offset))


def commit_message(repo, commit, index: int, total: int) -> Message:
    """The patch mail ``git format-patch`` would make of ``commit``."""
    subject, _, body = commit.message.partition("\n")
    diff = repo.diff(commit.parents[0], commit)
    tag = "PATCH" if total == 1 else f"PATCH {index}/{total}"
    return Message(
        message_id=f"{commit.id}@git",
        subject=f"[{tag}] {subject.strip()}",
        author_name=commit.author.name,
        author_email=commit.author.email,
        date=_date(commit),
        body=body.strip("\n") + "\n---\n" + (diff.patch or ""),
    )


def read_range(repo_path: Path, spec: str) -> Series:
    """The commits of ``spec`` in the repository at ``repo_path`` as one series."""
    from bot.repository import open_repository

    repo = open_repository(repo_path)
    commits = range_commits(repo, spec)
    if not commits:
        raise InputError(f"--range {spec}: no commits (other than merges) in the range")
    total = len(commits)
    patches = [parse_patch(commit_message(repo, c, n, total))
               for n, c in enumerate(commits, 1)]
    # what `git format-patch --base=BASE` writes: the series names its base
    patches[0].log.base_commit = str(_commit(repo, split_range(spec)[0], spec).id)
    return Series(version=1, total=total, patches=patches, versions_seen=[1],
                  source=f"range {spec}")
