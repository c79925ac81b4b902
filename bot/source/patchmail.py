"""Split a patch mail into subject prefix, commit log, notes and parsed diff.

The layout is what ``git format-patch`` and ``git am`` agree on: the log up to
the first ``---`` line, notes (changelog, diffstat) until the diff starts, the
diff, then an optional ``-- `` signature. ``base-commit:`` may stand anywhere
after the log.
"""

from __future__ import annotations

import re

import unidiff

from bot.errors import InputError
from bot.series import CommitLog, FileDiff, Hunk, HunkLine, Message, Patch, Prefix, Trailer

MAX_SUBJECT_CHARS = 2048
MAX_SUBJECT_BRACKETS = 64
MAX_NUMBER_DIGITS = 4  # as b4's counters: at most 9999 patches, and versions alike

_PREFIX_GROUPS = re.compile(r"^(\s*\w{2,4}:)?(\s*\[[^\]]*\])+")
_VERSION_WORD = re.compile(r"(?i)(?<![a-z0-9])(?:patch)?v(\d+)(?![a-z0-9])")
_COUNTER_WORD = re.compile(r"(?<![\d/])(\d+)/(\d+)(?![\d/])")
_DIFF_START = re.compile(r"^(diff --git |Index: |--- (a/|/dev/null))", re.MULTILINE)
_BASE_COMMIT = re.compile(r"^base-commit:\s*([0-9a-fA-F]{7,40})\s*$", re.MULTILINE)
_TRAILER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]):\s*(.*)$")
_HUNK_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")
_INDEX = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+)", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # never raw in a file name git writes
_KNOWN_TRAILERS = {"fixes", "link", "cc", "closes", "buglink", "bug", "message-id", "reported",
                   "signed-off-by"}
# lines git and maintainers put among the trailers: "(cherry picked from commit X)"
# (git cherry-pick -x) and "[name: what I changed]" notes of whoever applied it
_TRAILER_NOTE = re.compile(r"^\s*(\[[^\]]+\]|\(cherry picked from commit [0-9a-fA-F]{7,40}\))\s*$")
_IN_BODY_HEADER = re.compile(r"^(From|Subject|Date):\s*(.*)$")


def subject_problem(subject: str) -> str | None:
    """Why a subject is past what we hand to b4's subject parser, or None.

    b4 reads counters of at most four digits and versions of any length (a
    5,000-digit ``vN`` makes ``int()`` raise), and its nested-bracket clean-up
    grows with the cube of the brackets (4,000 characters of ``[a`` take 30 s):
    so the subject's length, its brackets and the numbers in its leading
    ``[...]`` groups are checked first.
    """
    if subject.count("[") > MAX_SUBJECT_BRACKETS:
        return f"a subject with more than {MAX_SUBJECT_BRACKETS} '[' in it"
    groups = _PREFIX_GROUPS.match(subject)
    prefix = groups.group(0) if groups else ""
    for digits in _VERSION_WORD.findall(prefix):
        if len(digits) > MAX_NUMBER_DIGITS:
            return f"version v{_short(digits)} (more than {MAX_NUMBER_DIGITS} digits)"
    for index, total in _COUNTER_WORD.findall(prefix):
        if len(index) > MAX_NUMBER_DIGITS or len(total) > MAX_NUMBER_DIGITS:
            return (f"patch {_short(index)}/{_short(total)} (a series has at most "
                    f"{10 ** MAX_NUMBER_DIGITS - 1} patches)")
    if len(subject) > MAX_SUBJECT_CHARS:
        return f"a subject of {len(subject)} characters (more than {MAX_SUBJECT_CHARS})"
    return None


def _short(digits: str) -> str:
    return digits if len(digits) <= 12 else f"{digits[:6]}...({len(digits)} digits)"


