"""Apply the hunks of one file's diff to its pre-image text, as GNU patch would.

Our own applier (no ``git apply``, no subprocess). Each hunk is looked for at
its stated line, shifted by the offset the previous hunk landed at; else at the
nearest place after the previous hunk that holds its lines; else the same with
one, then two context lines ignored at each end (GNU patch's fuzz 2). Where
every hunk landed is returned, with the hunks renumbered to the lines they
really touch, so reports can say "applied at offset +60" and findings carry the
file's real line numbers.

The search never walks towards the stated line number: the file's lines are
indexed once, and a hunk is tried only where its rarest line occurs. A hunk
that cannot be placed is an error naming it, as is one whose stated line is
further from where its text is than the whole file is long (a header like
``@@ -99999999999,6`` does not describe this file).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import PatchApplyError
from bot.series import FileDiff, Hunk, HunkLine

MAX_FUZZ = 2


@dataclass(frozen=True)
class Placement:
    """Where one hunk applied, in the pre-image's line numbers."""

    hunk: int  # 1-based number of the hunk in the file's diff
    stated: int  # the old-side line its header names
    line: int  # the old-side line it starts at in this file
    fuzz: int = 0  # context lines ignored at each end to make it apply

    @property
    def offset(self) -> int:
        return self.line - self.stated

    @property
    def moved(self) -> bool:
        return self.offset != 0 or self.fuzz != 0


@dataclass
class AppliedDiff:
    """The post-image, the hunks as they applied (real line numbers), and where."""

    text: str
    hunks: list[Hunk]
    placements: list[Placement]


def hunk_label(number: int, hunk: Hunk) -> str:
    return (f"hunk #{number} (@@ -{hunk.old_start},{hunk.old_count} "
            f"+{hunk.new_start},{hunk.new_count} @@)")


def _split(text: str) -> tuple[list[str], bool]:
    """Lines without their ends, and whether the text ended with one."""
    if not text:
        return [], True
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
        return lines, True
    return lines, False


def _context_ends(hunk: Hunk) -> tuple[int, int]:
    """How many context lines open and close the hunk (what fuzz may ignore)."""
    kinds = [ln.kind for ln in hunk.lines]
    lead = next((n for n, k in enumerate(kinds) if k != " "), len(kinds))
    trail = next((n for n, k in enumerate(reversed(kinds)) if k != " "), len(kinds))
    return lead, trail


class _File:
    """The pre-image's lines as ids, with an index built the first time a hunk moved."""

    def __init__(self, lines: list[str]):
        self.numbers: dict[str, int] = {}
        self.ids = [self.numbers.setdefault(line, len(self.numbers)) for line in lines]
        self._where: dict[int, list[int]] | None = None

    def ids_of(self, lines: list[str]) -> list[int]:
        return [self.numbers.get(line, -1) for line in lines]

    def where(self) -> dict[int, list[int]]:
        if self._where is None:
            self._where = {}
            for at, line_id in enumerate(self.ids):
                self._where.setdefault(line_id, []).append(at)
        return self._where

    def locate(self, block: list[int], guess: int, low: int) -> int | None:
        """Start of ``block`` at ``low`` or after, nearest ``guess`` (later first on ties)."""
        size, high = len(block), len(self.ids) - len(block)
        if not block:
            return guess if low <= guess <= len(self.ids) else None
        if low <= guess <= high and self.ids[guess:guess + size] == block:
            return guess
        if -1 in block:  # a line the file does not have at all
            return None
        where = self.where()
        anchor = min(range(size), key=lambda k: len(where.get(block[k], ())))
        starts = [at - anchor for at in where.get(block[anchor], ())
                  if low <= at - anchor <= high]
        starts.sort(key=lambda at: (abs(at - guess), at < guess))
        return next((at for at in starts if self.ids[at:at + size] == block), None)


