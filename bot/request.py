"""One way in: what the user gave -> the series, its base and the repository.

``review`` (a Message-ID, ``--mbox``, ``--range``), ``action`` (the Action's
inputs), ``b4-check`` (a mail on stdin, the current repository, b4's review
branch) and ``watch`` (a revision found on lore) each describe what they have
as a ``Request``; ``prepare`` turns it into what a review needs, the same way
for all. The base is chosen here (``bot.basefind`` for a posted series) and its
description says which base was used and why, or why there is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import InputError
from bot.series import Series
from bot.tree import BaseTree


@dataclass
class Request:
    """What to review and against what; exactly one of the first four is set."""

    message_id: str | None = None  # any mail of the series, or its lore URL
    mbox: Path | None = None  # an mbox, a maildir or one mail file
    range: str | None = None  # BASE..HEAD of ``repo``
    series: Series | None = None  # already read (watch, b4-check)
    repo: Path | None = None  # a git repository for the pre-images
    tree: Path | None = None  # or a plain folder
    version: int | None = None  # -v N
    base: str | None = None  # a commit of ``repo`` known to be the series' base
    base_why: str = ""  # how that base is known, for the description
    alone: bool = False  # one patch of a series, its earlier patches not applied
    previous_findings: list | None = None  # vN-1's findings as remembered (watch)


@dataclass
class Prepared:
    series: Series
    base: BaseTree | None  # None: commit-log rules only
    repo: Any = None  # pygit2.Repository when there is one


def read_series(request: Request) -> Series:
    sources = [s for s in (request.message_id, request.mbox, request.range, request.series)
               if s is not None]
    if len(sources) != 1:
        raise InputError("give exactly one of MESSAGE-ID, --mbox or --range")
    if request.series is not None:
        return request.series
    if request.range:
        if not request.repo:
            raise InputError("--range needs --repo, the repository holding the commits")
        from bot.source.gitrange import read_range

        return read_range(request.repo, request.range)
    if request.mbox:
        from bot.source.mbox import read_series as read_mbox

        return read_mbox(request.mbox, request.version)
    from bot.source.lore import lore_series

    return lore_series(request.message_id, request.version)


def open_base(request: Request, series: Series) -> tuple[BaseTree | None, Any]:
    """The base tree and the pygit2 repository (if any) for ``series``."""
    if request.repo and request.tree:
        raise InputError("give --repo or --tree, not both")
    if request.tree:
        if request.range:
            raise InputError("--range takes its base from --repo, not --tree")
        from bot.tree import FolderTree

        return FolderTree(request.tree), None
    if not request.repo:
        return None, None
    from bot.tree import RepoTree

    if request.range or request.base:
        from bot.source.gitrange import split_range

        base = request.base or split_range(request.range)[0]
        tree = RepoTree(request.repo, base)
        why = request.base_why or f"the base of range {request.range}"
        tree.description += f" ({why})"
        return tree, tree.repo
    from bot.basefind import find_base

    tree = find_base(request.repo, series)
    # A file the earlier patches changed cannot match the base; but when the repository
    # has every blob (the earlier patches are applied there), there is no base to miss.
    if request.alone and tree.base_tree is not None:
        tree.exact_base = False
        tree.description += "; the series' earlier patches are not applied"
    return tree, tree.repo


def prepare(request: Request) -> Prepared:
    series = read_series(request)
    base, repo = open_base(request, series)
    return Prepared(series, base, repo)


def review_request(request: Request, rules: list) -> Any:
    """The ``Review`` of what ``request`` names, with ``rules``."""
    from bot.review import review_series

    prepared = prepare(request)
    return review_series(prepared.series, rules, prepared.base, prepared.repo,
                         request.previous_findings)
