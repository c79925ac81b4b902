"""Renderers of a `Review`: one module per output format, imported on demand."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the options' dataclass is not needed to list the formats (--help)
    from bot.report.options import RenderOptions

# --format name -> module with ``render(review, options) -> str``
FORMATS: dict[str, str] = {
    "text": "bot.report.text",
    "json": "bot.report.json_report",
    "email": "bot.report.email",
    "sarif": "bot.report.sarif",
    "patchwork": "bot.report.patchwork",
    "github": "bot.report.github",
}


def render(review, fmt: str, options: RenderOptions | None = None) -> str:
    from bot.report.options import DEFAULT

    return importlib.import_module(FORMATS[fmt]).render(review, options or DEFAULT)


def plural(n: int, word: str) -> str:
    """"1 patch", "3 patches", "2 errors": counts as a reviewer writes them."""
    if n == 1:
        return f"{n} {word}"
    return f"{n} {word}{'es' if word.endswith(('ch', 'sh', 's', 'x')) else 's'}"
