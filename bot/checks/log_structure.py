"""Structure of the commit message, the checks checkpatch.pl users know.

Lines are numbered as in ``git log --format=%B``: 1 is the subject, the body
starts on line 3. Errors are kept for what maintainers reject a patch for: no
Signed-off-by from the author, a malformed Fixes:, an empty log on a
non-trivial change. A Fixes: or commit reference to a commit the repository
lacks is no error: the repository may be a mirror or a subsystem tree.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from functools import cache

from bot.checks.context import PatchContext, make_finding
from bot.series import Finding


@cache
def rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compiled on first use, once per process (start-up pays for none)."""
    return re.compile(pattern, flags)


_FIXES = r'^(?P<sha>[0-9a-fA-F]{4,40}) \("(?P<subject>.+)"\)$'
_COMMIT_REF = r"\bcommit\s+(?P<sha>[0-9a-f]{6,40})\b(?P<rest>.{0,200})"
_REF_TITLE = r'^\s*\("(?P<subject>.+?)"\)'
# lines git or stable tooling write themselves
_GIT_WRITTEN = (r"This reverts commit [0-9a-f]{7,40}|\(cherry picked from commit|"
                r"\[\s*[Uu]pstream commit|^commit [0-9a-f]{7,40} upstream\.?$")
_SUBSYSTEM = r"^[^\s:][^:]{0,60}: \S"
_DIFFSTAT = r"^\s*(\S+\s+\|\s+\d+|\d+ files? changed)"
_CHANGELOG = r"\bv\d+\b|\bchanges?\s+(since|from|in)\b|\bchange\s*log\b"
_TRAILER_LIKE = r"^[A-Za-z][A-Za-z0-9-]*: "
# compiler, checker or kernel output, or a shell command line ("$ spatch ..."),
# quoted without indentation
_TOOL_OUTPUT = (r"^\s|^>|://|^\[\s*\d+\.\d+\]|^\S+:\d+(:\d+)?:|^\S*/\S*:\s|"
                r"\+0x[0-9a-f]+/0x|^\S{40,}|^(CPU|RIP|Call Trace|Hardware name|Workqueue):|"
                r"\b(0x)?[0-9a-f]{16}\b|[\w\])~]\$ \S|^\(?\$ \S")


def is_tool_output(line: str) -> bool:
    """A quoted kernel log, splat, compiler or checker line rather than prose."""
    return rx(_TOOL_OUTPUT).search(line) is not None


def body_lines(ctx: PatchContext) -> list[tuple[int, str]]:
    """(message line number, text) of every body line above the trailers."""
    if not ctx.patch.log.body:
        return []
    return [(n, line) for n, line in enumerate(ctx.patch.log.body.split("\n"), start=3)]


def _email(value: str) -> str:
    return parseaddr(value)[1].lower()


def changed_lines(ctx: PatchContext) -> int:
    return sum(1 for fd in ctx.patch.files for h in fd.hunks for line in h.lines
               if line.kind != " ")


def missing_description(rule, ctx: PatchContext) -> list[Finding]:
    if ctx.patch.log.body.strip():
        return []
    trivial = changed_lines(ctx) <= int(rule.params.get("trivial_lines", 2))
    return [make_finding(rule, ctx, "The commit log has no description: say what is wrong "
                         "and why this change fixes it, not only the subject.", line=1,
                         severity="warning" if trivial else rule.severity)]


def signed_off_by(rule, ctx: PatchContext) -> list[Finding]:
    log, message = ctx.patch.log, ctx.patch.message
    sobs = [t for t in log.trailers if t.name.lower() == "signed-off-by"]
    if not sobs:
        return [make_finding(rule, ctx, "Missing Signed-off-by: the author must certify the "
                             "Developer's Certificate of Origin.", line=1)]
    found = []
    author = message.author_email.lower()
    if author and author not in {_email(t.value) for t in sobs}:
        same_name = message.author_name and message.author_name.lower() in {
            parseaddr(t.value)[0].lower() for t in sobs}
        text = (f"The author {message.author} signs off with another address."
                if same_name else f"No Signed-off-by from the author {message.author}.")
        found.append(make_finding(
            rule, ctx, text, line=sobs[0].line, severity="info" if same_name else rule.severity,
            evidence=[f"{t.name}: {t.value}" for t in sobs]))
    for n, trailer in enumerate(log.trailers):
        if trailer.name.lower() != "co-developed-by":
            continue
        after = log.trailers[n + 1] if n + 1 < len(log.trailers) else None
        if after is None or after.name.lower() != "signed-off-by" or \
                _email(after.value) != _email(trailer.value):
            found.append(make_finding(
                rule, ctx, f"Co-developed-by: {trailer.value} must be followed at once by "
                "the same person's Signed-off-by.", line=trailer.line, severity="warning"))
    return found


