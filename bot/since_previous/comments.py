"""The review a revision got: reviewers' replies split into points, and trailers.

A reply is read as reviewers write them: quoted lines of the patch or its log,
then their own words about what they quoted. Each such run is one point, and
its quote is located in the patch it answers: the diff lines it matches (their
line in the post-image, the function holding them) or the commit log. Trailers
(Reviewed-by, Acked-by, Tested-by) are no points; b4 collects them
(``Series.reply_trailers``). The series author's own replies and lorebot's are not review.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from bot.c.parse import cached_parse
from bot.series import FileDiff, Message, Patch, Series

TRAILER = re.compile(r"^\s*(Reviewed-by|Acked-by|Tested-by):\s*(\S.*?)\s*$", re.I)
QUOTE = re.compile(r"^\s*>")
QUOTE_MARKS = re.compile(r"^\s*(?:>\s?)+")
ATTRIBUTION = re.compile(r"\bwrote:\s*$")
# "Otherwise looks fine.", "LGTM": approval, nothing to act on
APPROVAL = re.compile(r"^(?:(?:otherwise|apart from that|other than that|with that fixed|"
                      r"the rest)\W*)?(?:(?:this|it|the patch|the rest|everything else) )?"
                      r"(?:looks|seems|is) (?:good|fine|ok|okay|sane|reasonable|correct)"
                      r"(?: to me)?\W*$|^lgtm\W*$", re.I)
NAME_WORDS = re.compile(r"^[^\W\d_][\w .,'!-]*$")  # "Thanks,", "Jon", "Best regards"
EXCERPT_CHARS = 300
MIN_REWRAPPED = 24  # characters of log text a re-wrapped quote must hold to count


@dataclass
class Target:
    """What a point answers: lines of a patch's diff, its log, or the patch as a whole."""

    patch: int
    file: str | None = None
    line: int | None = None  # in the post-image of the previous revision
    function: str | None = None
    log: bool = False
    quoted: list[str] = field(default_factory=list)  # the quoted lines it matched, normalised
    lines: list[int] = field(default_factory=list)  # their lines (post-image, or log lines)

    def place(self) -> str:
        """Where, in words: "hv_irq_unmask() (pci-hyperv.c:106)", "the log of patch 1"."""
        if self.log:
            return f"the log of patch {self.patch}"
        if self.file is None:
            return "the cover letter" if self.patch == 0 else f"patch {self.patch}"
        at = f"{self.file.rsplit('/', 1)[-1]}:{self.line}" if self.line else self.file
        return f"{self.function}() ({at})" if self.function else at

    def as_dict(self) -> dict:
        if self.log:
            return {"patch": self.patch, "log": True}
        if self.file is None:
            return {"patch": self.patch}
        return {"patch": self.patch, "file": self.file, "line": self.line,
                "function": self.function}


@dataclass
class Point:
    """One point of a reply: the reviewer's words and what they answer."""

    author: str
    message_id: str
    text: str
    target: Target


def norm(text: str) -> str:
    return " ".join(text.split())


def _blocks(body: str) -> list[tuple[bool, list[str]]]:
    """(quoted?, lines) runs of a mail body, the signature left out."""
    blocks: list[tuple[bool, list[str]]] = []
    for line in body.split("\n"):
        if line.rstrip() == "--":
            break
        quoted = bool(QUOTE.match(line))
        text = QUOTE_MARKS.sub("", line) if quoted else line
        if blocks and blocks[-1][0] == quoted:
            blocks[-1][1].append(text)
        else:
            blocks.append((quoted, [text]))
    return blocks


def _own_words(lines: list[str]) -> str:
    """A reviewer's text without the attribution, greeting and sign-off lines."""
    kept = [ln for ln in lines if not ATTRIBUTION.search(ln)]
    paragraphs = [p for p in "\n".join(kept).split("\n\n") if p.strip()]
    if paragraphs and _is_salutation(paragraphs[-1]):
        paragraphs.pop()
    if paragraphs and _is_salutation(paragraphs[0]) and paragraphs[0].rstrip().endswith(","):
        paragraphs.pop(0)
    return norm(" ".join(paragraphs))


def _is_salutation(paragraph: str) -> bool:
    """"Lorin", "Thanks,\nBjorn", "Hi Dexter,": short lines that say nothing to act on."""
    lines = [ln.strip() for ln in paragraph.strip().split("\n")]
    return len(lines) <= 2 and all(len(ln.split()) <= 3 and NAME_WORDS.match(ln)
                                   for ln in lines)  # not "s/foo/bar/" nor "Why?"


def split_reply(body: str) -> tuple[list[tuple[list[str], str]], list[str]]:
    """(quote, own words) points of a reply, and the trailers it gives."""
    points: list[tuple[list[str], str]] = []
    trailers: list[str] = []
    quote: list[str] = []
    for quoted, lines in _blocks(body):
        if quoted:
            quote = quote + lines  # quotes split only by blank lines are one
            continue
        own = []
        for line in lines:
            match = TRAILER.match(line)
            if match:
                trailers.append(f"{match.group(1)}: {match.group(2)}")
            else:
                own.append(line)
        words = _own_words(own)
        if words and not APPROVAL.match(words):
            points.append((quote, words))
        if words or any(line.strip() for line in own):
            quote = []
    if trailers:  # a tester's or acker's words carry their trailer, not a point
        points = [(q, w) for q, w in points if q]
    return points, trailers


# locating a quote ---------------------------------------------------------------

@dataclass(frozen=True)
class _DiffLine:
    kind: str
    key: str
    new_line: int | None
    old_line: int | None


def _diff_lines(fd: FileDiff) -> list[_DiffLine]:
    return [_DiffLine(ln.kind, norm(ln.text), ln.new_line, ln.old_line)
            for hunk in fd.hunks for ln in hunk.lines]


