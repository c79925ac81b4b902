"""Whether the new revision answers a reviewer's point on the previous one.

``addressed`` when the code or log the point is about changed in a way that
answers it, shown by lorebot's own rule verdicts before and after where a rule
speaks to the point (the exit-path rule failed at the quoted return on v2 and
passes on v3), or by a typo pointed out as ``s/old/new/`` being gone; ``open``
when what the point is about is unchanged; ``unclear`` otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.c.parse import cached_parse
from bot.series import Finding, Patch
from bot.severity import severity_rank
from bot.since_previous.changes import NAMED_FUNCTION, Change, norm_line
from bot.since_previous.comments import Point, Target, norm
from bot.tree import PatchImages

TYPO = re.compile(r"(?:^|\s)s/([^/\s]+)/([^/]*)/")
# commit-log checks of what the log says, not of its form
LOG_CONTENT_CHECKS = {"states-problem", "covers-changes", "impact", "self-contained",
                      "fixes-tag-expected"}


@dataclass
class Verdict:
    status: str  # addressed | open | unclear
    evidence: str


@dataclass
class Revisions:
    """The two reviews compared, and how their patches pair up."""

    before: object  # bot.review.Review of vN-1
    after: object  # bot.review.Review of vN
    pairs: dict[int, Patch | None]  # vN-1 patch index -> its vN counterpart
    changes: list[Change]
    before_images: list[PatchImages] | None  # each revision's files, whole
    after_images: list[PatchImages] | None
    cache: dict  # parses of those files, shared by the whole comparison

    @property
    def old(self) -> int:
        return self.before.series.version

    @property
    def new(self) -> int:
        return self.after.series.version

    def post(self, review, patch: Patch, path: str) -> str | None:
        """``path`` after ``patch`` (or after the last earlier patch touching it)."""
        every = self.before_images if review is self.before else self.after_images
        if every is None:
            return None
        at = review.series.patches.index(patch)
        for images in reversed(every[:at + 1]):
            if path in images.files:
                return images.files[path].post
        return None


def _serious(finding: Finding) -> bool:
    return finding.active and severity_rank(finding.severity) >= severity_rank("warning")


def _body(text: str | None, function: str | None, cache: dict) -> list[str] | None:
    if text is None:
        return None
    if function is None:
        return text.split("\n")
    fn = cached_parse(cache, text).function(function)
    return None if fn is None else text.split("\n")[fn.start_line - 1:fn.end_line]


def _rules(findings: list[Finding]) -> str:
    return ", ".join(dict.fromkeys(f.rule for f in findings))


def _fail(findings: list[Finding]) -> str:
    return "fails" if len({f.rule for f in findings}) == 1 else "fail"


def _passes(before: list[Finding], revs: Revisions, where: str) -> str:
    lines = sorted({f.line for f in before if f.line})
    at = f" at line {', '.join(map(str, lines))}" if lines and where else ""
    verb = "it passes" if len({f.rule for f in before}) == 1 else "they pass"
    return f"on v{revs.old} {_rules(before)} failed{at}{where}; on v{revs.new} {verb}"


def _still(before: list[Finding], revs: Revisions, patch: Patch) -> list[Finding]:
    rules = {(f.rule, f.file, f.function) for f in before}
    return [f for f in revs.after.findings if _serious(f) and f.patch == patch.index
            and (f.rule, f.file, f.function) in rules]


def _typo(point: Point, text: str, where: str, revs: Revisions) -> Verdict | None:
    match = TYPO.search(point.text)
    if match is None:
        return None
    word = match.group(1)
    if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text):
        return Verdict("open", f"'{word}' is still in {where} on v{revs.new}")
    return Verdict("addressed", f"'{word}' is gone from {where} on v{revs.new}")


def _code_findings(point: Point, revs: Revisions) -> list[Finding]:
    """The previous revision's findings the point speaks to: at the quoted lines,
    or naming a function the reviewer names; and those at the same places."""
    target = point.target
    named = set(NAMED_FUNCTION.findall(point.text)) - {target.function}
    mine = [f for f in revs.before.findings if _serious(f) and f.patch == target.patch
            and f.file == target.file and f.function == target.function and f.line]
    direct = [f for f in mine if f.line in target.lines
              or named & set(NAMED_FUNCTION.findall(f.message))]
    places = {(f.line, f.image) for f in direct}
    return [f for f in mine if (f.line, f.image) in places]


def judge_code(point: Point, revs: Revisions) -> Verdict:
    target = point.target
    old_patch = next(p for p in revs.before.series.patches if p.index == target.patch)
    new_patch = revs.pairs.get(target.patch)
    if new_patch is None:
        return Verdict("unclear", f"the patch is gone in v{revs.new}")
    old = _body(revs.post(revs.before, old_patch, target.file), target.function, revs.cache)
    new = _body(revs.post(revs.after, new_patch, target.file), target.function, revs.cache)
    where = f"{target.function}()" if target.function else target.file
    if old is None or new is None:
        return _by_diff(point, revs, new_patch)
    typo = _typo(point, "\n".join(new), where, revs)
    before = _code_findings(point, revs)
    if typo is not None:  # the typo, and what a rule says of the rest of the point
        return _with_typo(typo, _by_rules(before, revs, new_patch, f" of {where}", where))
    still = _still(before, revs, new_patch)
    if [norm_line(x) for x in old] == [norm_line(x) for x in new]:
        failing = f"; {_rules(still)} still {_fail(still)} at line {still[0].line}" \
            if still else ""
        return Verdict("open", f"{where} is unchanged since v{revs.old}{failing}")
    changed = next((f"; {c.function}(): {c.summary}" for c in revs.changes
                    if c.function == target.function and c.file == target.file
                    and c.function), "")
    if before and not still:
        return Verdict("addressed", _passes(before, revs, f" of {where}") + changed)
    if still:
        return Verdict("unclear", f"{where} changed, but {_rules(still)} still "
                                  f"{_fail(still)} at line {still[0].line}")
    if _contains(new, target.quoted):
        return Verdict("open", f"the quoted lines are unchanged in v{revs.new}")
    return Verdict("unclear", f"the quoted lines changed in v{revs.new}{changed}; no "
                              "lorebot rule speaks to this point")


def _by_rules(before: list[Finding], revs: Revisions, new_patch: Patch, of: str,
              where: str) -> Verdict | None:
    """What lorebot's rules say of a point: the findings it speaks to gone or not
    (None: no rule speaks to it)."""
    if not before:
        return None
    still = _still(before, revs, new_patch)
    if still:
        return Verdict("unclear", f"{_rules(still)} still {_fail(still)} in {where}"
                       + (f" at line {still[0].line}" if still[0].line else ""))
    return Verdict("addressed", _passes(before, revs, of))


def _with_typo(typo: Verdict, rules: Verdict | None) -> Verdict:
    """A point that points out a typo and says more: addressed only when both are."""
    if rules is None:
        return typo
    status = "addressed" if typo.status == rules.status == "addressed" else (
        typo.status if typo.status != "addressed" else rules.status)
    return Verdict(status, f"{rules.evidence}; {typo.evidence}")


def _contains(lines: list[str], quoted: list[str]) -> bool:
    """Whether the quoted lines stand together, in order, in ``lines``."""
    keys = [norm(x) for x in lines]
    return bool(quoted) and any(keys[i:i + len(quoted)] == quoted
                                for i in range(len(keys) - len(quoted) + 1))


def _by_diff(point: Point, revs: Revisions, new_patch: Patch) -> Verdict:
    """Without the files (no base): whether the quoted lines are still in the diff."""
    diff = [norm(ln.text) for fd in new_patch.files if fd.path == point.target.file
            for hunk in fd.hunks for ln in hunk.lines if ln.kind != "-"]
    typo = _typo(point, "\n".join(diff), "the diff", revs)
    if typo is not None:
        return typo
    if _contains(diff, point.target.quoted):
        return Verdict("open", f"the quoted lines are still in v{revs.new}'s diff")
    return Verdict("unclear", f"the quoted lines are not in v{revs.new}'s diff")


def _log_text(patch: Patch) -> list[str]:
    return [patch.log.subject, *patch.log.body.split("\n")]


def judge_log(point: Point, revs: Revisions) -> Verdict:
    target = point.target
    new_patch = revs.pairs.get(target.patch)
    if new_patch is None:
        return Verdict("unclear", f"the patch is gone in v{revs.new}")
    old_patch = next(p for p in revs.before.series.patches if p.index == target.patch)
    new_log = _log_text(new_patch)
    typo = _typo(point, "\n".join(new_log), "the log", revs)
    before = [f for f in revs.before.findings if _serious(f) and f.file is None
              and f.patch == target.patch and (f.line in target.lines
                                               or _about_the_body(f, target, revs))]
    if typo is not None:
        return _with_typo(typo, _by_rules(before, revs, new_patch, "", "the log"))
    if [norm(x) for x in _log_text(old_patch)] == [norm(x) for x in new_log]:
        return Verdict("open", f"the log is unchanged since v{revs.old}")
    still = _still(before, revs, new_patch)
    if before and not still:
        return Verdict("addressed", _passes(before, revs, "") + _names(new_patch, revs))
    if still:
        return Verdict("unclear", f"the log changed, but {_rules(still)} still "
                                  f"{_fail(still)}")
    if _contains(new_log, target.quoted):
        return Verdict("open", f"the quoted lines are still in the v{revs.new} log")
    return Verdict("unclear", "the log changed; no lorebot rule speaks to this point")


def _about_the_body(finding: Finding, target: Target, revs: Revisions) -> bool:
    """A finding on what the log says (wherever it points) is about any quote of
    the log's body: "this does not explain the problem" answers states-problem."""
    checks = {rule.id: rule.params.get("check") for rule in revs.before.rules}
    return checks.get(finding.rule) in LOG_CONTENT_CHECKS and any(n >= 3 for n in target.lines)


def _names(patch: Patch, revs: Revisions) -> str:
    """"; the v3 log names hv_irq_unmask()": the changed functions the new log names."""
    log = " ".join(_log_text(patch))
    changed = dict.fromkeys(c.function for c in revs.changes
                            if c.function and c.patch == patch.index)
    named = [f"{name}()" for name in changed if re.search(rf"\b{re.escape(name)}\(\)", log)]
    return f"; the v{revs.new} log names {', '.join(named)}" if named else ""


def judge(point: Point, revs: Revisions) -> Verdict:
    target: Target = point.target
    if target.log:
        return judge_log(point, revs)
    if target.file is not None:
        return judge_code(point, revs)
    return Verdict("unclear", "it quotes no line of the patch or its log")
