"""Rule kind ``paired-calls``: once ACQUIRE succeeded, RELEASE runs on every exit path.

    [[rule]]
    kind = "paired-calls"
    acquire = ["mutex_lock"]
    release = ["mutex_unlock"]
    returns = "void"      # or "errno" (0 = success) or "pointer" (NULL/ERR_PTR = failure)

Success of an ``errno``/``pointer`` acquire is read from the usual checks of its
result (``if (ret)``, ``if (ret < 0)``, ``if (!p)``, ``IS_ERR(p)``), so a failed
acquire needs no release. Calls are matched on their first argument (the lock).
"""

from __future__ import annotations

from functools import partial

from bot.checks.context import PatchContext
from bot.series import Finding

NEEDS_TREE = True
RETURNS = ("void", "errno", "pointer")


def _names(value) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return None


def validate(rule) -> str | None:
    if _names(rule.params.get("acquire")) is None or _names(rule.params.get("release")) is None:
        return "paired-calls rule needs acquire and release (a name or a list of names)"
    if rule.params.get("returns", "void") not in RETURNS:
        return f"returns must be one of {', '.join(RETURNS)}"
    return None


def analysis(rule):
    from bot.c.paths import paired  # the C front end only once a rule runs

    return partial(paired, acquires=set(_names(rule.params["acquire"])),
                   releases=set(_names(rule.params["release"])),
                   returns=rule.params.get("returns", "void"))


def check(rule, ctx: PatchContext) -> list[Finding]:
    from bot.checks.pathrule import check_touched

    return check_touched(rule, ctx, analysis(rule))


def check_source(rule, text: str, path: str) -> list[Finding]:
    from bot.checks.pathrule import check_file

    return check_file(rule, text, path, analysis(rule))
