"""What the path rule kinds (must-call, paired-calls) share: which functions to
analyse, pre/post comparison, and turning violations into findings.

A subsystem rule that names its functions reports a violation in a touched
function even when the patch did not introduce it; generic pairs set
``report = "introduced"`` so only what the patch adds is reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.c.cfg import CFG, build_cfg
from bot.c.parse import CSource, cached_parse, functions_touched
from bot.c.paths import Verdict, Violation
from bot.checks.context import PatchContext, make_finding
from bot.series import Finding, Location

Analysis = Callable[[CFG], list[Violation]]


def _shown_steps(violation: Violation) -> list:
    """Branch decisions, the exit, and the calls whose result a later branch tests."""
    steps = violation.steps
    shown = []
    for i, step in enumerate(steps):
        if " = " in step.note:
            var = re.compile(rf"\b{re.escape(step.note.split(' = ', 1)[0])}\b")
            if not any(var.search(later.note) for later in steps[i + 1:] if " is " in later.note):
                continue
        elif not step.note or not (" is " in step.note or i == len(steps) - 1
                                   or "switch" in step.note or "iteration" in step.note):
            continue
        shown.append(step)
    return shown


def noreturn_functions(rule) -> frozenset[str]:
    return frozenset(rule.pack.shared.get("noreturn", [])) | frozenset(
        rule.params.get("noreturn", []))


def verdict(src: CSource, name: str, analysis: Analysis, noreturn: frozenset[str],
            reuse_cfg: bool = False) -> Verdict:
    """pass/fail/unknown for one function of a parsed file.

    With ``reuse_cfg`` the graph is kept in the parse's memo for the next rule,
    and goes when the review releases the parse.
    """
    fn = src.function(name)
    if fn is None:
        errors = src.error_lines()
        where = f"; the file does not parse at line {errors[0]}" if errors else ""
        return Verdict(name, "unknown", reason=f"no function {name}(){where}")
    if fn.error_lines:
        return Verdict(name, "unknown",
                       reason=f"{name}() could not be parsed at line {fn.error_lines[0]}")
    key = ("cfg", name, noreturn)
    cfg = src.memo.get(key) if reuse_cfg else None
    if cfg is None:
        cfg = build_cfg(fn, noreturn, src.guard_lines, src.macro_loops)
        if reuse_cfg:
            src.memo[key] = cfg
    violations = analysis(cfg)
    return Verdict(name, "fail" if violations else "pass", violations)


def _finding(rule, ctx: PatchContext, path: str, violation: Violation, function: str,
             status: str, image: str) -> Finding:
    shown = _shown_steps(violation)
    prefix = {"fixed": "Fixed by this patch: ", "preexisting": "Still there after the patch: "}
    return make_finding(
        rule, ctx, prefix.get(status, "") + violation.message + ".",
        file=path, line=violation.exit_line, function=function, status=status, image=image,
        path=[Location(path, s.line, s.note) for s in shown],
        evidence=[f"line {s.line}: {s.note}" for s in shown[-3:]])


def check_touched(rule, ctx: PatchContext, analysis: Analysis) -> list[Finding]:
    """Run ``analysis`` before and after the patch on every touched function the rule covers."""
    noreturn = noreturn_functions(rule)
    found: list[Finding] = []
    for fd in ctx.patch.files:
        images = ctx.images.files.get(fd.path) if ctx.images else None
        if images is None or not fd.is_c or not rule.applies_to_file(fd.path):
            continue
        pre = cached_parse(ctx.cache, images.pre) if images.pre else None
        post = cached_parse(ctx.cache, images.post) if images.post else None
        key = ("touched", id(fd))
        if key not in ctx.cache:
            ctx.cache[key] = functions_touched(pre, post, fd)
        for name in ctx.cache[key]:
            if rule.functions and name not in rule.functions:
                continue
            with ctx.analysing(f"{name}()"):
                before = verdict(pre, name, analysis, noreturn, reuse_cfg=True) if pre else None
                after = verdict(post, name, analysis, noreturn, reuse_cfg=True) if post else None
                found.extend(_compare(rule, ctx, fd.path, name, before, after))
    return found


def _compare(rule, ctx: PatchContext, path: str, name: str, before: Verdict | None,
             after: Verdict | None) -> list[Finding]:
    if after is not None and after.verdict == "unknown" and after.reason and \
            not after.reason.startswith("no function"):
        said = ("not analysed", ctx.patch.index, path, name)
        if said in ctx.cache:  # one line per function, not one per rule
            return []
        ctx.cache[said] = True
        return [make_finding(rule, ctx, f"Could not analyse: {after.reason}; the exit-path "
                             "rules skipped it.", file=path, function=name, severity="info")]
    if after is not None and after.verdict == "fail":
        status = "preexisting" if before is not None and before.verdict == "fail" else \
            "introduced"
        return [_finding(rule, ctx, path, v, name, status, "post") for v in after.violations]
    if before is not None and before.verdict == "fail" and after is not None and \
            after.verdict == "pass":
        return [_finding(rule, ctx, path, v, name, "fixed", "pre") for v in before.violations]
    return []


def check_file(rule, text: str, path: str, analysis: Analysis) -> list[Finding]:
    """Every function of a whole file the rule covers (``lorebot paths``, rule examples)."""
    src = CSource(text)
    noreturn = noreturn_functions(rule)
    found = []
    for fn in src.functions():
        if rule.functions and fn.name not in rule.functions:
            continue
        result = verdict(src, fn.name, analysis, noreturn)
        for v in result.violations:
            found.append(Finding(rule=rule.id, severity=rule.severity, message=v.message,
                                 patch=None, kind=rule.kind, file=path, line=v.exit_line,
                                 function=fn.name,
                                 path=[Location(path, s.line, s.note) for s in v.steps]))
    return found