def _quoted_keys(quote: list[str]) -> list[tuple[str | None, str]]:
    """(diff marker or None, normalised text) of each quoted line worth matching."""
    keys = []
    for line in quote:
        if line.startswith(("@@", "diff --git", "index ", "--- a/", "+++ b/")):
            continue
        marker = line[0] if line[:1] in ("+", "-") else None
        key = norm(line[1:] if marker or line.startswith(" ") else line)
        if key:
            keys.append((marker, key))
    return keys


def _best_window(keys: list[tuple[str | None, str]], flat: list[_DiffLine]) -> list[int]:
    """Indexes into ``flat`` of the quoted lines, at the place that matches most of them."""
    best: list[int] = []
    for start in range(len(flat)):
        hits = [start + k for k, (marker, key) in enumerate(keys)
                if start + k < len(flat) and flat[start + k].key == key
                and marker in (None, flat[start + k].kind)]
        if len(hits) > len(best):
            best = hits
    return best


def _post_line(flat: list[_DiffLine], at: int) -> int | None:
    """The post-image line of a quoted diff line (a removed one: the line after it)."""
    for item in flat[at:]:
        if item.new_line is not None:
            return item.new_line
    return next((item.new_line for item in reversed(flat[:at]) if item.new_line), None)


def _log_lines(patch: Patch) -> list[tuple[int, str]]:
    """(message line, normalised text): the subject is line 1, the body starts on 3."""
    lines = [(1, norm(patch.log.subject))]
    lines += [(3 + i, norm(text)) for i, text in enumerate(patch.log.body.split("\n"))]
    return [(n, t) for n, t in lines if t]


def locate(quote: list[str], patch: Patch, post_images: dict[str, str],
           cache: dict | None = None) -> Target:
    """Where in ``patch`` the quoted lines are: the diff, the log, or nowhere known
    (``cache``: parses of the post-images, shared)."""
    keys = _quoted_keys(quote)
    log = _log_lines(patch)
    log_hits = [n for n, text in log if any(key == text for _, key in keys)]
    best: tuple[FileDiff, list[_DiffLine], list[int]] | None = None
    for fd in patch.files:
        flat = _diff_lines(fd)
        hits = _best_window(keys, flat)
        if hits and (best is None or len(hits) > len(best[2])):
            best = (fd, flat, hits)
    enough = max(1, (len(keys) + 1) // 2)
    if best is not None and len(best[2]) >= enough and len(best[2]) >= len(log_hits):
        fd, flat, hits = best
        line = _post_line(flat, hits[-1])
        text = post_images.get(fd.path)
        function = None
        if text is not None and line is not None:
            found = cached_parse({} if cache is None else cache, text).function_at(line) \
                if fd.is_c else None
            function = found.name if found else None
        return Target(patch.index, fd.path, line, function,
                      quoted=[flat[i].key for i in hits if flat[i].kind != "-"],
                      lines=[flat[i].new_line for i in hits if flat[i].new_line])
    if len(log_hits) >= enough and log_hits:
        return Target(patch.index, log=True, quoted=[key for _, key in keys], lines=log_hits)
    rewrapped = _rewrapped_log(keys, log)
    if rewrapped:
        return Target(patch.index, log=True, quoted=[key for _, key in keys], lines=rewrapped)
    return Target(patch.index)


def _rewrapped_log(keys: list[tuple[str | None, str]], log: list[tuple[int, str]]) -> list[int]:
    """The log lines a quote holds when the reviewer's mailer wrapped them anew: the
    quote's words in order are part of the log's (a sentence or more of it)."""
    quoted = " ".join(key for _, key in keys)
    if len(quoted) < MIN_REWRAPPED or quoted not in " ".join(text for _, text in log):
        return []
    return [n for n, text in log if text in quoted or quoted in text
            or text[:MIN_REWRAPPED] in quoted or text[-MIN_REWRAPPED:] in quoted]


# the replies of a revision ------------------------------------------------------

def _patch_of(reply: Message, series: Series) -> int | None:
    """The patch a reply (at any depth) answers: the last patch in its references;
    0 for the cover letter; None when it is about none of this revision."""
    by_id = {p.message.message_id: p.index for p in series.patches}
    if series.cover is not None:
        by_id[series.cover.message_id] = 0
    chain = [*reply.references, reply.in_reply_to or ""]
    return next((by_id[ref] for ref in reversed(chain) if ref in by_id), None)


def is_review(reply: Message, series: Series) -> bool:
    """Someone else's reply: not the series author's own, not lorebot's."""
    authors = {p.message.author_email.lower() for p in series.patches}
    return reply.author_email.lower() not in authors and \
        not reply.message_id.startswith("lorebot-")


def review_points(series: Series, post_images: dict[int, dict[str, str]],
                  cache: dict | None = None) -> list[Point]:
    """Every reviewer's point on ``series``, in thread order (the trailers they gave
    are b4's to find: ``Series.reply_trailers``).

    ``post_images`` maps a patch index to its files' post-images (to name the
    function a quoted line is in).
    """
    points: list[Point] = []
    patches = {p.index: p for p in series.patches}
    for reply in series.replies:
        index = _patch_of(reply, series)
        if index is None or not is_review(reply, series):
            continue
        said, gave = split_reply(reply.body)
        for quote, words in said:
            target = locate(quote, patches[index], post_images.get(index, {}), cache) \
                if index in patches and quote else Target(index)
            if gave and target.file is None and not target.log:
                continue  # a tester's report on the series, given with their trailer
            points.append(Point(reply.author, reply.message_id,
                                textwrap.shorten(words, EXCERPT_CHARS, placeholder=" ..."),
                                target))
    return points
