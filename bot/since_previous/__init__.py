"""Since the previous revision: does vN answer the review vN-1 got?

A reviewer of v3 wants to know what became of the points made on v2, which
trailers were carried, what changed and whether the changelog says so.
`since_previous` compares the review of vN with the review of vN-1 (run now,
or remembered by the watch store) and the replies vN-1 got:

- ``comments``: every reviewer's point on vN-1 (`comments.py`), with its
  target and a status judged from the code, the log and lorebot's own rule
  verdicts before and after (`judge.py`);
- ``trailers``: Reviewed-by/Acked-by/Tested-by given on vN-1 and whether vN
  carries them;
- ``changes`` and ``changelog``: what changed per function, and the vN
  changelog's claims checked against it (`changes.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.since_previous.changes import Change, Claim, check_claims, pair_patches, revision_changes
from bot.since_previous.comments import Point, norm, review_points
from bot.since_previous.judge import Revisions, Verdict, judge
from bot.tree import PatchImages

CARRIED_KINDS = ("reviewed-by", "acked-by", "tested-by")


@dataclass
class Comment:
    point: Point
    verdict: Verdict

    def as_dict(self) -> dict:
        return {"author": self.point.author, "message_id": self.point.message_id,
                "excerpt": self.point.text, "target": self.point.target.as_dict(),
                "status": self.verdict.status, "evidence": self.verdict.evidence}


@dataclass
class Carried:
    patch: int
    trailer: str
    carried: bool
    patch_changed: bool

    @property
    def note(self) -> str:
        if self.carried and self.patch_changed:
            return "carried, though the patch changed since it was given"
        if not self.carried and not self.patch_changed:
            return "dropped, though the patch did not change"
        return "" if self.carried else "dropped: the patch changed"

    def as_dict(self) -> dict:
        return {"patch": self.patch, "trailer": self.trailer, "carried": self.carried,
                "patch_changed": self.patch_changed, "note": self.note}


@dataclass
class SincePrevious:
    revision: int
    message_id: str
    comments: list[Comment] = field(default_factory=list)
    trailers: list[Carried] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    changelog: list[Claim] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many points are addressed, open, unclear."""
        return {s: sum(1 for c in self.comments if c.verdict.status == s)
                for s in ("addressed", "open", "unclear")}

    def as_dict(self) -> dict:
        return {"revision": self.revision, "message_id": self.message_id,
                "comments": [c.as_dict() for c in self.comments],
                "trailers": [t.as_dict() for t in self.trailers],
                "changes": [c.as_dict() for c in self.changes],
                "changelog": [c.as_dict() for c in self.changelog]}


def _post_images(series, images: list[PatchImages] | None) -> dict[int, dict[str, str]]:
    if images is None:
        return {}
    return {p.index: {path: f.post for path, f in patch.files.items() if f.post is not None}
            for p, patch in zip(series.patches, images, strict=True)}


def _given(series) -> list[tuple[int, str]]:
    """(patch, "Name: value") of the trailers vN-1 had: in its own logs (given on an
    earlier round) and in the replies it got (b4's; one to the cover letter counts
    for every patch)."""
    given = [(p.index, f"{t.name}: {t.value}") for p in series.patches
             for t in p.log.trailers if t.name.lower() in CARRIED_KINDS]
    for index, trailers in sorted(series.reply_trailers.items()):
        for patch in [index] if index else [p.index for p in series.patches]:
            given += [(patch, f"{t.name}: {t.value}") for t in trailers
                      if t.name.lower() in CARRIED_KINDS]
    return given


def _carried(given: list[tuple[int, str]], revs: Revisions) -> list[Carried]:
    found: dict[tuple[int, str], Carried] = {}
    for patch, trailer in given:
        new = revs.pairs.get(patch)
        key = (patch, norm(trailer).lower())
        if new is None or key in found:
            continue
        now = {norm(f"{t.name}: {t.value}").lower() for t in new.log.trailers}
        changed = any(c.patch == new.index and not c.log for c in revs.changes)
        found[key] = Carried(patch, trailer, key[1] in now, changed)
    return list(found.values())


def since_previous(after, before, before_images: list[PatchImages] | None = None,
                   after_images: list[PatchImages] | None = None) -> SincePrevious:
    """What the review ``after`` (of vN) says about ``before`` (the review of vN-1);
    the images are each revision's files, whole (None: no base, the diffs only)."""
    old, new = before.series, after.series
    pairs = {o.index: n for o, n in pair_patches(old, new) if o is not None}
    cache: dict = {}
    changes = revision_changes(old, new, before_images, after_images, cache)
    claims = check_claims(new, changes)
    revs = Revisions(before, after, pairs, changes, before_images, after_images, cache)
    points = review_points(old, _post_images(old, before_images), cache)
    return SincePrevious(
        revision=old.version, message_id=old.message_id,
        comments=[Comment(p, judge(p, revs)) for p in points],
        trailers=_carried(_given(old), revs),
        changes=changes, changelog=claims)
