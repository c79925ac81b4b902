"""What a rule kind sees when it checks one patch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.series import Finding, Patch, Series
from bot.tree import PatchImages


@dataclass
class PatchContext:
    series: Series
    patch: Patch
    images: PatchImages | None  # None: no --repo/--tree, code rules cannot run
    repo: Any = None  # pygit2.Repository when --repo was given
    cache: dict[str, Any] = field(default_factory=dict)  # shared per review (parsed C, ...)

    @property
    def paths(self) -> list[str]:
        return [fd.path for fd in self.patch.files]


def make_finding(rule: Any, ctx: PatchContext, message: str, **details: Any) -> Finding:
    """A finding of ``rule`` on the patch of ``ctx``; ``details`` fill the other fields."""
    fields = {"severity": rule.severity, "patch": ctx.patch.index, "kind": rule.kind, **details}
    return Finding(rule=rule.id, message=message, **fields)
