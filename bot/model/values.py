"""Values of the behavioural interpreter: C integers, model objects, unknowns.

Pointers and structs are `Obj`: a bag of fields that a model's stubs and the
interpreted code share (``hbus->state``, ``params->int_target.vp_mask``).
A field nobody set is created on first use, so the code can walk into structs
the model did not describe. `Unknown` is a value nobody knows; branching on it
explores both sides.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count(1)


@dataclass(frozen=True)
class Unknown:
    """A value the model does not provide (result of a call without a stub, ...).

    ``origin`` is for people; ``key`` identifies the value on a path, so that the
    same unknown tested twice gets the same answer.
    """

    origin: str
    key: str = ""
    id: int = field(default_factory=lambda: next(_ids))

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", f"{self.origin}#{self.id}")

    def __str__(self) -> str:
        return f"?{self.origin}"


def value_key(value: Any) -> str:
    return value.key if isinstance(value, Unknown) else repr(value)


def derived(template: str, *operands: Any) -> Unknown:
    """An unknown computed from others: ``template`` has one ``{}`` per operand."""
    return Unknown(template.format(*map(str, operands)),
                   "(" + template.format(*map(value_key, operands)) + ")")


class Obj:
    """A model object: struct fields by name, created on first access."""

    def __init__(self, name: str = "", **fields: Any):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_fields", dict(fields))

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        fields = object.__getattribute__(self, "_fields")
        if key not in fields:
            fields[key] = Obj(f"{self._name}.{key}" if self._name else key)
        return fields[key]

    def __setattr__(self, key: str, value: Any) -> None:
        self._fields[key] = value

    def has(self, key: str) -> bool:
        return key in self._fields

    def __repr__(self) -> str:
        return f"<{self._name or 'obj'}>"


# C integer types by the names kernel code uses: (bits, signed)
INT_TYPES: dict[str, tuple[int, bool]] = {
    "u8": (8, False), "u16": (16, False), "u32": (32, False), "u64": (64, False),
    "s8": (8, True), "s16": (16, True), "s32": (32, True), "s64": (64, True),
    "__u8": (8, False), "__u16": (16, False), "__u32": (32, False), "__u64": (64, False),
    "int": (32, True), "long": (64, True), "char": (8, True), "short": (16, True),
    "unsigned": (32, False), "unsigned int": (32, False), "unsigned long": (64, False),
    "unsigned long long": (64, False), "long long": (64, True), "size_t": (64, False),
    "ssize_t": (64, True), "bool": (1, False), "unsigned char": (8, False),
    "unsigned short": (16, False), "uint32_t": (32, False), "uint64_t": (64, False),
    "int32_t": (32, True), "int64_t": (64, True), "phys_addr_t": (64, False),
}


def wrap(value: int, bits: int, signed: bool) -> int:
    """``value`` as a C integer of that width (unsigned wrap, two's complement)."""
    if bits == 1:
        return 1 if value else 0
    value &= (1 << bits) - 1
    if signed and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


def parse_int(text: str) -> int:
    """A C integer literal: decimal, hex, octal, binary, with U/L suffixes."""
    digits = text.rstrip("uUlL")
    if digits.lower().startswith("0x"):
        return int(digits, 16)
    if digits.lower().startswith("0b"):
        return int(digits, 2)
    if len(digits) > 1 and digits.startswith("0"):
        return int(digits, 8)
    return int(digits)


def show_value(value: Any) -> str:
    """A value as a trace shows it: hex for large ints, sets as {1,2}, objects by name."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:#x}" if value > 9 else str(value)
    if isinstance(value, set | frozenset):
        return "{" + ",".join(str(v) for v in sorted(value)) + "}"
    return str(value)
