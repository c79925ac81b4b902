"""Rule kind ``commit-log``: checks of the commit message, one ``check`` per rule.

A rule picks its check with ``check = "<name>"``; ``CHECKS`` maps each name to the
function that implements it, in the module for its family (structure, content).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.checks.context import PatchContext
    from bot.series import Finding

# check name -> "module:function"; each function takes (rule, ctx) -> list[Finding]
CHECKS: dict[str, str] = {
    "description": "bot.checks.log_structure:missing_description",
    "signed-off-by": "bot.checks.log_structure:signed_off_by",
    "fixes-format": "bot.checks.log_structure:fixes_format",
    "line-length": "bot.checks.log_structure:line_length",
    "commit-reference": "bot.checks.log_structure:commit_reference",
    "subject-shape": "bot.checks.log_structure:subject_shape",
    "changelog": "bot.checks.log_structure:changelog",
    "states-problem": "bot.checks.log_content:states_problem",
    "covers-changes": "bot.checks.log_content:covers_changes",
    "impact": "bot.checks.log_content:impact",
    "imperative": "bot.checks.log_content:imperative",
    "self-contained": "bot.checks.log_content:self_contained",
    "fixes-tag-expected": "bot.checks.log_content:fixes_tag_expected",
    "subject-prefix": "bot.checks.log_content:subject_prefix",
    "spelling": "bot.checks.log_content:spelling",
}

NEEDS_TREE = False


def _function(name: str) -> Callable[..., list[Finding]]:
    module, attr = CHECKS[name].split(":")
    return getattr(importlib.import_module(module), attr)


def validate(rule) -> str | None:
    name = rule.params.get("check")
    if name not in CHECKS:
        return f"commit-log rule needs check = one of {', '.join(sorted(CHECKS))}"
    return None


def check(rule, ctx: PatchContext) -> list[Finding]:
    return _function(rule.params["check"])(rule, ctx)
