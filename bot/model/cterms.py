"""Model state as the C code names it, for reports a kernel reviewer reads.

A piece of model state reads as the C expression the model names for it, with
enum values by their enumerator read from the file under review
(``hbus->state == hv_pcibus_probed``), never as the model's own field paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StateNames:
    """How a model's state paths read in C: ``terms`` and the enumerators of ``enums``."""

    terms: dict[str, str] = field(default_factory=dict)  # "hbus.state" -> "hbus->state"
    values: dict[str, dict[int, str]] = field(default_factory=dict)  # path -> value -> name

    def show(self, path: str, value: Any) -> str:
        from bot.model.values import show_value

        term = self.terms.get(path, path)
        if isinstance(value, bool):
            if re.fullmatch(r"[\w>.&()-]+", term):
                return term if value else f"!{term}"
            return term if value else f"not {term}"
        names = self.values.get(path, {})
        if isinstance(value, int) and value in names:
            return f"{term} == {names[value]}"
        return f"{term} == {show_value(value)}"


def enumerators(src: Any, enum: str) -> list[str]:
    """The enumerator names of ``enum <name> { ... }`` in a parsed file, in order."""
    stack = [src.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "enum_specifier":
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            if name is not None and body is not None and name.text.decode() == enum:
                return [item.child_by_field_name("name").text.decode()
                        for item in body.named_children if item.type == "enumerator"]
        elif node.type != "function_definition":
            stack.extend(node.children)
    return []
