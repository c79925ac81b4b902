"""Pre- and post-image of every file a series touches.

The base comes from a kernel git repository (pygit2: the blob named on the
diff's ``index`` line, else the file at a base commit) or from a plain folder.
Which base commit to use (``base-commit:``, a guessed one, HEAD) is
``bot.basefind``'s job. Patches are applied in order, so patch N sees the files
as patches 1..N-1 left them; an unchanged file's text is shared between
patches, not copied.

A pre-image is *exact* when it is the very file the diff was made against (its
blob, or a base the user or the series named); a hunk that does not apply to it
is an error. A fallback base (a guessed commit whose blob for this file
differs, or HEAD) may simply be too far from the author's tree: the file is
then skipped with the reason, and the other files and rules stand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.errors import InputError, NotFoundError, PatchApplyError
from bot.patchapply import Placement, apply_file_diff
from bot.repository import open_repository
from bot.series import FileDiff, Patch, Series


@dataclass
class FileImages:
    """One file before and after one patch (None: absent on that side)."""

    path: str
    old_path: str | None
    pre: str | None
    post: str | None


@dataclass(frozen=True)
class MovedHunk:
    """A hunk that did not apply at its stated line, or only with fuzz."""

    patch: int
    file: str
    placement: Placement

    def describe(self) -> str:
        p = self.placement
        fuzz = f", fuzz {p.fuzz}" if p.fuzz else ""
        return (f"patch {self.patch}: hunk {p.hunk} of {self.file} applied at line {p.line} "
                f"(offset {p.offset:+d} lines{fuzz})")


@dataclass
class PatchImages:
    files: dict[str, FileImages] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> why no images
    moved: list[MovedHunk] = field(default_factory=list)
    patch: Patch | None = None  # the patch with its hunks where they applied (real lines)


@dataclass(frozen=True)
class PreImage:
    text: str
    exact: bool  # the file the diff was made against, not a fallback's version of it


class BaseTree(Protocol):
    """Where pre-images of the first patch touching a file come from."""

    description: str

    def read(self, path: str, blob: str | None) -> PreImage | None:
        """The file's text, None if the base does not have it."""

    def folder(self, path: str) -> list[str]:
        """The paths of the files beside ``path`` (its folder, not below), if known."""


def decode_source(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


# blob id -> its text: the reviews of a history (backtest, watch) read the same unchanged
# files of a folder again and again; the same object also lets later caches hit at once
_BLOB_TEXTS: dict = {}
_BLOBS_KEPT = 256


def _remember(oid, text: str) -> str:
    if len(_BLOB_TEXTS) >= _BLOBS_KEPT:
        del _BLOB_TEXTS[next(iter(_BLOB_TEXTS))]  # the oldest
    _BLOB_TEXTS[oid] = text
    return text


class FolderTree:
    """A plain checkout (or an extracted tarball) as the base: what the user says it is."""

    def __init__(self, root: Path):
        if not root.is_dir():
            raise InputError(f"--tree {root}: not a folder")
        self.root = root
        self.description = f"folder {root}"

    def read(self, path: str, blob: str | None) -> PreImage | None:
        target = (self.root / path).resolve()
        if not target.is_relative_to(self.root.resolve()) or not target.is_file():
            return None
        return PreImage(decode_source(target.read_bytes()), exact=True)

    def folder(self, path: str) -> list[str]:
        parent = (self.root / path).parent.resolve()
        if not parent.is_relative_to(self.root.resolve()) or not parent.is_dir():
            return []
        return sorted(p.relative_to(self.root.resolve()).as_posix() for p in parent.iterdir()
                      if p.is_file())


def resolve_commit(repo, rev: str):
    """The commit ``rev`` names in ``repo``, or None."""
    import pygit2

    try:
        return repo.revparse_single(rev).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError):
        return None


