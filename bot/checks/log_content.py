"""What the commit log says: the problem, the functions changed, mood, origin, spelling.

Cue-based and explainable: the log is split into sentences, each sentence is
scored with the cue lists of the rule packs (``log_*_cues`` settings), and a
finding says which part is missing and quotes the closest sentence.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from bot.checks.context import PatchContext, make_finding
from bot.checks.log_structure import body_lines
from bot.series import Finding

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])|\n\s*\n")
_FUNCTION_NAME = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_WORD = re.compile(r"[A-Za-z][a-z]+(?:'[a-z]+)?")
_COMMENT = re.compile(r"/\*+(.*?)(\*/|$)|//(.*)$")


@cache
def _cue_regex(cues: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(" + "|".join(cues) + r")(?![\w-])", re.IGNORECASE)


def _cues(rule, name: str) -> re.Pattern[str]:
    return _cue_regex(tuple(rule.pack.shared.get(name, [])))


@dataclass
class Sentence:
    text: str
    line: int
    problem: list[str]
    when: list[str]
    effect: list[str]
    action: bool

    def score(self) -> int:
        if not self.problem:
            return 0
        weight = 1 if self.action else 2
        return weight * len(self.problem) + min(1, len(self.when)) + min(1, len(self.effect))


def prose_sentences(ctx: PatchContext) -> list[tuple[int, str]]:
    """(line, sentence) of the log prose; indented lines (quoted logs, code) are left out."""
    chunks: list[tuple[int, list[str]]] = []
    for line, text in body_lines(ctx):
        if not text.strip() or text.startswith((" ", "\t", ">")):
            chunks.append((line, []))
            continue
        if not chunks or not chunks[-1][1]:
            chunks.append((line, []))
        chunks[-1][1].append(text.strip())
    out = []
    for line, words in chunks:
        paragraph = " ".join(words)
        for sentence in _SENTENCE_END.split(paragraph):
            if sentence and sentence.strip():
                out.append((line, sentence.strip()))
    return out


def analyse(rule, ctx: PatchContext) -> list[Sentence]:
    problem, when, effect = (_cues(rule, f"log_{k}_cues") for k in ("problem", "when",
                                                                       "effect"))
    actions = _cue_regex(tuple(rule.pack.shared.get("log_action_verbs", [])))
    return [Sentence(text, line, problem.findall(text), when.findall(text),
                     effect.findall(text), bool(actions.match(text)))
            for line, text in prose_sentences(ctx)]


def _found(matches) -> list[str]:
    return [m if isinstance(m, str) else m[0] for m in matches]


def states_problem(rule, ctx: PatchContext) -> list[Finding]:
    sentences = analyse(rule, ctx)
    threshold = int(rule.params.get("min_score", 3))
    if any(s.score() >= threshold for s in sentences):
        return []
    missing = []
    if not any(s.problem for s in sentences):
        missing.append("what goes wrong (a failure, a wrong state, a missing capability)")
    if not any(s.when for s in sentences if s.problem):
        missing.append("when it happens")
    if not any(s.effect for s in sentences if s.problem):
        missing.append("what it leads to")
    closest = max(sentences, key=lambda s: (s.score(), len(s.when) + len(s.effect)),
                  default=None)
    evidence = [f'closest: "{closest.text}"'] if closest else []
    if closest and closest.problem:
        evidence.append("problem words found: " + ", ".join(_found(closest.problem)))
    missing = missing or ["enough about the problem"]
    said = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " or " + missing[-1]
    return [make_finding(
        rule, ctx, "The commit log says what the patch does but not what problem it solves: "
        f"it does not say {said}.",
        line=closest.line if closest else 1, evidence=evidence)]


def _mentioned(name: str, log: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", log) is not None


def changed_functions(ctx: PatchContext) -> list[str]:
    """Functions that existed before the patch and whose lines it changes."""
    names: list[str] = []
    for fd in ctx.patch.files:
        if not fd.is_c:
            continue
        images = ctx.images.files.get(fd.path) if ctx.images else None
        if images is not None and images.pre is not None and images.post is not None:
            from bot.c.parse import cached_parse, functions_touched

            pre = cached_parse(ctx.cache, images.pre)
            post = cached_parse(ctx.cache, images.post)
            found = [n for n in functions_touched(pre, post, fd) if pre.function(n)]
        else:  # no tree: the hunk header names the function the hunk starts in
            found = [m.group(1) for h in fd.hunks
                     if _changes_header_function(h) and (m := _FUNCTION_NAME.search(h.section))]
        names.extend(n for n in found if n not in names)
    return names


def _changes_header_function(hunk) -> bool:
    """Whether a change comes before the header's function closes (a ``}`` in column 0)."""
    for line in hunk.lines:
        if line.kind != " ":
            return True
        if line.text.startswith("}"):
            return False
    return False


def covers_changes(rule, ctx: PatchContext) -> list[Finding]:
    log = ctx.patch.log.subject + "\n" + ctx.patch.log.body
    silent = [n for n in changed_functions(ctx) if not _mentioned(n, log)]
    if not silent:
        return []
    names = ", ".join(f"{n}()" for n in silent)
    return [make_finding(
        rule, ctx, f"The log never mentions {names}, which the patch changes: say what "
        "changes there and why, or the reviewer has to guess.", line=1,
        evidence=[f"changed and not named: {names}"])]