def _commit_problem(ctx: PatchContext, sha: str, subject: str) -> tuple[str, str] | None:
    """(severity, why) ``sha ("subject")`` does not name a commit of --repo, or None."""
    if ctx.repo is None:
        return None
    import pygit2

    try:
        commit = ctx.repo.revparse_single(sha).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError):
        return "info", (f"Commit {sha} is not in this repository (a mirror or another "
                        "tree may lack it; in a full kernel tree the id is wrong)")
    real = " ".join(commit.message.split("\n", 1)[0].split())
    if real != " ".join(subject.split()):
        return "warning", f'Commit {sha} is ("{real}"), not ("{subject}")'
    return None


def fixes_format(rule, ctx: PatchContext) -> list[Finding]:
    found = []
    min_len = int(rule.params.get("min_sha_length", 12))
    for trailer in ctx.patch.log.trailers:
        if trailer.name.lower() != "fixes":
            continue
        # a full stop after the closing parenthesis is prose habit, not a broken tag
        match = rx(_FIXES).match(rx(r"\)\.$").sub(")", trailer.value.strip()))
        problem: tuple[str, str] | None = None
        if match is None:
            problem = rule.severity, 'Fixes: must read Fixes: <sha> ("<subject>") on one line'
        elif len(match.group("sha")) < min_len:
            problem = "warning", f"The Fixes: commit id needs at least {min_len} hex digits"
        else:
            problem = _commit_problem(ctx, match.group("sha"), match.group("subject"))
        if problem:
            found.append(make_finding(rule, ctx, f"{problem[1]}.", line=trailer.line,
                                      severity=problem[0],
                                      evidence=[f"Fixes: {trailer.value}"]))
    return found


def line_length(rule, ctx: PatchContext) -> list[Finding]:
    limit = int(rule.params.get("max", 75))
    long = [(n, line) for n, line in body_lines(ctx)
            if len(line.expandtabs()) > limit and not is_tool_output(line)
            and not rx(_TRAILER_LIKE).match(line) and not rx(_GIT_WRITTEN).search(line)]
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
    for match in rx(_COMMIT_REF, re.DOTALL).finditer(body):
        line_start = body.rfind("\n", 0, match.start()) + 1
        line_end = body.find("\n", match.start())
        line_text = body[line_start:line_end if line_end >= 0 else None]
        if rx(_GIT_WRITTEN).search(line_text) or line_text.startswith((" ", "\t", ">")):
            continue
        line = body.count("\n", 0, match.start()) + 3
        sha = match.group("sha")
        rest = " ".join(match.group("rest").split())
        title = rx(_REF_TITLE).match(rest)
        if len(sha) < min_len or title is None:
            problem: tuple[str, str] | None = (rule.severity, (
                f'Refer to commits as commit <{min_len}+ hex digits> ("subject"): '
                f"commit {sha}"))
        else:
            problem = _commit_problem(ctx, sha, title.group("subject"))
        if problem:
            found.append(make_finding(rule, ctx, f"{problem[1]}.", line=line,
                                      severity=problem[0],
                                      evidence=[f"commit {sha} {rest[:60]}".rstrip()]))
    return found


def subject_shape(rule, ctx: PatchContext) -> list[Finding]:
    """The summary phrase (after ``subsystem: driver:``) is what the 75 characters are for."""
    from bot.checks.log_kind import summary_phrase

    prefix, summary = ctx.patch.prefix, ctx.patch.log.subject
    limit = int(rule.params.get("max_length", 75))
    phrase = summary_phrase(summary)
    problems = []
    if not any(word.upper() == "PATCH" for word in prefix.tags):
        problems.append("the subject has no [PATCH] prefix")
    if not rx(_SUBSYSTEM).match(summary) and not summary.startswith('Revert "'):
        problems.append('the summary does not start with "subsystem: "')
    if len(phrase) > limit:
        problems.append(f"the summary phrase is {len(phrase)} characters, more than {limit}")
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
                      if not rx(_DIFFSTAT).match(line))
    cover = ctx.series.cover.body if ctx.series.cover else ""
    changelog_words = rx(_CHANGELOG, re.I)
    if changelog_words.search(notes) or changelog_words.search(cover):
        return []
    return [make_finding(rule, ctx, f"v{version} without a changelog: say below the --- line "
                         f"(or in the cover letter) what changed since v{version - 1}.",
                         line=1)]
