"""Renderers of a `Review`: one module per output format, imported on demand."""

from __future__ import annotations

import importlib

# --format name -> module with ``render(review) -> str``
FORMATS: dict[str, str] = {
    "text": "bot.report.text",
    "json": "bot.report.json_report",
    "email": "bot.report.email",
    "sarif": "bot.report.sarif",
    "patchwork": "bot.report.patchwork",
    "github": "bot.report.github",
}


def render(review, fmt: str) -> str:
    return importlib.import_module(FORMATS[fmt]).render(review)
