"""Rule kind ``must-call``: FUNCTION calls CALLEE on every path to every exit.

    [[rule]]
    kind = "must-call"
    functions = ["hv_irq_unmask"]
    callee = "pci_msi_unmask_irq"
    count = 2                 # optional: at least this many calls on every path
    argument = "&d->done"     # optional: only calls on this first argument count
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.checks.context import PatchContext
    from bot.series import Finding

NEEDS_TREE = True


def validate(rule) -> str | None:
    if not isinstance(rule.params.get("callee"), str):
        return "must-call rule needs callee = \"function name\""
    if not rule.functions:
        return "must-call rule needs functions = [\"...\"]"
    count = rule.params.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        return "count must be a whole number of calls, 1 or more"
    if not isinstance(rule.params.get("argument", ""), str):
        return "argument must be the first argument as written, e.g. \"&d->done\""
    return None


def analysis(rule):
    from bot.c.paths import must_call  # the C front end only once a rule runs

    return partial(must_call, callee=rule.params["callee"], count=rule.params.get("count", 1),
                   argument=rule.params.get("argument"))


def check(rule, ctx: PatchContext) -> list[Finding]:
    from bot.checks.pathrule import check_touched

    return check_touched(rule, ctx, analysis(rule))


def check_source(rule, text: str, path: str) -> list[Finding]:
    from bot.checks.pathrule import check_file

    return check_file(rule, text, path, analysis(rule))
