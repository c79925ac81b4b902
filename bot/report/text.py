"""``--format text``: the review for a terminal, grouped by patch as a reviewer reads."""

from __future__ import annotations

import textwrap

from bot.report import plural
from bot.report.options import DEFAULT, RenderOptions
from bot.series import Finding
from bot.severity import SEVERITIES

MAX_PATH_LINES = 12


def _where(f: Finding) -> str:
    if f.file:
        image = "" if f.image == "post" else " (before the patch)"
        return f"{f.file}:{f.line}{image}" if f.line else f.file
    return f"commit log line {f.line}" if f.line else "series"


def _finding_lines(f: Finding, verbose: bool = False) -> list[str]:
    """A finding with its evidence; a fixed one, labelled ``fixed``, in two lines
    unless ``verbose`` (its trace is history)."""
    label = f.severity if f.active else "fixed"
    status = f" [{f.status}]" if f.status and f.active else ""
    out = [f"  {label}: {f.rule}{status} at {_where(f)}", f"    {f.message}"]
    if not f.active and not verbose:
        return out
    out += [f"    | {line}" for line in f.evidence]
    if f.path:
        shown = f.path if verbose else f.path[:MAX_PATH_LINES]
        steps = ", ".join(f"{loc.line}" + (f" ({loc.note})" if loc.note else "") for loc in shown)
        more = f", ... {len(f.path) - len(shown)} more" if len(f.path) > len(shown) else ""
        out.append(f"    path: {steps}{more}")
    return out


def _since_lines(since, version: int, verbose: bool) -> list[str]:
    """The section on the previous revision: its review points, trailers, changes."""
    lines = [f"since v{since.revision} <{since.message_id}>:"]
    for comment in since.comments:
        point = comment.point
        excerpt = point.text if verbose else textwrap.shorten(point.text, 100,
                                                             placeholder=" ...")
        lines += [f"  {comment.verdict.status}: {point.author} on {point.target.place()}",
                  f'    "{excerpt}"', f"    {comment.verdict.evidence}"]
    for carried in since.trailers:
        lines.append(f"  trailer on patch {carried.patch}: {carried.trailer}: "
                     + (carried.note or ("carried" if carried.carried else "dropped")))
    for change in since.changes:
        what = f"{change.function}()" if change.function else change.file or (
            "the log" if change.log else "the patch")
        said = "" if change.in_changelog else f" [not in the v{version} changelog]"
        lines.append(f"  changed in patch {change.patch}: {what}: {change.summary}{said}")
    for claim in since.changelog:
        if claim.status != "matched":
            lines.append(f'  changelog claim {claim.status}: "{claim.text}"')
    return lines


def render(review, options: RenderOptions = DEFAULT) -> str:
    series = review.series
    lines = [f"lorebot review: {series.subject}",
             f"  v{series.version}, {plural(len(series.patches), 'patch')}, "
             f"<{series.message_id}>",
             f"  base: {review.base or 'none (commit-log rules only)'}"]
    lines += [f"  {moved.describe()}" for moved in review.moved_hunks()] + [""]
    by_patch: dict[int | None, list[Finding]] = {}
    for f in review.findings:
        by_patch.setdefault(f.patch, []).append(f)
    for key in sorted(by_patch, key=lambda k: -1 if k is None else k):
        title = "series" if key is None else next(
            (p.subject for p in series.patches if p.index == key), "cover letter")
        lines.append(title)
        for f in sorted(by_patch[key], key=lambda f: not f.active):  # what is wrong first
            lines.extend(_finding_lines(f, options.verbose))
        lines.append("")
    if review.since_previous is not None:
        lines += _since_lines(review.since_previous, series.version, options.verbose) + [""]
    if review.skipped:
        lines.append("not checked:")
        lines.extend(f"  {s}" for s in review.skipped)
        lines.append("")
    counts = review.counts()
    fixed = sum(1 for f in review.findings if f.status == "fixed")
    summary = ", ".join(plural(counts[s], s) if s != "info" else f"{counts[s]} info"
                        for s in reversed(SEVERITIES))
    lines.append(f"summary: {summary}" + (f"; {fixed} fixed by the series" if fixed else ""))
    return "\n".join(lines) + "\n"
