"""What the commit log says: the problem, the functions changed, mood, origin, spelling.

Cue-based and explainable: the log is split into sentences, each sentence is
scored with the cue lists of the rule packs (``log_*_cues`` settings), and a
finding says which part is missing and quotes the closest sentence. What a log
must say depends on the kind of patch (``log_kind``): a fix says what goes
wrong, a feature or cleanup what it does. Regular expressions are compiled on
first use, once per process.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from bot.checks.context import PatchContext, make_finding
from bot.checks.log_kind import (
    FIX,
    OTHER,
    REVERT,
    SAYS_WHAT,
    PatchKind,
    patch_kind,
    summary_phrase,
)
from bot.checks.log_structure import body_lines, is_tool_output, rx
from bot.series import Finding

_SENTENCE_END = r"(?<=[.!?])\s+(?=[A-Z(\"'])|\n\s*\n"
_REVERT_LINE = r"^This reverts commit [0-9a-f]{7,40}\.?"


@cache
def _cue_regex(cues: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(" + "|".join(cues or ("(?!)",)) + r")(?![\w-])",
                      re.IGNORECASE)


def _cues(rule, name: str) -> re.Pattern[str]:
    return _cue_regex(tuple(rule.pack.shared.get(name, [])))


@dataclass
class Sentence:
    text: str
    line: int
    problem: list[str]
    when: list[str]
    effect: list[str]
    reason: list[str]
    action: bool

    def score(self) -> int:
        if not self.problem:
            return 0
        weight = 1 if self.action else 3
        return weight * len(self.problem) + min(1, len(self.when)) + min(1, len(self.effect))


_STRAY_TAG = r"^[A-Z][\w-]*-I[dD]: \S+$"


def prose_sentences(ctx: PatchContext) -> list[tuple[int, str]]:
    """(line, sentence) of the log prose; indented lines (quoted logs, code), quoted
    mail, tool output and stray tags ("Change-Id: I0123...", "Message-Id: <...>")
    are left out."""
    chunks: list[tuple[int, list[str]]] = []
    for line, text in body_lines(ctx):
        if not text.strip() or text.startswith((" ", "\t", ">")) or is_tool_output(text) \
                or rx(_STRAY_TAG).match(text):
            chunks.append((line, []))
            continue
        if not chunks or not chunks[-1][1]:
            chunks.append((line, []))
        chunks[-1][1].append(text.strip())
    out = []
    for line, words in chunks:
        paragraph = " ".join(words)
        for sentence in rx(_SENTENCE_END).split(paragraph):
            if sentence and sentence.strip():
                out.append((line, sentence.strip()))
    return out


# What follows an order's verb: an article, a pronoun, or a name from the code
# ("Zero pp->mask", "Program DW_IC_RX_TL", "Raise PMBUS_PAGES", "Write 4 to").
_OBJECT_START = (r"(?i:the|a|an|this|that|these|those|it|its|them|all|each|every|both|any)\b|"
                 r"\w+\(\)|\w*[_\d]\w*|\w+(->|\.)\w|[A-Z]{2,}\w*\b")


# Words that join an order to the one before it ("Moreover reset the index").
_TRANSITION = (r"^(moreover|additionally|furthermore|in addition|besides|while at it|"
               r"while here)\b,?\s*")


def is_action(text: str, actions: re.Pattern[str], openers: frozenset[str]) -> bool:
    """An imperative sentence: a listed verb, or any other word followed by its object
    ("Redirty the pages", "Flush the cache"); ``openers`` open statements instead."""
    text = rx(_TRANSITION, re.I).sub("", text, count=1)
    if actions.match(text):
        return True
    first, _, rest = text.partition(" ")
    return first.isalpha() and first.lower() not in openers and \
        not first.lower().endswith("ing") and rx(_OBJECT_START).match(rest) is not None


# In an order, what follows one of these is the problem it answers ("Move x out of
# y to avoid a deadlock", "Take the lock since z can run concurrently").
_PURPOSE = (r"\b(in order to|to avoid|to prevent|to fix|so that|otherwise|because|since|"
            r"as it|as they)\b")


def _sentence(text: str, line: int, cues: dict[str, re.Pattern[str]],
              actions: re.Pattern[str], openers: frozenset[str]) -> Sentence:
    action = is_action(text, actions, openers)
    order, why = text, ""
    if action and (m := rx(_PURPOSE, re.I).search(text)) is not None:
        order, why = text[:m.start()], text[m.start():]
    problem = cues["problem"].findall(order) if action else cues["problem"].findall(text)
    sentence = Sentence(text, line, problem, cues["when"].findall(text),
                        cues["effect"].findall(text), cues["reason"].findall(text), action)
    if why and (told := cues["problem"].findall(why)):
        sentence.problem = problem + told * 2  # stated as the purpose: full weight
    return sentence


def analyse(rule, ctx: PatchContext) -> list[Sentence]:
    key = ("log-sentences", id(ctx.patch))
    if key not in ctx.cache:
        cues = {k: _cues(rule, f"log_{k}_cues") for k in ("problem", "when", "effect",
                                                            "reason")}
        actions = _cues(rule, "log_action_verbs")
        openers = frozenset(rule.pack.shared.get("log_statement_openers", []))
        ctx.cache[key] = [_sentence(text, line, cues, actions, openers)
                          for line, text in prose_sentences(ctx)]
    return ctx.cache[key]


def kind_of(rule, ctx: PatchContext) -> PatchKind:
    key = ("log-kind", id(ctx.patch))
    if key not in ctx.cache:
        ctx.cache[key] = patch_kind(ctx.patch, rule.pack.shared)
    return ctx.cache[key]


def shows_output(rule, ctx: PatchContext) -> bool:
    """The log quotes a splat, a sanitizer report or tool output: it shows what goes wrong."""
    cues = _cues(rule, "log_splat_cues")
    return any(cues.search(text) for _, text in body_lines(ctx))


def _found(matches) -> list[str]:
    return [m if isinstance(m, str) else m[0] for m in matches]


def _said(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def explains(rule, sentences: list[Sentence]) -> bool:
    """The log tells more than its orders, in a way the cue scores miss: a statement
    about the world ("The field is two bytes wide in the firmware", "With MLO the
    state depends on which link starts first"), or an order that names the old
    behaviour or its cause ("... instead of overwriting the register", "... since
    the link may be off channel", "... to get the correct capability"). A maintainer
    reads the problem from these; the rule only speaks up on logs made of bare orders."""
    clauses = _cues(rule, "log_explaining_clauses")
    return any(not s.action or clauses.search(s.text) for s in sentences)


def states_problem(rule, ctx: PatchContext) -> list[Finding]:
    kind = kind_of(rule, ctx)
    if kind.name in SAYS_WHAT or not ctx.patch.log.body.strip():
        return []  # an empty log is log-description's finding
    sentences = analyse(rule, ctx)
    if kind.name == REVERT:
        if any(not rx(_REVERT_LINE).match(s.text) for s in sentences):
            return []
        return [make_finding(rule, ctx, "A revert must say why: what the reverted commit "
                             "broke, or why it is not wanted.", line=3,
                             evidence=[f"kind: {kind.reason}"])]
    threshold = int(rule.params.get("min_score", 3))
    if any(s.score() >= threshold for s in sentences) or shows_output(rule, ctx):
        return []
    if kind.name == FIX and _cues(rule, "log_symptom_cues").search(
            summary_phrase(ctx.patch.log.subject)):
        return []  # "fix a NULL dereference in x()": the subject says what goes wrong
    if kind.name == OTHER and any(s.reason or (s.problem and not s.action) for s in sentences):
        return []  # a reason, or a problem told apart from the action, is enough here
    if explains(rule, sentences):
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
    evidence.append(f"kind: {kind.name} ({kind.reason})")
    said = _said(missing or ["enough about the problem"])
    lead = ("This is a fix, but the log says what the patch does and not what goes wrong"
            if kind.name == FIX else
            "The log says what the patch does but not what problem it solves or why "
            "it is needed")
    return [make_finding(rule, ctx, f"{lead}: it does not say {said}.",
                         line=closest.line if closest else 1, evidence=evidence)]


def _mentioned(name: str, log: str) -> bool:
    return rx(rf"\b{re.escape(name)}\b").search(log) is not None


def _told_in_words(name: str, log: str) -> bool:
    """The log names the function in prose: every word of its name after the driver
    prefix, of four letters or more and at least two of them, starts a word of the log
    (ksmbd_conn_wait_idle(): "waits until the connection is idle"; one word such as
    "read" is too common to tell)."""
    parts = [p for p in name.lower().split("_") if p][1:]
    words = [p for p in parts if len(p) >= 4 and p.isalpha()]
    return len(words) >= 2 and all(rx(rf"\b{re.escape(w)}", re.I).search(log) for w in words)


def _code_tokens(text: str) -> list[str]:
    text = rx(r"/\*.*?(\*/|$)|//.*$").sub(" ", text)
    if rx(r"^\s*\*(\s|/|$)").match(text):  # inside a block comment, not "*val = ..."
        return []
    return rx(r"\w+|->|[^\w\s]").findall(text)


@dataclass
class FunctionChange:
    delta: tuple[frozenset[str], frozenset[str]]  # tokens its lines gained, lost
    touched: frozenset[str]  # every token of its changed lines


def function_changes(ctx: PatchContext) -> tuple[dict[str, FunctionChange], set[str]]:
    """({function existing before and after: how it changes}, functions added).

    Only with file images (--repo/--tree): without them a hunk header's name is
    the function the hunk starts in, not one the patch changes. Whitespace- and
    comment-only changes are not changes.
    """
    changes: dict[str, FunctionChange] = {}
    added: set[str] = set()
    for fd in ctx.patch.files:
        images = ctx.images.files.get(fd.path) if ctx.images else None
        if not fd.is_c or images is None or images.pre is None or images.post is None:
            continue
        from bot.c.parse import cached_parse  # only with file images: a tree was given

        pre = cached_parse(ctx.cache, images.pre)
        post = cached_parse(ctx.cache, images.post, like=pre)
        gained: dict[str, Counter] = {}
        lost: dict[str, Counter] = {}
        for hunk in fd.hunks:
            for line in hunk.lines:
                if line.kind == "+" and line.new_line:
                    fn = post.function_at(line.new_line)
                    side = gained
                elif line.kind == "-" and line.old_line:
                    fn = pre.function_at(line.old_line)
                    side = lost
                else:
                    continue
                if fn is not None:
                    side.setdefault(fn.name, Counter()).update(_code_tokens(line.text))
        for name in dict.fromkeys([*gained, *lost]):
            if pre.function(name) is None:
                added.add(name)
                continue
            plus, minus = gained.get(name, Counter()), lost.get(name, Counter())
            delta = (frozenset((plus - minus).elements()), frozenset((minus - plus).elements()))
            if delta != (frozenset(), frozenset()):
                changes[name] = FunctionChange(delta, frozenset(plus | minus))
    return changes, added


def _spoken_of(delta: tuple, log: str, common: set[str]) -> bool:
    """Whether the log speaks of a change by what it touches: an identifier it adds or
    removes (MT_WCID_FLAG_TDLS_PEER), two adjacent words of one ("non-AQL" for
    non_aql_count), or a word of five letters or more of one that is not part of every
    name around (RTW89_FLAG_WOWLAN: "WoWLAN"; not "rtw89")."""
    flat = "_".join(rx(r"[a-z0-9]+").findall(log.lower()))
    for token in delta[0] | delta[1]:
        if "_" not in token or len(token) < 5:
            continue
        parts = [p for p in token.lower().split("_") if p]
        pairs = ["_".join(parts[i:i + 2]) for i in range(len(parts) - 1)]
        words = [p for p in parts if len(p) >= 5 and p not in common and not p.isdigit()]
        if any(rx(rf"(^|_){re.escape(p)}(_|$)").search(flat)
               for p in [token.lower(), *pairs] if len(p) >= 6) or \
                any(rx(rf"(^|_){re.escape(w)}(_|$)").search(flat) for w in words):
            return True
    return False


def _within(delta: tuple, other: tuple) -> bool:
    """Every token ``delta`` gains and loses, ``other`` does too: the same edit
    ("count > 2" -> "count") made in a function the log does discuss."""
    return bool(delta[0] | delta[1]) and delta[0] <= other[0] and delta[1] <= other[1]


def _shared_name(delta: tuple, other: tuple) -> bool:
    """Both changes bring in the same specific name (``num_scan``, ``seclink_id``):
    one sets what the other reads, a single mechanism the log describes as one."""
    return any("_" in t.strip("_") and len(t) >= 6 for t in delta[0] & other[0])


def covers_changes(rule, ctx: PatchContext) -> list[Finding]:
    """The pci-hyperv v2 shape: the log discusses the changed functions by name and is
    silent on the one that changes in a different way."""
    if kind_of(rule, ctx).name not in (FIX, OTHER):
        return []
    changes, added = function_changes(ctx)
    if not changes or len(changes) > int(rule.params.get("max_functions", 8)):
        return []
    prose = "\n".join([ctx.patch.log.subject, *(s for _, s in prose_sentences(ctx))])
    named = [n for n in [*changes, *added] if _mentioned(n, prose)]
    if not named:
        return []  # the log speaks of behaviour, not of functions: nothing to hold it to
    log = ctx.patch.log.subject + "\n" + ctx.patch.log.body
    common = {p for n in [*changes, *added] for p in n.lower().split("_")}
    shapes = Counter(c.delta for c in changes.values())
    silent = [n for n, c in changes.items()
              if not _mentioned(n, log) and not _told_in_words(n, log) and shapes[c.delta] == 1
              and not c.touched & (set(changes) | added) - {n}  # a caller following suit
              and not any(n in o.delta[0] or _within(c.delta, o.delta)  # a callee, or
                          for m, o in changes.items() if m != n)  # part of another's change
              and not any(_shared_name(c.delta, changes[m].delta)  # one mechanism
                          for m in named if m in changes and m != n)
              and not _spoken_of(c.delta, log, common)]
    if len(silent) != 1:
        return []  # several: the log speaks of the change as a whole, not function by function
    names = ", ".join(f"{n}()" for n in silent)
    return [make_finding(
        rule, ctx, f"The log discusses {', '.join(f'{n}()' for n in named)} but never "
        f"mentions {names}, which the patch changes in another way: say what changes "
        "there and why, or the reviewer has to guess.", line=1,
        evidence=[f"changed and not named: {names}"])]


def impact(rule, ctx: PatchContext) -> list[Finding]:
    """A fix for stable says what the user sees; states-problem reports a log with no problem."""
    log = ctx.patch.log
    if kind_of(rule, ctx).name != FIX or not any(
            rx(r"stable@(vger\.)?kernel\.org", re.I).search(t.value) for t in log.trailers):
        return []
    sentences = analyse(rule, ctx)
    if not any(s.problem for s in sentences) or shows_output(rule, ctx):
        return []
    if any(s.problem and (s.effect or s.when) for s in sentences):
        return []
    return [make_finding(rule, ctx, "This fix goes to stable, but the log does not say what "
                         "the user sees: what breaks, when, and on which hardware or "
                         "configuration.", line=1)]


def _first_hit(rule, ctx: PatchContext, setting: str, anchored: bool,
               first_only: bool = False) -> tuple[int, str] | None:
    cues = _cues(rule, setting)
    for line, sentence in prose_sentences(ctx)[:1] if first_only else prose_sentences(ctx):
        if (cues.match(sentence) if anchored else cues.search(sentence)):
            return line, sentence
    return None


def imperative(rule, ctx: PatchContext) -> list[Finding]:
    hit = _first_hit(rule, ctx, "log_not_imperative", anchored=True) or _first_hit(
        rule, ctx, "log_not_imperative_opening", anchored=True, first_only=True)
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
    """A fix whose log names the commit that broke things, or quotes a sanitizer, has Fixes:."""
    log = ctx.patch.log
    if log.trailer_values("Fixes") or kind_of(rule, ctx).name not in (FIX, OTHER):
        return []
    cues = _cues(rule, "log_known_origin")
    problem = _cues(rule, "log_problem_cues")
    for line, text in prose_sentences(ctx):
        match = cues.search(text)
        if match and kind_of(rule, ctx).name == OTHER and not problem.search(
                text[:match.start()] + " " + text[match.end():]):
            continue  # "commit X introduced new semantics": history, not a bug
        if match:
            return [make_finding(rule, ctx, f"The log names the origin of the bug "
                                 f"(\"{match.group(0)}\") but has no Fixes: tag.", line=line,
                                 evidence=[text])]
    if kind_of(rule, ctx).name != FIX:
        return []
    sanitizer = rx(r"^\s*(BUG: )?(KASAN|UBSAN|KCSAN|KMSAN):|syzbot", re.I)
    for line, text in body_lines(ctx):
        if sanitizer.search(text):
            return [make_finding(rule, ctx, "The log quotes a sanitizer report but has no "
                                 "Fixes: tag: say which commit introduced the bug.",
                                 line=line, evidence=[text.strip()])]
    return []


def subject_components(subject: str) -> tuple[str, ...]:
    """``wifi: rtw89: 8922a: add x`` -> (wifi, rtw89, 8922a)."""
    parts = subject.split(": ")
    return tuple(p.strip() for p in parts[:-1] if p.strip() and " " not in p.strip()[:1])


def _kernel_style(subject: str) -> bool:
    """A "subsystem: summary" subject, the kind of commit a prefix can be learned from."""
    return bool(subject_components(subject)) and not subject.startswith('Revert "')


def file_prefixes(repo, paths: list[str], history: int, start) -> dict[str, Counter]:
    """Per path: subject prefixes of the kernel-style commits that changed it, newest first."""
    import pygit2

    counts: dict[str, Counter] = {p: Counter() for p in paths}
    for n, commit in enumerate(repo.walk(start, pygit2.enums.SortMode.TIME)):
        if n >= history:
            break
        subject = commit.message.split("\n", 1)[0]
        if len(commit.parents) > 1 or not _kernel_style(subject):
            continue
        parent_tree = commit.parents[0].tree if commit.parents else None
        prefix = subject_components(subject)
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
                counts[path][prefix] += 1
    return counts


def common_root(prefixes: Counter, share: float, min_commits: int) -> tuple[str, ...]:
    """The longest run of leading components that ``share`` of the commits start with."""
    total = sum(prefixes.values())
    if total < min_commits:
        return ()
    root: tuple[str, ...] = ()
    while True:
        longer = Counter(p[:len(root) + 1] for p in prefixes.elements()
                         if len(p) > len(root) and p[:len(root)] == root)
        if not longer:
            return root
        best, n = longer.most_common(1)[0]
        if n < share * total:
            return root
        root = best


def _start(ctx: PatchContext):
    import pygit2

    for rev in (ctx.series.base_commit, "HEAD"):
        if rev:
            try:
                return ctx.repo.revparse_single(rev).peel(pygit2.Commit).id
            except (KeyError, ValueError, pygit2.GitError):
                continue
    return None


def subject_prefix(rule, ctx: PatchContext) -> list[Finding]:
    """The subject starts with what the kernel-style history of every touched file agrees on."""
    if ctx.repo is None or not ctx.patch.files or kind_of(rule, ctx).name in (REVERT, "treewide"):
        return []
    key = ("prefixes", tuple(ctx.paths))
    if key not in ctx.cache:
        start = _start(ctx)
        ctx.cache[key] = {} if start is None else file_prefixes(
            ctx.repo, [fd.old_path or fd.path for fd in ctx.patch.files],
            int(rule.params.get("history", 300)), start)
    share = float(rule.params.get("share", 0.75))
    min_commits = int(rule.params.get("min_commits", 3))
    roots = {path: common_root(c, share, min_commits) for path, c in ctx.cache[key].items()}
    if not roots or not all(roots.values()) or len(set(roots.values())) != 1:
        return []  # a file without a settled prefix, or files of several subsystems
    root = next(iter(roots.values()))
    own = subject_components(ctx.patch.log.subject)
    if own and own[:len(root)] == root[:len(own)]:
        return []  # the same prefix, or a shorter one ("wifi: rtw89:" for "...: coex:")
    if own and not {c.lower() for c in own} & {c.lower() for c in root}:
        # nothing in common ("VFS:", "smb/server:" on files whose history says "ksmbd:"):
        # another subsystem's change passing through, or a name the subsystem also
        # goes by; a slip keeps part of the usual prefix ("mt76: mt7615:")
        return []
    path = next(iter(roots))
    counts = ctx.cache[key][path]
    n = sum(c for p, c in counts.items() if p[:len(root)] == root)
    return [make_finding(rule, ctx, f"Recent commits to {path} start their subject with "
                         f"\"{': '.join(root)}:\" ({n} of {sum(counts.values())}); this one "
                         f"has \"{': '.join(own) + ':' if own else 'no prefix'}\".", line=1)]


def _added_comments(ctx: PatchContext) -> list[tuple[str, int, str]]:
    found = []
    comment = rx(r"/\*+(.*?)(\*/|$)|//(.*)$")
    for fd in ctx.patch.files:
        for hunk in fd.hunks:
            for line in hunk.lines:
                if line.kind != "+":
                    continue
                if (m := comment.search(line.text)) is not None:
                    found.append((fd.path, line.new_line or 0, m.group(1) or m.group(3) or ""))
                elif line.text.lstrip().startswith("*"):
                    found.append((fd.path, line.new_line or 0, line.text.lstrip()[1:]))
    return found


def prose_words(text: str) -> list[str]:
    """Lower-case words of prose: not inside quotes, identifiers, paths or code."""
    text = rx(r"\"[^\"]*\"|(?<!\w)'[^']+'(?!\w)|`[^`]*`|\S*[/\\_=<>{}\[\]|#@$%^~][^\s]*|"
              r"\S*(->|::|\.\w)\S*|\S+\(\S*").sub(" ", text)
    return [w.lower() for w in rx(r"(?<![\w.-])[A-Za-z][a-z]+(?:'[a-z]+)?(?![\w-])").findall(text)]


def _compound(word: str, right: str) -> bool:
    """codespell's "bootup -> boot up, boot-up": jargon written solid, not a misspelling."""
    return any(r.strip().replace("-", "") == word for r in right.split(",")
               if "-" in r)


def spelling(rule, ctx: PatchContext) -> list[Finding]:
    from bot.checks.codespell_table import suggestion

    found = []
    prose = [(line, text) for line, text in body_lines(ctx)
             if text.strip() and not text.startswith((" ", "\t", ">"))
             and not is_tool_output(text)]
    places = [(None, n, text) for n, text in [(1, ctx.patch.log.subject), *prose]]
    places += _added_comments(ctx)
    jargon = frozenset(rule.pack.shared.get("log_spelling_jargon", []))
    for path, line, text in places:
        for word in prose_words(text):
            right = None if word in jargon else suggestion(word)
            if right and not _compound(word, right):
                where = {"file": path, "line": line} if path else {"line": line}
                found.append(make_finding(rule, ctx, f"\"{word}\" may be misspelled: "
                                          f"{right}?", evidence=[text.strip()], **where))
    return found
