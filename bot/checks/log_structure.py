"""Structure of the commit message, the checks checkpatch.pl users know.

Lines are numbered as in ``git log --format=%B``: 1 is the subject, the body
starts on line 3.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

from bot.checks.context import PatchContext, make_finding
from bot.series import Finding

_FIXES = re.compile(r'^(?P<sha>[0-9a-fA-F]+) \("(?P<subject>.+)"\)$')
_COMMIT_REF = re.compile(r"\bcommit\s+(?P<sha>[0-9a-f]{6,40})\b(?P<rest>.{0,200})", re.DOTALL)
_REF_TITLE = re.compile(r'^\s*\("(?P<subject>[^"]+?)"\)')
_SUBSYSTEM = re.compile(r"^[^\s:][^:]{0,60}: \S")
_DIFFSTAT = re.compile(r"^\s*(\S+\s+\|\s+\d+|\d+ files? changed)")
_CHANGELOG = re.compile(r"\bv\d+\b|\bchanges?\s+(since|from|in)\b|\bchange\s*log\b", re.I)
_LOG_OUTPUT = re.compile(r"^\s|^>|://|^\[\s*\d+\.\d+\]")
_TRAILER_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*: ")


def body_lines(ctx: PatchContext) -> list[tuple[int, str]]:
    """(message line number, text) of every body line above the trailers."""
    if not ctx.patch.log.body:
        return []
    return [(n, line) for n, line in enumerate(ctx.patch.log.body.split("\n"), start=3)]


def _email(value: str) -> str:
    return parseaddr(value)[1].lower()


def missing_description(rule, ctx: PatchContext) -> list[Finding]:
    if ctx.patch.log.body.strip():
        return []
    return [make_finding(rule, ctx, "The commit log has no description: say what is wrong "
                         "and why this change fixes it, not only the subject.", line=1)]


def signed_off_by(rule, ctx: PatchContext) -> list[Finding]:
    log, message = ctx.patch.log, ctx.patch.message
    sobs = [t for t in log.trailers if t.name.lower() == "signed-off-by"]
    if not sobs:
        return [make_finding(rule, ctx, "Missing Signed-off-by: the author must certify the "
                             "Developer's Certificate of Origin.", line=1)]
    found = []
    author = message.author_email.lower()
    if author and author not in {_email(t.value) for t in sobs}:
        found.append(make_finding(
            rule, ctx, f"No Signed-off-by from the author {message.author}.",
            line=sobs[0].line, evidence=[f"{t.name}: {t.value}" for t in sobs]))
    for n, trailer in enumerate(log.trailers):
        if trailer.name.lower() != "co-developed-by":
            continue
        after = log.trailers[n + 1] if n + 1 < len(log.trailers) else None
        if after is None or after.name.lower() != "signed-off-by" or \
                _email(after.value) != _email(trailer.value):
            found.append(make_finding(
                rule, ctx, f"Co-developed-by: {trailer.value} must be followed at once by "
                "the same person's Signed-off-by.", line=trailer.line))
    return found


def _commit_problem(ctx: PatchContext, sha: str, subject: str) -> str | None:
    """Why ``sha ("subject")`` does not name a commit of --repo, or None if it does."""
    if ctx.repo is None:
        return None
    import pygit2

    try:
        commit = ctx.repo.revparse_single(sha).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError):
        return f"Commit {sha} is not in the repository"
    real = commit.message.split("\n", 1)[0].strip()
    if real != subject.strip():
        return f'Commit {sha} is ("{real}"), not ("{subject}")'
    return None


def fixes_format(rule, ctx: PatchContext) -> list[Finding]:
    found = []
    min_len = int(rule.params.get("min_sha_length", 12))
    for trailer in ctx.patch.log.trailers:
        if trailer.name.lower() != "fixes":
            continue
        match = _FIXES.match(trailer.value)
        problem = None
        if match is None:
            problem = 'Fixes: must read Fixes: <sha> ("<subject>") on one line'
        elif len(match.group("sha")) < min_len:
            problem = f"The Fixes: commit id needs at least {min_len} hex digits"
        else:
            problem = _commit_problem(ctx, match.group("sha"), match.group("subject"))
        if problem:
            found.append(make_finding(rule, ctx, f"{problem}.", line=trailer.line,
                                      evidence=[f"Fixes: {trailer.value}"]))
    return found


def line_length(rule, ctx: PatchContext) -> list[Finding]:
    limit = int(rule.params.get("max", 75))
    long = [(n, line) for n, line in body_lines(ctx)
            if len(line.expandtabs()) > limit and not _LOG_OUTPUT.search(line)
            and not _TRAILER_LIKE.match(line)]
    if not long:
        return []
    first, text = long[0]
    more = f" (and {len(long) - 1} more)" if len(long) > 1 else ""
    return [make_finding(rule, ctx, f"Commit log line {first} is {len(text.expandtabs())} "
                         f"columns, more than {limit}{more}: wrap the prose.", line=first,
                         evidence=[text])]


def commit_reference(rule, ctx: PatchContext) -> list[Finding]:
    found = []
    body = ctx.patch.log.body
    min_len = int(rule.params.get("min_sha_length", 12))
    for match in _COMMIT_REF.finditer(body):
        line = body.count("\n", 0, match.start()) + 3
        sha = match.group("sha")
        rest = " ".join(match.group("rest").split())
        title = _REF_TITLE.match(rest)
        if len(sha) < min_len or title is None:
            problem = (f'Refer to commits as commit <{min_len}+ hex digits> ("subject"): '
                       f"commit {sha}")
        else:
            problem = _commit_problem(ctx, sha, title.group("subject"))
        if problem:
            found.append(make_finding(rule, ctx, f"{problem}.", line=line,
                                      evidence=[f"commit {sha} {rest[:60]}".rstrip()]))
    return found


def subject_shape(rule, ctx: PatchContext) -> list[Finding]:
    prefix, summary = ctx.patch.prefix, ctx.patch.log.subject
    limit = int(rule.params.get("max_length", 75))
    problems = []
    if not any(word.upper() == "PATCH" for word in prefix.tags):
        problems.append("the subject has no [PATCH] prefix")
    if not _SUBSYSTEM.match(summary):
        problems.append('the summary does not start with "subsystem: "')
    if len(summary) > limit:
        problems.append(f"the summary is {len(summary)} characters, more than {limit}")
    if summary.endswith("."):
        problems.append("the summary ends with a period")
    if not problems:
        return []
    return [make_finding(rule, ctx, "Subject: " + "; ".join(problems) + ".", line=1,
                         evidence=[ctx.patch.subject])]


def changelog(rule, ctx: PatchContext) -> list[Finding]:
    version = ctx.series.version
    if version < 2:
        return []
    notes = "\n".join(line for line in ctx.patch.log.notes.split("\n")
                      if not _DIFFSTAT.match(line))
    cover = ctx.series.cover.body if ctx.series.cover else ""
    if _CHANGELOG.search(notes) or _CHANGELOG.search(cover):
        return []
    return [make_finding(rule, ctx, f"v{version} without a changelog: say below the --- line "
                         f"(or in the cover letter) what changed since v{version - 1}.",
                         line=1)]
