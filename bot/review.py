"""Run every rule on every patch of a series and collect the findings.

The orchestration only: which rules apply to which patch, which could not run
and why. What a rule checks lives in its kind's module.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bot.checks import Rule, kind_module
from bot.checks.context import PatchContext
from bot.series import SEVERITIES, Finding, Series, severity_rank
from bot.tree import BaseTree, MovedHunk, PatchImages, series_images


@dataclass
class Review:
    series: Series
    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rules or files not checked, and why
    base: str | None = None  # what the pre-images came from
    rules: list[Rule] = field(default_factory=list)  # what was run (for SARIF, footers)
    images: list[PatchImages] | None = None  # per patch, for quoting source lines

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


def _texts(images: PatchImages | None) -> set[str]:
    """The file texts one patch's rules may parse: its files before and after."""
    if images is None:
        return set()
    return {text for f in images.files.values() for text in (f.pre, f.post) if text is not None}


def _release(cache: dict[Any, Any], images: PatchImages | None, uses: Counter[str]) -> None:
    """Drop the parses (trees, graphs) of texts no later patch reads: memory stays flat."""
    if images is None:
        return
    from bot.c.parse import release_parse

    for text in _texts(images):
        uses[text] -= 1
        if not uses[text]:
            release_parse(cache, text)


def review_series(series: Series, rules: list[Rule], base: BaseTree | None = None,
                  repo: Any = None) -> Review:
    """Findings of ``rules`` on ``series``; code rules need ``base`` for the file images."""
    images = series_images(series, base) if base is not None else None
    review = Review(series, base=base.description if base else None, rules=list(rules),
                    images=images)
    cache: dict[Any, Any] = {}
    uses = Counter(text for number, patch in enumerate(series.patches)
                   if images is not None and patch.index not in series.carried
                   for text in _texts(images[number]))
    skipped_rules: list[str] = []
    for number, patch in enumerate(series.patches):
        if patch.index in series.carried:  # a partial reroll's unchanged patch
            review.skipped.append(f"patch {patch.index}: unchanged since "
                                  f"v{series.carried[patch.index]} (partial reroll), "
                                  "reviewed there")
            continue
        patch_images = images[number] if images is not None else None
        # Rules see the hunks where they applied, so their lines are the file's.
        placed = patch_images.patch if patch_images is not None else None
        ctx = PatchContext(series, placed or patch, patch_images, repo, cache)
        if patch_images is not None:
            review.skipped.extend(f"patch {patch.index}: {path}: {why}; code rules skipped"
                                  for path, why in patch_images.skipped.items())
        for rule in rules:
            if not rule.applies_to_patch(ctx.paths):
                continue
            module = kind_module(rule.kind)
            if module.NEEDS_TREE and patch_images is None:
                if rule.id not in skipped_rules:
                    skipped_rules.append(rule.id)
                continue
            with ctx.analysing(", ".join(ctx.paths)):  # a failure costs this rule its findings only
                review.findings.extend(f for f in module.check(rule, ctx) if _keep(rule, f))
        for what, why in ctx.unanalysed.items():  # once, whichever rules tripped on it
            review.skipped.append(f"patch {patch.index}: could not analyse {what}: {why}")
        _release(cache, patch_images, uses)
    if skipped_rules:
        review.skipped.append("code rules not run (no --repo or --tree to build the files "
                              "before and after): " + ", ".join(skipped_rules))
    return review
