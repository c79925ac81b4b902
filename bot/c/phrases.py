"""Branch decisions as a kernel reviewer says them, for witness paths and traces.

The side a path took reads as the condition that held, written as C
(``hbus->protocol_version < PCI_PROTOCOL_VERSION_1_2``); a failed ``if
(!alloc_cpumask_var(...))`` reads ``alloc_cpumask_var() fails``; a loop macro
reads as written (``for_each_cpu_and(cpu, dest, cpu_online_mask) runs no
iteration``), not as the ``while`` it is parsed as.
"""

from __future__ import annotations

import re

_FLIP = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_NAME = re.compile(r"[A-Za-z_]\w*\s*\(")


def _strip_parens(text: str) -> str:
    """``text`` without parentheses that enclose all of it."""
    text = text.strip()
    while text.startswith("(") and _closing(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _closing(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return -1


def _top_level_operator(text: str) -> tuple[int, str] | None:
    """(position, operator) of the one comparison at parenthesis depth 0, if any."""
    depth, found = 0, []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0:
            two = text[i:i + 2]
            if two in ("&&", "||"):
                return None
            if two in ("==", "!=", "<=", ">="):
                found.append((i, two))
                i += 2
                continue
            if ch in "<>" and text[i + 1:i + 2] not in "<>=" and text[i - 1:i] not in "<>-":
                found.append((i, ch))
        i += 1
    return found[0] if len(found) == 1 else None


def _negate(text: str) -> str:
    if text.startswith("!") and not text.startswith("!="):
        return _strip_parens(text[1:])
    operator = _top_level_operator(text)
    if operator is not None:
        at, op = operator
        return f"{text[:at].rstrip()} {_FLIP[op]} {text[at + len(op):].lstrip()}"
    return f"!{text}" if re.fullmatch(r"[\w>.-]+", text) else f"!({text})"


def _whole_call(text: str) -> str | None:
    """The callee when ``text`` is one call ``f(...)`` and nothing else."""
    match = _NAME.match(text)
    if match and _closing(text, match.end() - 1) == len(text) - 1:
        return match.group(0).rstrip("( ")
    return None


def condition(text: str, answer: bool) -> str:
    """The condition that held on a path, in C; ``!f(...)`` taken reads "f() fails"."""
    text = _strip_parens(" ".join(text.split()))
    if text.startswith("!") and not text.startswith("!="):
        callee = _whole_call(_strip_parens(text[1:]))
        if callee:
            return f"{callee}() {'fails' if answer else 'succeeds'}"
    return text if answer else _negate(text)


def loop(macro: str, arguments: str, answer: bool) -> str:
    """A loop macro's test as written: ``for_each_cpu_and(cpu, dest, mask) runs no iteration``."""
    return f"{_macro(macro, arguments)} {'runs an iteration' if answer else 'runs no iteration'}"


def loop_count(macro: str, arguments: str, count: int) -> str:
    """A loop macro the model counts: ``for_each_cpu_and(cpu, dest, mask) runs 2 iterations``."""
    said = "no iteration" if count == 0 else "1 iteration" if count == 1 else \
        f"{count} iterations"
    return f"{_macro(macro, arguments)} runs {said}"


def _macro(macro: str, arguments: str) -> str:
    return f"{macro}({_strip_parens(' '.join(arguments.split()))})"