def impact(rule, ctx: PatchContext) -> list[Finding]:
    log = ctx.patch.log
    is_fix = bool(log.trailer_values("Fixes")) or re.search(r"\bfix", log.subject, re.I)
    if not is_fix:
        return []
    sentences = analyse(rule, ctx)
    if any(s.problem and (s.effect or s.when) for s in sentences):
        return []
    return [make_finding(rule, ctx, "This is a fix, but the log does not say what the user "
                         "sees: what breaks, when, and on which hardware or configuration.",
                         line=1)]


def _first_hit(rule, ctx: PatchContext, setting: str, anchored: bool) -> tuple[int, str] | None:
    cues = _cues(rule, setting)
    for line, sentence in prose_sentences(ctx):
        if (cues.match(sentence) if anchored else cues.search(sentence)):
            return line, sentence
    return None


def imperative(rule, ctx: PatchContext) -> list[Finding]:
    hit = _first_hit(rule, ctx, "log_not_imperative", anchored=True)
    if hit is None:
        return []
    return [make_finding(rule, ctx, "Describe the change in imperative mood, as if giving "
                         "orders to the code base (\"Add ...\", not \"This patch adds ...\").",
                         line=hit[0], evidence=[f'"{hit[1]}"'])]


def self_contained(rule, ctx: PatchContext) -> list[Finding]:
    hit = _first_hit(rule, ctx, "log_not_self_contained", anchored=False)
    if hit is None:
        return []
    return [make_finding(rule, ctx, "The log leans on another posting or the cover letter; "
                         "it must stand on its own in git history.", line=hit[0],
                         evidence=[f'"{hit[1]}"'])]


def fixes_tag_expected(rule, ctx: PatchContext) -> list[Finding]:
    if ctx.patch.log.trailer_values("Fixes"):
        return []
    cues = _cues(rule, "log_known_origin")
    for line, text in body_lines(ctx):
        match = cues.search(text)
        if match:
            return [make_finding(rule, ctx, f"The log points at the origin of the bug "
                                 f"(\"{match.group(0)}\") but has no Fixes: tag.", line=line,
                                 evidence=[text.strip()])]
    cc_stable = [t for t in ctx.patch.log.trailers if cues.search(t.value)]
    if cc_stable:
        return [make_finding(rule, ctx, "Cc: stable without a Fixes: tag: say which commit "
                             "introduced the bug.", line=cc_stable[0].line)]
    return []


def _prefix(subject: str) -> str | None:
    parts = subject.split(": ")
    if len(parts) < 2:
        return None
    return ": ".join(parts[:-1]) + ":"


def learned_prefixes(repo, paths: list[str], history: int, start=None) -> Counter:
    """Subject prefixes of recent commits that changed any of ``paths``."""
    import pygit2

    counts: Counter = Counter()
    try:
        head = start or repo.head.target
    except pygit2.GitError:
        return counts
    for n, commit in enumerate(repo.walk(head, pygit2.enums.SortMode.TIME)):
        if n >= history:
            break
        parent_tree = commit.parents[0].tree if commit.parents else None
        for path in paths:
            try:
                now = commit.tree[path].id
            except KeyError:
                now = None
            try:
                before = parent_tree[path].id if parent_tree is not None else None
            except KeyError:
                before = None
            if now != before:
                prefix = _prefix(commit.message.split("\n", 1)[0])
                if prefix:
                    counts[prefix] += 1
                break
    return counts


def subject_prefix(rule, ctx: PatchContext) -> list[Finding]:
    if ctx.repo is None or not ctx.patch.files:
        return []
    key = ("prefixes", tuple(ctx.paths))
    if key not in ctx.cache:
        ctx.cache[key] = learned_prefixes(ctx.repo, [fd.old_path or fd.path
                                                     for fd in ctx.patch.files],
                                          int(rule.params.get("history", 300)))
    counts = ctx.cache[key]
    if not counts:
        return []
    best, n = counts.most_common(1)[0]
    if n < int(rule.params.get("min_commits", 2)) or ctx.patch.log.subject.startswith(best + " "):
        return []
    return [make_finding(rule, ctx, f"Recent commits to {ctx.paths[0]} use the prefix "
                         f"\"{best}\" ({n} of {sum(counts.values())}); this subject has "
                         f"\"{_prefix(ctx.patch.log.subject) or 'none'}\".", line=1)]


@cache
def misspellings() -> dict[str, str]:
    """codespell's main dictionary: misspelling -> suggestion(s)."""
    from importlib.resources import files

    table: dict[str, str] = {}
    text = files("codespell_lib").joinpath("data", "dictionary.txt").read_text("utf-8")
    for entry in text.splitlines():
        wrong, _, right = entry.partition("->")
        if right and "disabled" not in right:
            table[wrong] = right.rstrip(", ").strip()
    return table


def _added_comments(ctx: PatchContext) -> list[tuple[str, int, str]]:
    found = []
    for fd in ctx.patch.files:
        for hunk in fd.hunks:
            for line in hunk.lines:
                if line.kind == "+" and (m := _COMMENT.search(line.text) or
                                         (line.text.lstrip().startswith("*") and line)):
                    text = line.text if m is line else (m.group(1) or m.group(3) or "")
                    found.append((fd.path, line.new_line or 0, text))
    return found


def spelling(rule, ctx: PatchContext) -> list[Finding]:
    table = misspellings()
    found = []
    places = [(None, n, text) for n, text in [(1, ctx.patch.log.subject), *body_lines(ctx)]]
    places += _added_comments(ctx)
    for path, line, text in places:
        for word in _WORD.findall(text):
            right = table.get(word.lower())
            if right:
                where = {"file": path, "line": line} if path else {"line": line}
                found.append(make_finding(rule, ctx, f"\"{word}\" may be misspelled: "
                                          f"{right}?", evidence=[text.strip()], **where))
    return found
