"""What a command asks of a renderer beyond the review itself."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderOptions:
    verbose: bool = False  # full traces and evidence instead of the short form
    reply_on_pass: bool = False  # email: a short reply to patches with nothing to fix


DEFAULT = RenderOptions()
