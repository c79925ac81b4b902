"""What changed from one revision to the next, per function, and what the changelog says.

A range-diff in words: for each patch (matched by number, else by subject),
each function whose text differs after the patch in the two revisions, with
lines removed and added and the returns and calls that came or went; a changed
commit log; patches new or dropped. The new revision's changelog (``Changes in
v3:``, ``v3:``, ``v2 -> v3:`` notes below ``---`` or in the cover letter) is
split into claims; a claim that names a function or the log is checked
against those changes, so a claim with no matching change is caught.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.c.parse import CSource, cached_parse
from bot.series import FileDiff, Patch, Series
from bot.tree import PatchImages

CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
NOT_CALLS = {"if", "for", "while", "switch", "sizeof", "return", "defined", "typeof"}
LOG_WORDS = re.compile(r"\b(commit (?:log|message)|changelog|(?:the|commit|patch) "
                       r"description|log message|the log|subject|reworded|rewrote the log)\b",
                       re.I)  # "the firmware description" is no log
NAMED_FUNCTION = re.compile(r"\b([A-Za-z_]\w*)\(\)")
HEADING = re.compile(r"^\s*(?:changes?\s+)?(?:(?:in|for)\s+)?(?:(?:since|from)\s+)?"
                     r"v(\d+)(?:\s*(?:->|to|\.\.)\s*v(\d+))?\s*:\s*(.*)$", re.I)
SINCE = re.compile(r"\b(?:since|from)\s+v\d+", re.I)
BULLET = re.compile(r"^\s*(?:[-*o]|\d+[.)])\s+")
DIFFSTAT = re.compile(r"^\s*\S+\s+\|\s+\d+|^\s*\d+ files? changed")
SHORTLOG = re.compile(r"^\S.*\(\d+\):\s*$")  # "Mira Kovac (2):", git's list of the patches


@dataclass
class Change:
    patch: int
    file: str | None  # None: the commit log, or the patch as a whole
    function: str | None
    summary: str
    in_changelog: bool = False
    log: bool = False  # the commit log changed (file and function are None)

    def as_dict(self) -> dict:
        return {"patch": self.patch, "file": self.file, "function": self.function,
                "summary": self.summary, "in_changelog": self.in_changelog}


@dataclass
class Claim:
    patch: int  # 0: the cover letter's changelog
    text: str
    status: str  # matched | unmatched | unclear (names nothing lorebot can check)

    def as_dict(self) -> dict:
        return {"patch": self.patch, "claim": self.text, "status": self.status}


def pair_patches(before: Series, after: Series) -> list[tuple[Patch | None, Patch | None]]:
    """Each patch with its counterpart: the same number and subject, else the one
    patch with that subject (a patch moved), else the same number."""
    by_index = {p.index: p for p in before.patches}
    subjects = [p.log.subject for p in before.patches]
    by_subject = {p.log.subject: p for p in before.patches if subjects.count(p.log.subject) == 1}
    pairs: list[tuple[Patch | None, Patch | None]] = []
    used: set[int] = set()
    for patch in after.patches:
        same = by_index.get(patch.index)
        candidates = [same if same is not None and same.log.subject == patch.log.subject
                      else None, by_subject.get(patch.log.subject), same]
        match = next((c for c in candidates if c is not None and c.index not in used), None)
        if match is not None:
            used.add(match.index)
        pairs.append((match, patch))
    pairs += [(p, None) for p in before.patches if p.index not in used]
    return pairs


def _body(src: CSource, name: str) -> list[str] | None:
    fn = src.function(name)
    if fn is None:
        return None
    return src.text.split("\n")[fn.start_line - 1:fn.end_line]


def _calls(lines: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in CALL.findall("\n".join(lines)):
        if name not in NOT_CALLS:
            counts[name] = counts.get(name, 0) + 1
    return counts


def describe(old: list[str], new: list[str]) -> str:
    """A function's change in words: lines, returns, calls."""
    a, b = [norm_line(x) for x in old], [norm_line(x) for x in new]
    removed = added = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            removed += i2 - i1
            added += j2 - j1
    said = [f"{removed} line{'s' * (removed != 1)} removed, {added} added"]
    returns = (sum("return" in x.split() or "return;" in x for x in a),
               sum("return" in x.split() or "return;" in x for x in b))
    if returns[0] != returns[1]:
        said.append(f"return statements {returns[0]} -> {returns[1]}")
    before, after = _calls(old), _calls(new)
    gone = sorted(set(before) - set(after))
    came = sorted(set(after) - set(before))
    fewer = sorted(n for n in set(before) & set(after) if after[n] < before[n])
    if gone:
        said.append("no longer calls " + ", ".join(f"{n}()" for n in gone))
    if came:
        said.append("now calls " + ", ".join(f"{n}()" for n in came))
    if fewer:
        said.append("fewer calls of " + ", ".join(f"{n}()" for n in fewer))
    return "; ".join(said)


