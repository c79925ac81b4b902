"""One function's verdict (pass/fail/unknown) under one path analysis, in a parsed file.

Shared by the path rule kinds (``bot/checks/pathrule.py``) and ``lorebot paths``, which
needs nothing of a review (patches, findings) and so imports only the C front end.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.c.cfg import CFG, build_cfg
from bot.c.parse import CSource
from bot.c.paths import PathEnv, Verdict, Violation
from bot.c.resources import function_facts
from bot.c.summaries import Summaries

Analysis = Callable[[CFG, PathEnv], list[Violation]]


def summaries_for(src: CSource, noreturn: frozenset[str], settings: dict,
                  folder=None) -> Summaries:
    """The helper summaries of one parsed file, kept with its parse."""
    key = ("summaries", noreturn)
    if key not in src.memo:
        src.memo[key] = Summaries([src], noreturn, settings, load_more=folder)
    return src.memo[key]


def verdict(src: CSource, name: str, analysis: Analysis, noreturn: frozenset[str],
            reuse_cfg: bool = False, settings: dict | None = None, folder=None) -> Verdict:
    """pass/fail/unknown for one function of a parsed file.

    With ``reuse_cfg`` the graph is kept in the parse's memo for the next rule,
    and goes when the review releases the parse.
    """
    fn = src.function(name)
    if fn is None:
        if "error lines" not in src.memo:  # once per parse, not once per rule
            src.memo["error lines"] = src.error_lines()
        errors = src.memo["error lines"]
        where = f"; the file does not parse at line {errors[0]}" if errors else ""
        return Verdict(name, "unknown", reason=f"no function {name}(){where}")
    if fn.problem:  # a parse error in it, or an unbalanced brace that moved its end
        return Verdict(name, "unknown", reason=fn.problem)
    key = ("cfg", name, noreturn)
    built = src.memo.get(key) if reuse_cfg else None
    if built is None:
        cfg = build_cfg(fn, noreturn, src.guard_lines, src.macro_loops)
        env = PathEnv(function_facts(fn), fn.node,
                      summaries_for(src, noreturn, settings or {}, folder), settings or {})
        built = (cfg, env)
        if reuse_cfg:
            src.memo[key] = built
    violations = analysis(*built)
    return Verdict(name, "fail" if violations else "pass", violations)
