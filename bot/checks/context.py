"""What a rule kind sees when it checks one patch."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.errors import LorebotError
from bot.series import Finding, Patch, Series
from bot.tree import PatchImages


@dataclass
class PatchContext:
    series: Series
    patch: Patch
    images: PatchImages | None  # None: no --repo/--tree, code rules cannot run
    repo: Any = None  # pygit2.Repository when --repo was given
    cache: dict[str, Any] = field(default_factory=dict)  # shared per review (parsed C, ...)
    unanalysed: dict[str, str] = field(default_factory=dict)  # what -> why not analysed
    base: Any = None  # the BaseTree the pre-images came from (its folders: helpers' files)

    @property
    def paths(self) -> list[str]:
        return [fd.path for fd in self.patch.files]

    @contextmanager
    def analysing(self, what: str) -> Iterator[None]:
        """One function's (or file's) analysis: if it fails, note why and go on."""
        try:
            yield
        except (MemoryError, LorebotError):  # the revision's budget; a broken rule pack
            raise
        except Exception as exc:
            self.unanalysed.setdefault(what, failure_reason(exc))


def failure_reason(exc: BaseException) -> str:
    """One short line for an analysis that broke (a bug or a limit of ours)."""
    text = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def make_finding(rule: Any, ctx: PatchContext, message: str, **details: Any) -> Finding:
    """A finding of ``rule`` on the patch of ``ctx``; ``details`` fill the other fields."""
    fields = {"severity": rule.severity, "patch": ctx.patch.index, "kind": rule.kind, **details}
    return Finding(rule=rule.id, message=message, **fields)
