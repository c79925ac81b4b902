"""Apply the hunks of one file's diff to its pre-image text.

Our own applier (no ``git apply``, no subprocess): each hunk must match its
context exactly, at the stated line or shifted by an offset as ``patch`` allows,
so the post-image we analyse is the one the author meant.
"""

from __future__ import annotations

from bot.errors import PatchApplyError
from bot.series import FileDiff, Hunk


def _find(lines: list[str], expected: list[str], start: int) -> int | None:
    """Where ``expected`` occurs, searching outward from ``start``."""
    if not expected:
        return max(0, min(start, len(lines)))
    limit = max(start, len(lines) - start) + 1
    for distance in range(limit):
        for at in (start - distance, start + distance) if distance else (start,):
            if 0 <= at <= len(lines) - len(expected) and lines[at:at + len(expected)] == expected:
                return at
    return None


def _hunk_label(number: int, hunk: Hunk) -> str:
    return (f"hunk #{number} (@@ -{hunk.old_start},{hunk.old_count} "
            f"+{hunk.new_start},{hunk.new_count} @@)")


def apply_file_diff(pre: str, diff: FileDiff, where: str) -> str:
    """The post-image of ``diff`` applied to ``pre``; PatchApplyError names the hunk."""
    lines = pre.split("\n") if pre else []
    trailing_newline = pre.endswith("\n") or not pre
    if pre and trailing_newline:
        lines.pop()
    offset = 0
    for number, hunk in enumerate(diff.hunks, start=1):
        expected = [ln.text for ln in hunk.lines if ln.kind in (" ", "-")]
        replacement = [ln.text for ln in hunk.lines if ln.kind in (" ", "+")]
        nominal = hunk.old_start - 1 if hunk.old_count else hunk.old_start
        at = _find(lines, expected, max(0, nominal + offset))
        if at is None:
            first = expected[0] if expected else ""
            raise PatchApplyError(
                f"{where}: {diff.path}: {_hunk_label(number, hunk)} does not apply "
                f"(context {first.strip()!r} not found)"
            )
        lines[at:at + len(expected)] = replacement
        offset = at - nominal + len(replacement) - len(expected)
    text = "\n".join(lines)
    return text + "\n" if trailing_newline and lines else text