def norm_line(line: str) -> str:
    return " ".join(line.split())


@dataclass(frozen=True)
class _Side:
    """One file in one revision's patch: the patch's diff of it, the file before and after."""

    diff: FileDiff | None = None
    pre: str | None = None
    post: str | None = None


def _effect(pre: list[str] | None, post: list[str] | None) -> list[tuple[list[str], ...]]:
    """What a patch does to a function's lines: each run it removes and adds, without
    where (an earlier patch that moved or changed other lines changes nothing here)."""
    a, b = [norm_line(x) for x in pre or []], [norm_line(x) for x in post or []]
    return [(a[i1:i2], b[j1:j2]) for op, i1, i2, j1, j2 in
            difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes() if op != "equal"]


def _file_changes(index: int, path: str, old: _Side, new: _Side, version: int,
                  cache: dict) -> list[Change]:
    """Per-function changes of one file between the revisions of one patch: those
    whose post-image differs and to which the patch itself does something else
    (not only an earlier patch of the series); the functions compared are those
    either diff touches."""
    if old.post == new.post:
        return []
    if not path.endswith((".c", ".h")) or old.post is None or new.post is None:
        return [Change(index, path, None, "the file's change differs")]
    before, after = cached_parse(cache, old.post), cached_parse(cache, new.post)
    names = list(dict.fromkeys(touched(before, old.diff) + touched(after, new.diff)))
    found = []
    for name in names:
        a, b = _body(before, name), _body(after, name)
        if a == b or _effect(_pre_body(old, name, cache), a) == _effect(
                _pre_body(new, name, cache), b):
            continue
        if a is None:
            found.append(Change(index, path, name, f"new in v{version}"))
        elif b is None:
            found.append(Change(index, path, name, f"gone in v{version}"))
        else:
            found.append(Change(index, path, name, describe(a, b)))
    return found or [Change(index, path, None, "changed outside functions")]


def _pre_body(side: _Side, name: str, cache: dict) -> list[str] | None:
    return _body(cached_parse(cache, side.pre), name) if side.pre is not None else None


def touched(post: CSource, fd: FileDiff | None) -> list[str]:
    """The functions of ``post`` that ``fd``'s hunks fall in (by their post-image span)."""
    names: list[str] = []
    for hunk in fd.hunks if fd is not None else []:
        for line in range(hunk.new_start, hunk.new_start + max(hunk.new_count, 1)):
            fn = post.function_at(line)
            if fn is not None and fn.name not in names:
                names.append(fn.name)
    return names


def _sides(images: list[PatchImages] | None, series: Series, patch: Patch) -> dict:
    """path -> the patch's diff of it and the file before and after the patch."""
    diffs = {fd.path: fd for fd in patch.files}
    if images is None:
        return {}
    return {path: _Side(diffs.get(path), f.pre, f.post) for path, f in
            images[series.patches.index(patch)].files.items()}


