"""Recall on Fixes: pairs: would lorebot have caught the bug when it went in?

For a reviewed commit whose ``Fixes:`` names a commit of the repository, the
pair counts as caught when the review of the introducing commit has an active
finding in a function the fix changes, and as confirmed when the review of the
fix says it ``fixed`` something.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.backtest.commits import CommitResult


@dataclass
class FixPair:
    fix: str
    introducing: str
    subject: str  # of the fix
    flagged: bool  # the introducing commit's review had a finding in a changed function
    fixed: bool  # the fix's review says fixed
    note: str = ""  # why the pair could not be judged (introducing commit not reviewable)


@dataclass
class Recall:
    pairs: list[FixPair] = field(default_factory=list)
    outside: int = 0  # Fixes: naming a commit this repository does not have

    @property
    def judged(self) -> list[FixPair]:
        return [p for p in self.pairs if not p.note]


def _resolve(repo, sha: str):
    import pygit2

    try:
        commit = repo.revparse_single(sha).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError):
        return None
    return commit if len(commit.parents) == 1 else None


def fixes_recall(repo, results: list[CommitResult],
                 review: Callable[[object], CommitResult]) -> Recall:
    """Pairs of the reviewed commits; ``review`` reviews an introducing commit not yet seen."""
    seen = {r.sha: r for r in results}
    recall = Recall()
    for fix in results:
        if not fix.reviewed:
            continue
        for sha in fix.fixes:
            commit = _resolve(repo, sha)
            if commit is None:
                recall.outside += 1
                continue
            key = str(commit.id)
            if key not in seen or not seen[key].reviewed:
                seen[key] = review(commit)
            origin = seen[key]
            if not origin.reviewed:
                recall.pairs.append(FixPair(fix.sha, key, fix.subject, False, False,
                                            origin.error or "not reviewed"))
                continue
            flagged = any(v.finding.function in fix.changed_functions and v.finding.file
                          and v.finding.severity != "info" for v in origin.findings)
            recall.pairs.append(FixPair(fix.sha, key, fix.subject, flagged, bool(fix.fixed)))
    return recall