class RepoTree:
    """A git repository: blobs by abbreviated id, else files at a base commit.

    ``exact_base`` says whether the base commit is the one the diffs were made
    against (``base-commit:``, a range's base) or a fallback (guessed, HEAD).
    """

    def __init__(self, repo_path: Path, base: str | None = None, *, exact_base: bool = True,
                 repo=None):
        self.repo = repo if repo is not None else open_repository(repo_path)
        self.base_tree = None
        self.exact_base = exact_base
        self.description = f"repository {repo_path}"
        if base:
            commit = resolve_commit(self.repo, base)
            if commit is None:
                raise NotFoundError(f"base {base} not found in {repo_path}")
            self.base_tree = commit.tree
            self.description += f" at {str(commit.id)[:12]}"

    def blob(self, blob: str | None) -> str | None:
        import pygit2

        if not blob or set(blob) == {"0"}:
            return None
        try:
            obj = self.repo.revparse_single(blob)
        except (KeyError, ValueError, pygit2.GitError):
            return None
        return decode_source(obj.data) if isinstance(obj, pygit2.Blob) else None

    def read(self, path: str, blob: str | None) -> PreImage | None:
        import pygit2

        text = self.blob(blob)
        if text is not None:
            return PreImage(text, exact=True)
        if self.base_tree is None:
            return None
        try:
            entry = self.base_tree[path]
        except KeyError:
            return None
        exact = self.exact_base or bool(blob and str(entry.id).startswith(blob))
        text = _BLOB_TEXTS.get(entry.id)
        if text is None:
            obj = self.repo[entry.id]
            if not isinstance(obj, pygit2.Blob):
                return None
            text = _remember(entry.id, decode_source(obj.data))
        return PreImage(text, exact)

    def folder(self, path: str) -> list[str]:
        import pygit2

        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        if self.base_tree is None:
            return []
        try:
            tree = self.base_tree[parent] if parent else self.base_tree
        except KeyError:
            return []
        obj = self.repo[tree.id]
        if not isinstance(obj, pygit2.Tree):
            return []
        prefix = f"{parent}/" if parent else ""
        return sorted(prefix + entry.name for entry in obj if entry.type_str == "blob")


def _where(patch: Patch, total: int) -> str:
    return f"patch {patch.index}/{total} ({patch.log.subject})"


@dataclass
class _Applied:
    images: FileImages
    diff: FileDiff  # with the hunks where they applied
    placements: list[Placement]


def _images_for(fd: FileDiff, current: dict[str, str | None], base: BaseTree,
                where: str) -> _Applied | str:
    """Images of one file diff, or the reason there are none."""
    if fd.binary:
        return "binary diff"
    if fd.old_path is None:
        pre = PreImage("", exact=True)
    elif fd.old_path in current:
        text = current[fd.old_path]
        pre = PreImage(text or "", exact=True)  # as the previous patch left it
    else:
        pre = base.read(fd.old_path, fd.old_blob)
        if pre is None:
            blob = f" (blob {fd.old_blob})" if fd.old_blob else ""
            return f"{fd.old_path}{blob} not found in {base.description}"
    pre_text = None if fd.old_path is None else pre.text
    if fd.new_path is None:
        return _Applied(FileImages(fd.path, fd.old_path, pre_text, None), fd, [])
    try:
        applied = apply_file_diff(pre.text, fd, where)
    except PatchApplyError as exc:
        if pre.exact:
            raise
        return f"{exc.reason}, on a fallback base (not the author's)"
    placed = fd if applied.hunks == fd.hunks else dataclasses.replace(fd, hunks=applied.hunks)
    return _Applied(FileImages(fd.path, fd.old_path, pre_text, applied.text), placed,
                    applied.placements)


def last_reads(series: Series) -> dict[str, int]:
    """Each path -> the number (0-based) of the last patch that reads or writes it."""
    return {path: number for number, patch in enumerate(series.patches)
            for fd in patch.files for path in (fd.old_path, fd.path) if path}


def series_images(series: Series, base: BaseTree) -> list[PatchImages]:
    """For each patch in order, the images of the files it touches and where hunks moved."""
    return list(iter_images(series, base))


def iter_images(series: Series, base: BaseTree) -> Iterator[PatchImages]:
    """``series_images`` one patch at a time, each file's latest text kept only while a
    later patch reads it: a long series is never held as text all at once."""
    last_read = last_reads(series)
    current: dict[str, str | None] = {}
    broken: dict[str, int] = {}  # path -> the patch whose hunks did not apply to it
    for number, patch in enumerate(series.patches):
        images = PatchImages()
        placed_files = []
        for fd in patch.files:
            # Once a patch could not be applied to a file, later patches would see
            # it without that patch's changes (git am stops there): skip them too.
            earlier = broken.get(fd.old_path or fd.path)
            got = (f"patch {earlier} did not apply to it, so this patch's changes cannot "
                   "be placed" if earlier is not None
                   else _images_for(fd, current, base, _where(patch, series.total)))
            if isinstance(got, str):
                images.skipped[fd.path] = got
                broken.setdefault(fd.path, patch.index)
                placed_files.append(fd)
                continue
            images.files[fd.path] = got.images
            images.moved += [MovedHunk(patch.index, fd.path, p) for p in got.placements
                             if p.moved]
            placed_files.append(got.diff)
            if fd.rename and fd.old_path:
                current[fd.old_path] = None
            current[fd.path] = got.images.post
        same = all(a is b for a, b in zip(placed_files, patch.files, strict=True))
        images.patch = patch if same else dataclasses.replace(patch, files=placed_files)
        for path in [p for p in current if last_read[p] <= number]:
            del current[path]
        yield images
