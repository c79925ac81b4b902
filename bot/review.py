"""Run every rule on every patch of a series and collect the findings.

The orchestration only: which rules apply to which patch, which could not run
and why. What a rule checks lives in its kind's module.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from bot.checks import Rule, kind_module
from bot.checks.context import PatchContext
from bot.series import Finding, Series
from bot.severity import SEVERITIES, severity_rank
from bot.tree import BaseTree, MovedHunk, PatchImages, iter_images, last_reads, series_images


@dataclass
class Review:
    """What a review found on a series, what it could not check, and what it ran."""

    series: Series
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rules or files not checked, and why
    base: str | None = None  # what the pre-images came from
    rules: list[Rule] = field(default_factory=list)  # what was run (for SARIF, footers)
    # per patch: where hunks moved, and the file texts its findings quote (the rest dropped)
    images: list[PatchImages] | None = None
    since_previous: Any = None  # bot.since_previous.SincePrevious when vN-1 is known

    def active(self) -> list[Finding]:
        """Findings that are still problems after the series (not the ones it fixed)."""
        return [f for f in self.findings if f.active]

    def counts(self) -> dict[str, int]:
        """How many active findings of each severity."""
        active = self.active()
        return {s: sum(1 for f in active if f.severity == s) for s in SEVERITIES}

    def moved_hunks(self) -> list[MovedHunk]:
        """Hunks that applied away from their stated line or with fuzz (every report says so)."""
        return [m for images in self.images or [] for m in images.moved]

    def fails(self, fail_on: str) -> bool:
        if fail_on == "never":
            return False
        return any(severity_rank(f.severity) >= severity_rank(fail_on) for f in self.active())


def _keep(rule: Rule, finding: Finding) -> bool:
    return not (rule.report == "introduced" and finding.status == "preexisting")


def _release(cache: dict[Any, Any], images: PatchImages | None, number: int,
             last_read: dict[str, int]) -> None:
    """Drop the parses (trees, graphs) of patch ``number``'s files that no later patch
    reads: its pre-images, and its post-images of files the series does not touch again."""
    if images is None:
        return
    from bot.c.parse import release_parse

    for path, files in images.files.items():
        if files.pre is not None:
            release_parse(cache, files.pre)
        if files.post is not None and last_read[path] <= number:
            release_parse(cache, files.post)


def _for_quoting(images: PatchImages, findings: list[Finding]) -> PatchImages:
    """``images`` with only the file texts ``findings`` may quote (a line outside the diff
    is shown from them); the others are dropped, so a long series is not kept as text."""
    wanted = {(f.file, f.image) for f in findings if f.file and f.line}
    files = {path: dataclasses.replace(f, pre=f.pre if (path, "pre") in wanted else None,
                                       post=f.post if (path, "post") in wanted else None)
             for path, f in images.files.items()}
    return dataclasses.replace(images, files=files)


def _check_patch(review: Review, rules: list[Rule], ctx: PatchContext,
                 skipped_rules: list[str]) -> None:
    """Every rule that applies to ``ctx``'s patch; findings and skips go into ``review``."""
    for rule in rules:
        if not rule.applies_to_patch(ctx.paths):
            continue
        module = kind_module(rule.kind)
        if module.NEEDS_TREE and ctx.images is None:
            if rule.id not in skipped_rules:
                skipped_rules.append(rule.id)
            continue
        with ctx.analysing(", ".join(ctx.paths)):  # a failure costs this rule its findings only
            review.findings.extend(f for f in module.check(rule, ctx) if _keep(rule, f))
    for what, why in ctx.unanalysed.items():  # once, whichever rules tripped on it
        review.skipped.append(f"patch {ctx.patch.index}: could not analyse {what}: {why}")


def review_series(series: Series, rules: list[Rule], base: BaseTree | None = None,
                  repo: Any = None, previous_findings: list[Finding] | None = None) -> Review:
    """Findings of ``rules`` on ``series``; code rules need ``base`` for the file images.

    Patches are taken one at a time: a patch's file texts are built when its turn
    comes, and its parses and texts are let go once no later patch or finding needs them.
    When the series knows its previous revision, the review says what became of
    that revision's review (``since_previous``); ``previous_findings`` are its
    findings as remembered (watch), else it is reviewed here too.
    """
    images = iter_images(series, base) if base is not None else None
    review = Review(series, base=base.description if base else None, rules=list(rules),
                    images=[] if images is not None else None)
    cache: dict[Any, Any] = {}
    last_read = last_reads(series)
    skipped_rules: list[str] = []
    for number, patch in enumerate(series.patches):
        patch_images = next(images) if images is not None else None
        first = len(review.findings)
        if patch.index in series.carried:  # a partial reroll's unchanged patch
            review.skipped.append(f"patch {patch.index}: unchanged since "
                                  f"v{series.carried[patch.index]} (partial reroll), "
                                  "reviewed there")
        else:
            if patch_images is not None:
                review.skipped.extend(f"patch {patch.index}: {path}: {why}; code rules skipped"
                                      for path, why in patch_images.skipped.items())
            # Rules see the hunks where they applied, so their lines are the file's.
            placed = patch_images.patch if patch_images is not None else None
            _check_patch(review, rules, PatchContext(series, placed or patch, patch_images, repo,
                                                     cache, base=base), skipped_rules)
            _release(cache, patch_images, number, last_read)
        if review.images is not None:
            review.images.append(_for_quoting(patch_images, review.findings[first:]))
    if skipped_rules:
        review.skipped.append("code rules not run (no --repo or --tree to build the files "
                              "before and after): " + ", ".join(skipped_rules))
    if series.previous is not None:
        _since_previous(review, rules, base, repo, previous_findings)
    return review


def _since_previous(review: Review, rules: list[Rule], base: BaseTree | None, repo: Any,
                    remembered: list[Finding] | None) -> None:
    """What became of vN-1's review: vN-1 reviewed now, or its findings remembered.
    Both revisions' files are built again whole: the comparison reads any function."""
    from bot.errors import LorebotError
    from bot.since_previous import since_previous

    previous = review.series.previous
    try:
        before = review_series(previous, rules, base, repo) if remembered is None else \
            Review(previous, list(remembered), rules=list(rules))
        images = (series_images(previous, base), series_images(review.series, base)) \
            if base is not None else (None, None)
        review.since_previous = since_previous(review, before, *images)
    except LorebotError as exc:  # v(N-1) does not apply here: the rest of the review stands
        review.skipped.append(f"since v{previous.version}: {exc}")