def _why_not(text: _File, hunk: Hunk) -> str:
    """What keeps a hunk from applying, in words a reviewer can check."""
    lead, trail = _context_ends(hunk)
    core = hunk.lines[min(MAX_FUZZ, lead):len(hunk.lines) - min(MAX_FUZZ, trail)]
    absent = next((ln.text for ln in core
                   if ln.kind != "+" and text.numbers.get(ln.text) is None), None)
    if absent is not None:
        return f"its line {absent.strip()!r} is nowhere in the file"
    return (f"its lines are not together after the previous hunk, even ignoring {MAX_FUZZ} "
            "context lines at each end")


def _renumbered(hunk: Hunk, lines: list[HunkLine], old: int, new: int) -> Hunk:
    """``lines`` of ``hunk`` numbered from 0-based ``old``/``new`` positions."""
    numbered = []
    o, n = old + 1, new + 1
    for line in lines:
        numbered.append(HunkLine(line.kind, line.text, o if line.kind != "+" else None,
                                 n if line.kind != "-" else None))
        o += line.kind != "+"
        n += line.kind != "-"
    old_count = sum(ln.kind != "+" for ln in lines)
    new_count = sum(ln.kind != "-" for ln in lines)
    return Hunk(old + 1 if old_count else old, old_count, new + 1 if new_count else new,
                new_count, hunk.section, numbered)


def apply_file_diff(pre: str, diff: FileDiff, where: str) -> AppliedDiff:
    """``diff`` applied to ``pre``; PatchApplyError names the hunk that cannot be placed."""
    lines, trailing_newline = _split(pre)
    text = _File(lines)
    out: list[str] = []
    hunks: list[Hunk] = []
    placements: list[Placement] = []
    done = 0  # pre-image lines consumed (copied or replaced) so far
    drift = 0  # where the previous hunk landed minus where it said it would
    growth = 0  # post-image lines minus pre-image lines so far
    for number, hunk in enumerate(diff.hunks, start=1):
        nominal = hunk.old_start - 1 if hunk.old_count else hunk.old_start
        lead, trail = _context_ends(hunk)
        found = None
        for fuzz in range(MAX_FUZZ + 1):
            top, bottom = min(fuzz, lead), min(fuzz, trail)
            if fuzz and (top, bottom) == (min(fuzz - 1, lead), min(fuzz - 1, trail)):
                continue  # nothing more to ignore
            kept = hunk.lines[top:len(hunk.lines) - bottom]
            block = text.ids_of([ln.text for ln in kept if ln.kind != "+"])
            at = text.locate(block, max(0, nominal + drift) + top, done)
            if at is not None:
                found = (at, fuzz, top, kept, len(block))
                break
        label = hunk_label(number, hunk)
        if found is None:
            raise PatchApplyError(f"{where}: {diff.path}",
                                  f"{label} does not apply: {_why_not(text, hunk)}")
        at, fuzz, top, kept, size = found
        placement = Placement(number, hunk.old_start, at - top + (1 if hunk.old_count else 0),
                              fuzz)
        if abs(placement.offset) > max(len(lines), 1):
            raise PatchApplyError(
                f"{where}: {diff.path}", f"{label} names line {hunk.old_start}, but its lines "
                f"are at {placement.line}: further off than the file is long "
                f"({len(lines)} lines)")
        drift = at - top - nominal
        out.extend(lines[done:at])
        out.extend(ln.text for ln in kept if ln.kind != "-")
        stated_new = hunk.new_start - 1 if hunk.new_count else hunk.new_start
        as_stated = not fuzz and at == nominal and at + growth == stated_new
        hunks.append(hunk if as_stated else _renumbered(hunk, kept, at, at + growth))
        placements.append(placement)
        growth += sum(ln.kind == "+" for ln in kept) - sum(ln.kind == "-" for ln in kept)
        done = at + size
    out.extend(lines[done:])
    joined = "\n".join(out)
    return AppliedDiff(joined + "\n" if trailing_newline and out else joined, hunks,
                       placements)