def lore_subject(subject: str):
    """b4's reading of a subject (reply, revision, counters, prefixes); bounds checked."""
    from bot.b4lib import b4

    problem = subject_problem(subject)
    if problem:
        raise InputError(f"subject not read as a patch's: {problem}")
    return b4.LoreSubject(subject)


def parse_prefix(subject: str) -> tuple[Prefix, str]:
    """``[RFC PATCH v2 3/7] sub: summary`` -> (Prefix, ``sub: summary``), as b4 reads it.

    b4 also reads ``[PATCHv3]`` as version 3 and drops ``Re:``.
    """
    lsubject = lore_subject(subject)
    prefix = Prefix(lsubject.revision, lsubject.counter, lsubject.expected, lsubject.rfc,
                    tuple(lsubject.prefixes), present=bool(lsubject.prefixes))
    return prefix, lsubject.subject.strip()


def has_diff(body: str) -> bool:
    return bool(_DIFF_START.search(body))


def looks_like_patch(message: Message) -> bool:
    """A patch or cover letter, as opposed to a reply or unrelated mail."""
    if subject_problem(message.subject):
        return False
    lsubject = lore_subject(message.subject)
    if lsubject.reply:
        return False
    return lsubject.patch or lsubject.rfc or has_diff(message.body)


def split_body(body: str) -> tuple[str, str, str]:
    """(log, notes, diff) of a patch mail body."""
    body = strip_signature(body)
    diff_at = _DIFF_START.search(body)
    head, diff = (body[: diff_at.start()], body[diff_at.start():]) if diff_at else (body, "")
    lines = head.split("\n")
    try:
        cut = next(i for i, line in enumerate(lines) if line.rstrip() == "---")
    except StopIteration:
        return head.strip("\n"), "", diff
    return "\n".join(lines[:cut]).strip("\n"), "\n".join(lines[cut + 1:]).strip("\n"), diff


def strip_signature(body: str) -> str:
    """Drop the ``-- `` mail signature (git version) that ends a patch mail."""
    lines = body.split("\n")
    for i in range(len(lines) - 1, -1, -1):
        if lines[i] == "-- ":
            return "\n".join(lines[:i]) + "\n"
    return body


def _is_trailer(line: str) -> bool:
    """``Token: value`` where the token is a known trailer or hyphenated (Foo-by)."""
    match = _TRAILER.match(line)
    return bool(match) and ("-" in match.group(1) or match.group(1).lower() in _KNOWN_TRAILERS)


def _last_paragraph(lines: list[str], end: int) -> tuple[int, int]:
    """(start, end) of the last non-blank paragraph of ``lines[:end]``."""
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start > 0 and lines[start - 1].strip():
        start -= 1
    return start, end


def parse_log(subject: str, log_text: str, notes: str, diff: str) -> CommitLog:
    """The commit log with its trailer block separated from the prose."""
    lines = log_text.split("\n")
    start, end = _last_paragraph(lines, len(lines))
    while start > 0 and all(_TRAILER_NOTE.match(line) for line in lines[start:end]):
        start, end = _last_paragraph(lines, start)  # a cherry-pick line after the block
    cut = end
    while cut > start and (_is_trailer(lines[cut - 1]) or _TRAILER_NOTE.match(lines[cut - 1]) or (
            lines[cut - 1].startswith((" ", "\t")) and cut - 1 > start)):
        cut -= 1
    while cut < end and not _is_trailer(lines[cut]):
        cut += 1  # a block never starts with a continuation line
    trailers = [Trailer(m.group(1), m.group(2).strip(), n + 3)
                for n in range(cut, end) if (m := _TRAILER.match(lines[n]))]
    body_lines = lines[:cut] if trailers else lines[:end]
    return CommitLog(
        subject=subject,
        body="\n".join(body_lines).strip("\n"),
        trailers=trailers,
        notes=notes,
        base_commit=stated_base_commit(notes + "\n" + diff),
    )


