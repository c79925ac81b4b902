"""Open a git repository for reading, whoever owns it.

lorebot only reads repositories (blobs, trees, commits), so git's ownership
check (``safe.directory``) protects nothing here and breaks the common
container case: GitHub's runner mounts the workspace owned by another uid.
The check is turned off for this process, as ``safe.directory = *`` would.
"""

from __future__ import annotations

from pathlib import Path

from bot.errors import InputError


def open_repository(repo_path: Path):
    """The pygit2 repository at ``repo_path``; InputError if there is none."""
    import pygit2

    pygit2.option(pygit2.enums.Option.SET_OWNER_VALIDATION, 0)
    try:
        return pygit2.Repository(str(repo_path))
    except (pygit2.GitError, KeyError) as exc:
        raise InputError(f"--repo {repo_path}: not a git repository ({exc})") from None
