"""Quote what a finding is about, as a reviewer does in a reply: ``> `` lines.

Code findings quote the hunk around their line, trimmed to the lines before it;
a line outside the diff is shown from the post-image with its number. Commit-log
findings quote the paragraph of the log they concern.
"""

from __future__ import annotations

import textwrap

from bot.series import FileDiff, Finding, Patch
from bot.tree import PatchImages

LINES_BEFORE = 5


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


def log_excerpt(patch: Patch, line: int | None) -> list[str]:
    """``> `` lines of the commit-message paragraph holding ``line`` (1 = subject)."""
    if not line or line < 3:
        return [f"> {patch.log.subject}"]
    body = patch.log.body.split("\n")
    at = min(line - 3, len(body) - 1)
    if at < 0:
        return [f"> {patch.log.subject}"]
    start = at
    while start > 0 and body[start - 1].strip():
        start -= 1
    end = at
    while end + 1 < len(body) and body[end + 1].strip():
        end += 1
    return [f"> {text}".rstrip() for text in body[start:end + 1]]


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
    where = "before" if finding.image == "pre" else "after"
    place = f"{finding.function}()" if finding.function else finding.file
    lines = textwrap.wrap(f"In {place}, {where} this patch ({finding.file}:{finding.line}, "
                          "outside the quoted diff):", 72, break_on_hyphens=False) + [""]
    file_images = images.files.get(finding.file) if images else None
    text = None
    if file_images is not None:
        text = file_images.pre if finding.image == "pre" else file_images.post
    return lines + (source_excerpt(text, finding.line) if text else [])
