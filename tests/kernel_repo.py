"""Build a small but real kernel-like git repository for tests and fixtures.

The repository has a short history of ``PCI: hv:`` commits ending in the tree
of ``fixtures/pci-hyperv/base``. Signatures and times are fixed, so commit ids
are the same on every machine: the fixture mboxes name them in ``Fixes:`` and
``base-commit:``.
"""

from __future__ import annotations

from pathlib import Path

import pygit2

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pci-hyperv"
BASE = FIXTURES / "base"
HV_FILE = "drivers/pci/controller/pci-hyperv.c"
START_TIME = 1577836800  # 2020-01-01, the year of the series


def _files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def default_history(base: Path = BASE) -> list[tuple[str, dict[str, bytes]]]:
    """Earlier states of the driver, as the commits that led to ``base``."""
    final = (base / HV_FILE).read_text()
    no_comment = final.replace("\t/* No new work may be queued from now on. */\n", "")
    no_pm = no_comment.split("static int hv_pci_bus_exit(", 1)[0].rstrip("\n") + "\n"
    return [
        ("PCI: hv: Add the interrupt retarget path", {HV_FILE: no_pm.encode()}),
        ("PCI: hv: Add hibernation support", {HV_FILE: no_comment.encode()}),
        ("PCI: hv: Say why the bus state changes first in suspend",
         {HV_FILE: final.encode()}),
    ]


def _tree(repo: pygit2.Repository, files: dict[str, bytes]) -> pygit2.Oid:
    index = pygit2.Index()
    for path, data in files.items():
        index.add(pygit2.IndexEntry(path, repo.create_blob(data), pygit2.GIT_FILEMODE_BLOB))
    return index.write_tree(repo)


def build_kernel_repo(dest: Path, base: Path = BASE,
                      history: list[tuple[str, dict[str, str | bytes]]] | None = None) -> str:
    """Create the repository in ``dest``; return the hex id of the base commit (HEAD).

    ``history`` lists earlier commits as (subject, {path: content}); by default
    :func:`default_history`. The last commit always has exactly the tree of ``base``.
    """
    repo = pygit2.init_repository(str(dest), bare=False, initial_head="master")
    files: dict[str, bytes] = {}
    parents: list[pygit2.Oid] = []
    steps = list(default_history(base) if history is None else history)
    steps.append(("PCI: hv: Base of the pci-hyperv fixtures", _files_under(base)))
    for n, (subject, changed) in enumerate(steps):
        if n == len(steps) - 1:
            files = {}  # the base commit holds base/ and nothing else
        files.update({path: data.encode() if isinstance(data, str) else data
                      for path, data in changed.items()})
        sig = pygit2.Signature("Base Author", "base@example.com", START_TIME + n * 86400, 0)
        oid = repo.create_commit("HEAD", sig, sig, f"{subject}\n", _tree(repo, files), parents)
        parents = [oid]
    repo.checkout_head(strategy=pygit2.GIT_CHECKOUT_FORCE)
    return str(parents[0])


def commit_by_subject(repo_path: Path, subject: str) -> str:
    """Hex id of the first commit reachable from HEAD with that subject."""
    repo = pygit2.Repository(str(repo_path))
    for commit in repo.walk(repo.head.target):
        if commit.message.split("\n", 1)[0] == subject:
            return str(commit.id)
    raise KeyError(subject)