def revision_changes(before: Series, after: Series, before_images: list[PatchImages] | None,
                     after_images: list[PatchImages] | None, cache: dict) -> list[Change]:
    """Everything that changed from ``before`` to ``after``, patch by patch (``cache``:
    parses shared with the rest of the comparison)."""
    found: list[Change] = []
    for old, new in pair_patches(before, after):
        if new is None:
            found.append(Change(old.index, None, None, f"dropped in v{after.version}"))
            continue
        if old is None:
            found.append(Change(new.index, None, None, f"new in v{after.version}"))
            continue
        if (old.log.subject, norm_line(old.log.body)) != (new.log.subject,
                                                          norm_line(new.log.body)):
            found.append(Change(new.index, None, None, _log_summary(old, new), log=True))
        old_sides, new_sides = _sides(before_images, before, old), \
            _sides(after_images, after, new)
        for path in dict.fromkeys([fd.path for fd in old.files + new.files]):
            if _diff_of(old, path) == _diff_of(new, path):
                continue  # the same change, wherever earlier patches put its lines
            if old_sides or new_sides:
                found += _file_changes(new.index, path, old_sides.get(path, _Side()),
                                       new_sides.get(path, _Side()), after.version, cache)
            else:
                found.append(Change(new.index, path, None, "the file's change differs"))
    return found


def _diff_of(patch: Patch, path: str) -> list[str]:
    return [f"{ln.kind}{ln.text}" for fd in patch.files if fd.path == path
            for hunk in fd.hunks for ln in hunk.lines]


def _log_summary(old: Patch, new: Patch) -> str:
    if old.log.subject != new.log.subject:
        return f'subject now "{new.log.subject}"'
    a, b = old.log.body.strip().split("\n"), new.log.body.strip().split("\n")
    return f"commit log rewritten ({len(a)} -> {len(b)} lines)"


# the changelog -------------------------------------------------------------------

def _section_version(match: re.Match, line: str) -> int:
    if match.group(2):
        return int(match.group(2))
    version = int(match.group(1))
    return version + 1 if SINCE.search(line) else version


def changelog(notes: str, version: int) -> list[str]:
    """The claims of the ``version`` section of a changelog, one per item; the section
    ends at the next heading, the diffstat or shortlog, or prose after its list."""
    claims: list[str] = []
    inside = bulleted = blank = False
    for line in notes.split("\n"):
        if DIFFSTAT.match(line) or SHORTLOG.match(line):
            break
        heading = HEADING.match(line)
        if heading:
            inside, bulleted = _section_version(heading, line) == version, False
            if inside and heading.group(3).strip():
                claims.append(heading.group(3).strip())
            continue
        if not inside:
            continue
        if not line.strip():
            blank = True
            continue
        if BULLET.match(line) or not claims:
            bulleted = bulleted or bool(BULLET.match(line))
            claims.append(BULLET.sub("", line).strip())
        elif blank and bulleted and not line.startswith((" ", "\t")):
            inside = False  # a paragraph after the list is no longer the changelog
        else:
            claims[-1] += " " + line.strip()
        blank = False
    return claims


def check_claims(after: Series, changes: list[Change]) -> list[Claim]:
    """Each changelog claim of ``after``, matched against ``changes`` (which get
    ``in_changelog`` set when a claim names them)."""
    sources = [(p.index, p.log.notes) for p in after.patches]
    if after.cover is not None:
        sources.insert(0, (0, after.cover.body))
    claims = []
    for index, notes in sources:
        for text in changelog(notes, after.version):
            mine = [c for c in changes if index in (0, c.patch)]
            named = [c for c in mine if _names(text, c)]
            for change in named:
                change.in_changelog = True
            checkable = NAMED_FUNCTION.search(text) or LOG_WORDS.search(text)
            status = "matched" if named else "unmatched" if checkable else "unclear"
            claims.append(Claim(index, text, status))
    return claims


def _names(claim: str, change: Change) -> bool:
    if change.function:
        return re.search(rf"\b{re.escape(change.function)}\b", claim) is not None
    if change.log:
        return LOG_WORDS.search(claim) is not None
    return change.file is not None and change.file.rsplit("/", 1)[-1] in claim
