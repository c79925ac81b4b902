"""A repository like a pull request's: the pci-hyperv base and a head carrying one revision."""

from __future__ import annotations

from pathlib import Path

import pygit2
from kernel_repo import FIXTURES, HV_FILE, build_kernel_repo

from bot.source.mbox import read_series


def pull_request_repo(dest: Path, version: int) -> tuple[str, str]:
    """(base sha, head sha): head commits src/vN.c with vN's commit message and author."""
    base = build_kernel_repo(dest)
    repo = pygit2.Repository(str(dest))
    patch = read_series(FIXTURES / f"v{version}.mbox").patches[0]
    log = patch.log
    trailers = "\n".join(f"{t.name}: {t.value}" for t in log.trailers)
    message = f"{log.subject}\n\n{log.body}\n\n{trailers}\n"
    index = repo.index
    index.read()
    blob = repo.create_blob((FIXTURES / "src" / f"v{version}.c").read_bytes())
    index.add(pygit2.IndexEntry(HV_FILE, blob, pygit2.GIT_FILEMODE_BLOB))
    index.write()
    author = pygit2.Signature(patch.message.author_name, patch.message.author_email,
                              1600000000, 0)
    head = repo.create_commit("HEAD", author, author, message, index.write_tree(repo),
                              [repo.head.target])
    repo.checkout_head(strategy=pygit2.GIT_CHECKOUT_FORCE)
    return base, str(head)
