"""``--format patchwork``: one Patchwork check per patch and area of review.

States follow Patchwork's: ``fail`` when an error remains, ``warning`` for
warnings, ``success`` otherwise. Contexts are stable slugs, so a later posting
for the same patch replaces the earlier check of that context.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from bot.report.options import DEFAULT, RenderOptions

CONTEXTS = {"commit-log": "lorebot-commit-log", "must-call": "lorebot-exit-paths",
            "paired-calls": "lorebot-exit-paths", "behaviour": "lorebot-behaviour"}
MAX_DESCRIPTION = 250


@dataclass(frozen=True)
class Check:
    msgid: str
    patch: int
    state: str  # success | warning | fail | pending
    context: str
    description: str
    target_url: str = ""


def _state(findings) -> str:
    severities = {f.severity for f in findings}
    return "fail" if "error" in severities else "warning" if "warning" in severities \
        else "success"


def checks(review, target_url: str = "") -> list[Check]:
    """The checks of every patch, one per context of the rules that ran."""
    contexts = sorted({CONTEXTS.get(r.kind, f"lorebot-{r.kind}") for r in review.rules})
    out = []
    for patch in review.series.patches:
        for context in contexts:
            mine = [f for f in review.findings if f.patch == patch.index and f.active
                    and f.severity != "info"
                    and CONTEXTS.get(f.kind, f"lorebot-{f.kind}") == context]
            state = _state(mine)
            if mine:
                worst = sorted(mine, key=lambda f: f.severity != "error")[0]
                text = f"{len(mine)} finding(s); first: [{worst.rule}] {worst.message}"
            else:
                text = "no findings"
            moved = [m for m in review.moved_hunks() if m.patch == patch.index]
            if moved and context != CONTEXTS["commit-log"]:  # the code was not where stated
                text = f"{moved[0].describe()}; {text}"
            out.append(Check(patch.message.message_id, patch.index, state, context,
                             text[:MAX_DESCRIPTION], target_url))
    return out


def render(review, options: RenderOptions = DEFAULT) -> str:
    return json.dumps([asdict(c) for c in checks(review)], indent=2) + "\n"
