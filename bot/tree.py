"""Pre- and post-image of every file a series touches.

The base comes from a kernel git repository (pygit2: the blob named on the
diff's ``index`` line, else the file at ``base-commit:`` or the range base) or
from a plain folder. Patches are applied in order, so patch N sees the files as
patches 1..N-1 left them. A file whose base cannot be found is skipped with a
reason; a hunk that does not apply is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.errors import InputError, NotFoundError
from bot.patchapply import apply_file_diff
from bot.series import FileDiff, Patch, Series


@dataclass
class FileImages:
    """One file before and after one patch (None: absent on that side)."""

    path: str
    old_path: str | None
    pre: str | None
    post: str | None


@dataclass
class PatchImages:
    files: dict[str, FileImages] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> why no images


class BaseTree(Protocol):
    """Where pre-images of the first patch touching a file come from."""

    description: str

    def read(self, path: str, blob: str | None) -> str | None:
        """The file's text, None if the base does not have it."""


def decode_source(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


class FolderTree:
    """A plain checkout (or an extracted tarball) as the base."""

    def __init__(self, root: Path):
        if not root.is_dir():
            raise InputError(f"--tree {root}: not a folder")
        self.root = root
        self.description = f"folder {root}"

    def read(self, path: str, blob: str | None) -> str | None:
        target = (self.root / path).resolve()
        if not target.is_relative_to(self.root.resolve()) or not target.is_file():
            return None
        return decode_source(target.read_bytes())


class RepoTree:
    """A git repository: blobs by abbreviated id, or files at a base revision."""

    def __init__(self, repo_path: Path, base: str | None = None):
        import pygit2

        try:
            self.repo = pygit2.Repository(str(repo_path))
        except (pygit2.GitError, KeyError) as exc:
            raise InputError(f"--repo {repo_path}: not a git repository ({exc})") from None
        self.base_tree = None
        self.description = f"repository {repo_path}"
        if base:
            try:
                commit = self.repo.revparse_single(base).peel(pygit2.Commit)
            except (KeyError, ValueError, pygit2.GitError):
                raise NotFoundError(f"base {base} not found in {repo_path}") from None
            self.base_tree = commit.tree
            self.description += f" at {str(commit.id)[:12]}"

    @classmethod
    def at_series_base(cls, repo_path: Path, base_commit: str | None) -> RepoTree:
        """The repository at the series' ``base-commit:``, or by blob ids if it lacks it.

        Posted series often name a base from the author's tree (linux-next, a
        topic branch); the blobs on the ``index`` lines usually exist anyway.
        """
        try:
            return cls(repo_path, base_commit)
        except NotFoundError:
            tree = cls(repo_path)
            tree.description += f" (without base-commit {base_commit[:12]})"
            return tree

    def read(self, path: str, blob: str | None) -> str | None:
        import pygit2

        if blob and set(blob) != {"0"}:
            try:
                obj = self.repo.revparse_single(blob)
                if isinstance(obj, pygit2.Blob):
                    return decode_source(obj.data)
            except (KeyError, ValueError, pygit2.GitError):
                pass
        if self.base_tree is not None:
            try:
                entry = self.base_tree[path]
            except KeyError:
                return None
            obj = self.repo[entry.id]
            return decode_source(obj.data) if isinstance(obj, pygit2.Blob) else None
        return None


def _where(patch: Patch, total: int) -> str:
    return f"patch {patch.index}/{total} ({patch.log.subject})"


def _images_for(fd: FileDiff, current: dict[str, str | None], base: BaseTree,
                where: str) -> FileImages | str:
    """Images of one file diff, or the reason there are none."""
    if fd.binary:
        return "binary diff"
    if fd.old_path is None:
        pre = None
    elif fd.old_path in current:
        pre = current[fd.old_path]
    else:
        pre = base.read(fd.old_path, fd.old_blob)
        if pre is None:
            blob = f" (blob {fd.old_blob})" if fd.old_blob else ""
            return f"{fd.old_path}{blob} not found in {base.description}"
    post = None if fd.new_path is None else apply_file_diff(pre or "", fd, where)
    return FileImages(fd.path, fd.old_path, pre, post)


def series_images(series: Series, base: BaseTree) -> list[PatchImages]:
    """For each patch in order, the images of the files it touches."""
    current: dict[str, str | None] = {}
    result = []
    for patch in series.patches:
        images = PatchImages()
        for fd in patch.files:
            got = _images_for(fd, current, base, _where(patch, series.total))
            if isinstance(got, str):
                images.skipped[fd.path] = got
                continue
            images.files[fd.path] = got
            if fd.rename and fd.old_path:
                current[fd.old_path] = None
            current[fd.path] = got.post
        result.append(images)
    return result
