"""Load a model module from a rule pack (pack code the maintainer wrote, never the patch)."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from bot.errors import InputError
from bot.model.scenario import Model


@cache
def load_model(path: Path) -> Model:
    """The ``MODEL`` of the Python file at ``path``, imported once per process."""
    spec = importlib.util.spec_from_file_location(f"lorebot_model_{path.stem}", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise InputError(f"{path}: model file not found")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a broken pack: say where, do not crash the review
        raise InputError(f"{path}: cannot load the model: {type(exc).__name__}: {exc}") from None
    model = getattr(module, "MODEL", None)
    if not isinstance(model, Model):
        raise InputError(f"{path}: defines no MODEL = bot.model.api.Model(...)")
    return model
