"""Quote what a finding is about, as a reviewer does in a reply: ``> `` lines.

Code findings quote the hunk around their line, trimmed to the lines before it;
a line outside the diff is shown from the post-image with its number. Commit-log
findings quote the paragraph of the log they concern, a long one only around
the line (``[...]`` for the rest), as reviewers trim.
"""

from __future__ import annotations

import textwrap
from pathlib import PurePosixPath

from bot.series import FileDiff, Finding, Patch
from bot.tree import PatchImages

LINES_BEFORE = 5
LOG_QUOTE_LINES = 4  # of a log paragraph, around the line a remark is about


def _file(patch: Patch, path: str | None) -> FileDiff | None:
    return next((fd for fd in patch.files if fd.path == path), None)


def hunk_excerpt(fd: FileDiff, line: int, image: str = "post") -> list[str] | None:
    """``> `` lines of the hunk that shows ``line``, ending with it; None if none does."""
    for hunk in fd.hunks:
        numbers = [(ln.new_line if image == "post" else ln.old_line) for ln in hunk.lines]
        if line not in numbers:
            continue
        end = numbers.index(line)
        start = max(0, end - LINES_BEFORE)
        header = f"> @@ -{hunk.old_start},{hunk.old_count} +{hunk.new_start},{hunk.new_count} @@"
        out = [header + (f" {hunk.section}" if hunk.section else "")]
        if start:
            out.append("> [...]")
        out += [f"> {ln.kind}{ln.text}".rstrip() for ln in hunk.lines[start:end + 1]]
        return out
    return None


def source_excerpt(text: str, line: int, before: int = 2) -> list[str]:
    """Numbered lines of a file ending at ``line`` (for lines the diff does not show)."""
    lines = text.split("\n")
    start = max(1, line - before)
    return [f"  {n:5d}  {lines[n - 1].expandtabs(8)}".rstrip() for n in range(start, line + 1)
            if n <= len(lines)]


def _paragraph(body: list[str], at: int) -> range:
    start = end = at
    while start > 0 and body[start - 1].strip():
        start -= 1
    while end + 1 < len(body) and body[end + 1].strip():
        end += 1
    return range(start, end + 1)


def _quoted_part(paragraph: range, at: int) -> range:
    """The lines of a paragraph a reviewer quotes for a remark on line ``at``: all of a
    short paragraph, else the line with one before it and the rest of its sentence's
    neighbourhood, LOG_QUOTE_LINES in all."""
    if len(paragraph) <= LOG_QUOTE_LINES:
        return paragraph
    start = min(max(paragraph.start, at - 1), paragraph.stop - LOG_QUOTE_LINES)
    return range(start, start + LOG_QUOTE_LINES)


def log_excerpt(patch: Patch, line: int | None) -> list[str]:
    """``> `` lines of the commit-message paragraph holding ``line`` (1 = subject)."""
    return log_quote(patch, [line])


def log_quote(patch: Patch, lines: list[int | None]) -> list[str]:
    """``> `` lines of the log around ``lines``, in log order: a short paragraph whole,
    a long one only around the lines remarked on, ``[...]`` where lines are left out;
    the subject when none is in the body (findings about the log as a whole)."""
    body = patch.log.body.split("\n")
    wanted: set[int] = set()
    paragraph_of: dict[int, range] = {}
    for line in lines:
        if line and 3 <= line < 3 + len(body):
            paragraph = _paragraph(body, line - 3)
            wanted.update(_quoted_part(paragraph, line - 3))
            paragraph_of.update(dict.fromkeys(paragraph, paragraph))
    if not wanted:
        return [f"> {patch.log.subject}"]
    out: list[str] = []
    last: int | None = None
    for at in sorted(wanted):
        paragraph = paragraph_of[at]
        if last is None or paragraph_of[last] is not paragraph:
            if last is not None:
                out += ["> [...]"] * (last + 1 < paragraph_of[last].stop) + [">"]
            out += ["> [...]"] * (at > paragraph.start)
        elif at != last + 1:
            out.append("> [...]")
        out.append(f"> {body[at]}".rstrip())
        last = at
    if last is not None and last + 1 < paragraph_of[last].stop:
        out.append("> [...]")
    return out


def excerpt(patch: Patch, finding: Finding, images: PatchImages | None) -> list[str]:
    """What to quote above ``finding`` in a reply to ``patch``."""
    if finding.file is None:
        return log_excerpt(patch, finding.line)
    fd = _file(patch, finding.file)
    if fd is None or finding.line is None:
        return [f"> diff --git a/{finding.file} b/{finding.file}"]
    quoted = hunk_excerpt(fd, finding.line, finding.image)
    if quoted is not None:
        return quoted
    where = " before this patch" if finding.image == "pre" else ""
    place = f"{finding.function}()" if finding.function else finding.file
    lines = textwrap.wrap(f"In {place}{where}, outside the diff "
                          f"({PurePosixPath(finding.file).name}:{finding.line}):", 72,
                          break_on_hyphens=False)
    file_images = images.files.get(finding.file) if images else None
    text = None
    if file_images is not None:
        text = file_images.pre if finding.image == "pre" else file_images.post
    return lines + (source_excerpt(text, finding.line) if text else [])
