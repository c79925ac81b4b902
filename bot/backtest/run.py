"""Review every commit of a history, one at a time, as if each had been posted alone."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.backtest.commits import CommitResult, review_commit, select_commits
from bot.backtest.recall import Recall, fixes_recall


@dataclass
class Backtest:
    repository: str
    range: str | None
    pathspecs: list[str]
    results: list[CommitResult] = field(default_factory=list)
    recall: Recall = field(default_factory=Recall)

    @property
    def counted(self) -> list[CommitResult]:
        """The commits the rates are over: reviewed (kernel style unless all were asked for)."""
        return [r for r in self.results if r.reviewed]

    @property
    def failed(self) -> list[CommitResult]:
        return [r for r in self.results if r.error]

    @property
    def left_out(self) -> list[CommitResult]:
        return [r for r in self.results if not r.reviewed and not r.error]


class Progress:
    """``[ 12/300] sha subject`` on one terminal line; silent when stderr is not a tty."""

    def __init__(self, total: int, stream: TextIO = sys.stderr):
        self.total, self.stream = total, stream
        self.on = stream.isatty()

    def show(self, done: int, commit) -> None:
        if not self.on:
            return
        width = shutil.get_terminal_size().columns - 1
        text = f"[{done:{len(str(self.total))}}/{self.total}] {str(commit.id)[:12]} " \
               f"{commit.message.split(chr(10), 1)[0]}"
        self.stream.write("\r" + text[:width].ljust(width))
        self.stream.flush()

    def close(self) -> None:
        if self.on:
            self.stream.write("\r" + " " * (shutil.get_terminal_size().columns - 1) + "\r")
            self.stream.flush()


def run_backtest(repo_path: Path, spec: str | None, pathspecs: list[str], rules,
                 last: int | None = None, timeout: float = 60.0,
                 all_commits: bool = False) -> Backtest:
    """Review each selected commit of ``repo_path``; then recall on its Fixes: pairs."""
    import pygit2

    from bot.errors import InputError

    try:
        repo = pygit2.Repository(str(repo_path))
    except (pygit2.GitError, KeyError):
        raise InputError(f"--repo {repo_path}: not a git repository") from None
    commits = select_commits(repo, spec, pathspecs, last)
    if not commits:
        raise InputError("no commits (other than merges) to review in that range and paths")
    backtest = Backtest(str(repo_path), spec, pathspecs)
    progress = Progress(len(commits))
    try:
        for done, commit in enumerate(commits):
            progress.show(done, commit)
            backtest.results.append(review_commit(repo_path, commit, rules, timeout,
                                                  all_commits))
        backtest.recall = fixes_recall(
            repo, backtest.results,
            lambda c: review_commit(repo_path, c, rules, timeout, all_commits=True))
    finally:
        progress.close()
    return backtest
