"""A real git repository made from a list of file states, one commit each.

For exit-path tests and bench/bench_real_pairs.py: each step is reviewed as a
one-patch series with ``lorebot review --range C^..C --repo``.
"""

from __future__ import annotations

from pathlib import Path

import pygit2

START_TIME = 1600000000


def history_repo(dest: Path, steps: list[tuple[str, dict[str, str]]]) -> list[str]:
    """Commit each (subject, {path: text}) on top of the previous; the hex ids in order.

    A path keeps its text until a later step changes it; an empty text removes it.
    """
    repo = pygit2.init_repository(str(dest), bare=False, initial_head="master")
    files: dict[str, str] = {}
    parents: list[pygit2.Oid] = []
    ids = []
    for n, (subject, changed) in enumerate(steps):
        files.update(changed)
        index = pygit2.Index()
        for path, text in files.items():
            if text:
                index.add(pygit2.IndexEntry(path, repo.create_blob(text.encode()),
                                            pygit2.GIT_FILEMODE_BLOB))
        sig = pygit2.Signature("Ann Author", "ann@example.com", START_TIME + n * 3600, 0)
        message = f"{subject}\n\nWhat the change does, in a sentence.\n\n" \
                  "Signed-off-by: Ann Author <ann@example.com>\n"
        oid = repo.create_commit("HEAD", sig, sig, message, index.write_tree(repo), parents)
        parents = [oid]
        ids.append(str(oid))
    return ids