def stated_base_commit(text: str) -> str | None:
    """The commit a ``base-commit:`` line of a patch or cover letter names."""
    base = _BASE_COMMIT.search(text)
    return base.group(1).lower() if base else None


def parse_diff(diff: str, where: str) -> list[FileDiff]:
    """Each file's change, parsed with unidiff; a malformed diff is an InputError."""
    if not diff.strip():
        return []
    text = _BASE_COMMIT.split(diff)[0] if "base-commit:" in diff else diff
    # unidiff skips a header it cannot read (and the hunk with it): refuse instead.
    bad = next((ln for ln in text.split("\n")
                if ln.startswith("@@") and not _HUNK_HEADER.match(ln)), None)
    if bad is not None:
        raise InputError(f"{where}: malformed hunk header {bad[:80]!r}")
    try:
        patchset = unidiff.PatchSet(text)
    except unidiff.UnidiffParseError as exc:
        raise InputError(f"{where}: malformed diff: {exc}") from None
    files = [file_diff(pf) for pf in patchset]
    seen: set[str] = set()
    for fd in files:  # git writes one per file; each copy would be reviewed again
        for name in (fd.old_path, fd.new_path):
            if name and _CONTROL.search(name):  # git quotes these; no file system takes NUL
                raise InputError(f"{where}: a file name with a control character "
                                 f"({name[:80]!r})")
        if fd.path in seen:
            raise InputError(f"{where}: {fd.path} has more than one diff section")
        seen.add(fd.path)
    return files


def _strip_ab(name: str | None) -> str | None:
    if not name or name == "/dev/null":
        return None
    name = name.strip('"')
    return name[2:] if name.startswith(("a/", "b/")) else name


def file_diff(pf: unidiff.PatchedFile) -> FileDiff:
    info = str(pf.patch_info or "")
    index = _INDEX.search(info)
    old = None if pf.is_added_file else _strip_ab(pf.source_file)
    new = None if pf.is_removed_file else _strip_ab(pf.target_file)
    hunks = [
        Hunk(
            old_start=h.source_start,
            old_count=h.source_length,
            new_start=h.target_start,
            new_count=h.target_length,
            section=h.section_header or "",
            lines=[
                HunkLine(line.line_type, line.value.rstrip("\n"), line.source_line_no,
                         line.target_line_no)
                for line in h
                if line.line_type in (" ", "+", "-")
            ],
        )
        for h in pf
    ]
    return FileDiff(
        old_path=old,
        new_path=new,
        old_blob=index.group(1) if index and not pf.is_added_file else None,
        new_blob=index.group(2) if index and not pf.is_removed_file else None,
        binary=bool(getattr(pf, "is_binary_file", False)),
        rename=bool(pf.is_rename),
        hunks=hunks,
    )


def apply_in_body_headers(message: Message, body: str) -> str:
    """Honour ``From:``/``Subject:`` lines at the top of the body, as git am does."""
    lines = body.lstrip("\n").split("\n")
    consumed = 0
    for line in lines:
        match = _IN_BODY_HEADER.match(line)
        if not match:
            break
        consumed += 1
        if match.group(1) == "From":
            from email.utils import parseaddr

            name, addr = parseaddr(match.group(2))
            if addr:
                message.author_name, message.author_email = name, addr
        elif match.group(1) == "Subject":
            message.subject = match.group(2).strip()
    if consumed and consumed < len(lines) and not lines[consumed].strip():
        return "\n".join(lines[consumed + 1:])
    return body


def parse_patch(message: Message) -> Patch:
    """A `Patch` from a decoded patch mail."""
    body = apply_in_body_headers(message, message.body)
    prefix, summary = parse_prefix(message.subject)
    log_text, notes, diff = split_body(body)
    where = f"patch {prefix.index}/{prefix.total} ({message.message_id or message.subject})"
    log = parse_log(summary, log_text, notes, diff)
    return Patch(message=message, prefix=prefix, log=log, files=parse_diff(diff, where),
                 diff_text=diff)
