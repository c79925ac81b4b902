"""Which commit of a repository a posted series is reviewed against, and why.

Tried in order, as a maintainer applying the series would (and b4 does):

1. the blobs named on the diffs' ``index`` lines: when the repository has
   every one, the pre-images are the author's files exactly;
2. the series' ``base-commit:``;
3. a guessed base, the way ``b4 am --guess-base`` finds one
   (``LoreSeries.find_base``): the newest commit of any branch from before the
   series was sent, else, among the commits of the 30 days before it, the one
   whose files match the most of the series' blobs (at least one);
4. the repository's HEAD, the hunks placed by their context (offset and fuzz
   are reported per hunk).

Blobs found in the repository are used whatever the base; a base only serves
the files whose blob is missing. The returned tree's ``description`` names the
choice and the reason, and every report shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

from bot.repository import open_repository
from bot.series import Series
from bot.tree import RepoTree, resolve_commit

GUESS_DAYS = 30  # b4's default window (find_base maxdays)
MAX_GUESS_COMMITS = 20000  # commits looked at at most (kernel: ~12k in 30 days)


@dataclass(frozen=True)
class BlobWanted:
    path: str
    blob: str  # abbreviated id from the index line


def wanted_blobs(series: Series) -> tuple[list[BlobWanted], list[str]]:
    """The blob of every file the series touches first, and the files without one.

    Like b4's ``LoreSeries.indexes``: a file's later patches name blobs the
    earlier ones make, so only its first mention counts; new files need none.
    """
    seen: set[str] = set()
    wanted: list[BlobWanted] = []
    unnamed: list[str] = []
    for patch in series.patches:
        for fd in patch.files:
            if fd.old_path is None or fd.old_path in seen:
                continue
            seen.add(fd.old_path)
            if fd.old_blob and set(fd.old_blob) != {"0"}:
                wanted.append(BlobWanted(fd.old_path, fd.old_blob))
            elif not fd.binary:
                unnamed.append(fd.old_path)
    return wanted, unnamed


def series_date(series: Series) -> datetime:
    """When the series was sent (its first patch's Date), else now."""
    for patch in series.patches:
        try:
            date = parsedate_to_datetime(patch.message.date)
        except (TypeError, ValueError, IndexError):
            continue
        return date if date.tzinfo else date.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _matches(commit, wanted: list[BlobWanted]) -> int:
    count = 0
    for item in wanted:
        try:
            entry = commit.tree[item.path]
        except KeyError:
            continue
        count += str(entry.id).startswith(item.blob)
    return count


def _walk_all_branches(repo):
    """Every commit reachable from a reference, newest first (``git log --all``)."""
    import pygit2

    walker = None
    for name in repo.references:
        try:
            target = repo.references[name].peel(pygit2.Commit).id
        except (pygit2.GitError, ValueError, KeyError):
            continue
        if walker is None:
            walker = repo.walk(target, pygit2.enums.SortMode.TIME)
        else:
            walker.push(target)
    return walker or []


@dataclass(frozen=True)
class Guess:
    commit: object  # pygit2.Commit
    matched: int
    total: int


def guess_base(repo, wanted: list[BlobWanted], sent: datetime) -> Guess | None:
    """b4's --guess-base with pygit2: the commit before ``sent`` that fits most blobs."""
    if not wanted:
        return None
    until = (sent + timedelta(days=1)).timestamp()  # git log --until <that date>
    since = (sent - timedelta(days=GUESS_DAYS)).timestamp()
    best: Guess | None = None
    for looked, commit in enumerate(_walk_all_branches(repo)):
        if looked >= MAX_GUESS_COMMITS:
            break
        if commit.commit_time > until:
            continue
        matched = _matches(commit, wanted)
        if best is None or matched > best.matched:
            best = Guess(commit, matched, len(wanted))
        if matched == len(wanted) or commit.commit_time < since:
            break  # the newest commit before the date is always tried, then 30 days
    return best if best is not None and best.matched else None


def _missing(repo, wanted: list[BlobWanted]) -> list[BlobWanted]:
    import pygit2

    out = []
    for item in wanted:
        try:
            found = isinstance(repo.revparse_single(item.blob), pygit2.Blob)
        except (KeyError, ValueError, pygit2.GitError):
            found = False
        if not found:
            out.append(item)
    return out


def _names(items: list[BlobWanted]) -> str:
    shown = ", ".join(f"{i.path} (blob {i.blob})" for i in items[:3])
    return shown + (f" and {len(items) - 3} more" if len(items) > 3 else "")


def find_base(repo_path: Path, series: Series, repo=None) -> RepoTree:
    """The repository at the base that fits ``series`` best; its description says which."""
    repo = repo if repo is not None else open_repository(repo_path)
    label = f"repository {repo_path}"
    wanted, unnamed = wanted_blobs(series)
    missing = _missing(repo, wanted)
    if wanted and not missing and not unnamed:
        tree = RepoTree(repo_path, repo=repo)
        tree.description = (f"{label}: the blobs named on the index lines "
                            f"(all {len(wanted)} found)")
        return tree
    why = (f"{_names(missing)} not in it" if missing
           else f"no blob named for {', '.join(unnamed[:3])}")
    stated = series.base_commit
    commit = resolve_commit(repo, stated) if stated else None
    if commit is not None:
        tree = RepoTree(repo_path, str(commit.id), repo=repo)
        tree.description = f"{label} at base-commit {str(commit.id)[:12]} ({why})"
        return tree
    why += f"; base-commit {stated[:12]} not in it" if stated else "; no base-commit"
    guess = guess_base(repo, wanted, series_date(series))
    if guess is not None:
        tree = RepoTree(repo_path, str(guess.commit.id), exact_base=False, repo=repo)
        tree.description = (
            f"{label} at {str(guess.commit.id)[:12]}, a guessed base ({guess.matched} of "
            f"{guess.total} blobs match there, as b4 am --guess-base finds it; {why}); "
            "the other files' hunks placed by their context")
        return tree
    head = resolve_commit(repo, "HEAD")
    if head is None:
        tree = RepoTree(repo_path, repo=repo)
        tree.description = f"{label}: no commit to use as a base ({why})"
        return tree
    tree = RepoTree(repo_path, str(head.id), exact_base=False, repo=repo)
    tree.description = (f"{label} at HEAD {str(head.id)[:12]} ({why}; no commit of the "
                        f"{GUESS_DAYS} days before the series has its blobs): hunks placed "
                        "by their context")
    return tree
