"""Path properties as reachability over the CFG, with a witness for each violation.

Both analyses walk each (node, state) pair at most once, so their cost grows
with the size of the function, not with its number of paths.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.c.cfg import CFG, Node, callee_name
from bot.c.phrases import loop

_WRAPPERS = {"likely", "unlikely", "WARN_ON", "WARN_ON_ONCE", "unlikely_notrace"}
_ERR_TESTS = {"IS_ERR", "IS_ERR_OR_NULL"}


Step_fn = Callable[[Any], list]


@dataclass
class Step:
    line: int
    note: str = ""


@dataclass
class Violation:
    exit_line: int
    steps: list[Step]
    message: str

    @property
    def path_lines(self) -> list[int]:
        lines: list[int] = []
        for step in self.steps:
            if not lines or lines[-1] != step.line:
                lines.append(step.line)
        return lines


@dataclass
class Verdict:
    function: str
    verdict: str  # pass | fail | unknown
    violations: list[Violation] = field(default_factory=list)
    reason: str = ""


def _text(node: Any, limit: int = 60) -> str:
    text = " ".join(node.text.decode(errors="replace").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _note(node: Node, label: bool | None) -> str:
    if node.kind == "branch" and node.macro and label is not None:
        return loop(node.macro, _text(node.cond, 200), label)
    if node.kind == "branch" and node.cond is not None and label is not None:
        return f"{_text(node.cond)} is {'true' if label else 'false'}"
    if node.kind == "branch":
        return "switch case taken"
    if node.kind == "call" and node.call:
        return f"{node.assigned} = {node.call}()" if node.assigned else f"{node.call}()"
    return ""


_PREFER = {False: 0, None: 1, True: 2}


def _reach(start: Any, step: Step_fn) -> dict:
    """Every state reachable from ``start`` (breadth first), with its parent."""
    parents: dict = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for nxt, label in step(state):
            if nxt not in parents:
                parents[nxt] = (state, label)
                queue.append(nxt)
    return parents


def _witness_chain(start: Any, goal: Any, step: Step_fn) -> list[tuple[Any, bool | None]]:
    """A path to ``goal`` that prefers false conditions (the ordinary flow) at each branch."""
    seen = {start}
    stack = [(start, None, iter(sorted(step(start), key=lambda e: _PREFER[e[1]])))]
    while stack:
        state, label, edges = stack[-1]
        if state == goal:
            return [(s, lab) for s, lab, _ in stack]
        for nxt, nxt_label in edges:
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, nxt_label,
                              iter(sorted(step(nxt), key=lambda e: _PREFER[e[1]]))))
                break
        else:
            stack.pop()
    return []


def _witness(cfg: CFG, start: Any, goal: Any, step: Step_fn, exit_note: str) -> list[Step]:
    chain = _witness_chain(start, goal, step)
    steps = []
    for (state, _), (_, label) in zip(chain, chain[1:], strict=False):
        node = cfg.nodes[state[0]]
        if node.kind in ("call", "branch"):
            steps.append(Step(node.line, _note(node, label)))
    steps.append(Step(cfg.nodes[goal[0]].line, exit_note))
    return steps


def _exit_word(node: Node) -> str:
    return "return" if node.kind == "return" else "end of function"


def must_call(cfg: CFG, callee: str) -> list[Violation]:
    """Exits reachable from the entry on a path that never calls ``callee``."""

    def step(state: tuple[int]) -> list:
        node = cfg.nodes[state[0]]
        if node.is_exit or (node.kind == "call" and node.call == callee):
            return []
        return [((target,), label) for target, label in node.succ]

    start = (cfg.entry,)
    found = []
    for state in _reach(start, step):
        node = cfg.nodes[state[0]]
        if node.is_exit:
            word = _exit_word(node)
            found.append(Violation(
                node.line, _witness(cfg, start, state, step, f"{word} without {callee}()"),
                f"{cfg.function}() can reach the {word} at line {node.line} "
                f"without calling {callee}()"))
    return sorted(found, key=lambda v: v.exit_line)


def _first_arg(node: Node) -> str:
    """The resource a call works on: its first argument, without a leading ``&``."""
    args = node.call_node.child_by_field_name("arguments") if node.call_node else None
    if args is None or not args.named_children:
        return ""
    return "".join(args.named_children[0].text.decode(errors="replace").split()).lstrip("&")


def _acquired(node: Node, returns: str) -> str:
    """What an acquire call takes: the pointer it returns, or the object it is given."""
    return node.assigned or "" if returns == "pointer" else _first_arg(node)


def _unwrap(cond: Any) -> Any:
    while True:
        if cond.type == "parenthesized_expression" and cond.named_child_count == 1:
            cond = cond.named_children[0]
        elif cond.type == "call_expression" and callee_name(cond) in _WRAPPERS:
            args = cond.child_by_field_name("arguments").named_children
            if len(args) != 1:
                return cond
            cond = args[0]
        else:
            return cond


def failure_label(cond: Any, var: str | None, acquires: set[str], returns: str) -> bool | None:
    """Which branch label means "the acquire failed", or None if ``cond`` doesn't test it."""
    cond = _unwrap(cond)

    def is_result(node: Any) -> bool:
        node = _unwrap(node)
        if node.type == "call_expression":
            return callee_name(node) in acquires
        return var is not None and node.text.decode(errors="replace") == var

    if cond.type == "call_expression" and callee_name(cond) in _ERR_TESTS:
        args = cond.child_by_field_name("arguments").named_children
        return True if args and is_result(args[0]) else None
    if is_result(cond):
        return returns != "pointer"  # errno: nonzero is failure; pointer: NULL is failure
    if cond.type == "binary_expression":
        op = cond.child_by_field_name("operator").type
        left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
        if not is_result(left):
            return None
        zero = right.text.decode(errors="replace") in ("0", "NULL")
        if op == "<" and zero:
            return True
        if op == ">=" and zero:
            return False
        if op == "!=" and zero:
            return returns != "pointer"
        if op == "==" and zero:
            return returns == "pointer"
    return None


def paired(cfg: CFG, acquires: set[str], releases: set[str],
           returns: str = "void") -> list[Violation]:
    """Exits reached with a successful ``acquires`` call not yet released."""
    keys = {_acquired(n, returns) for n in cfg.nodes if n.kind == "call" and n.call in acquires}
    found: list[Violation] = []
    for key in sorted(keys):
        found.extend(_paired_key(cfg, acquires, releases, returns, key))
    return found


def _paired_key(cfg: CFG, acquires: set[str], releases: set[str], returns: str,
                key: str) -> list[Violation]:
    # state: (node id, held: 0 none / 1 held / 2 acquired but not yet checked,
    #         the variable holding the result, the acquiring node)

    def step(state: tuple) -> list:
        node_id, held, var, acquired_at = state
        node = cfg.nodes[node_id]
        if node.is_exit:
            return []
        if node.kind == "call" and node.call in acquires and held == 0 and \
                _acquired(node, returns) == key:
            held = 1 if returns == "void" else 2
            var, acquired_at = node.assigned, node_id
        elif node.kind == "call" and node.call in releases and _first_arg(node) == key:
            held, var = 0, None
        failed = None
        if node.kind == "branch" and held == 2 and node.cond is not None:
            failed = failure_label(node.cond, var, acquires, returns)
        out = []
        for target, label in node.succ:
            h = held if failed is None or label is None else (0 if label == failed else 1)
            out.append(((target, h, var if h else None, acquired_at if h else 0), label))
        return out

    start = (cfg.entry, 0, None, 0)
    found: dict[int, Violation] = {}
    for state in _reach(start, step):
        node = cfg.nodes[state[0]]
        if node.is_exit and state[1] == 1 and node.line not in found:
            acquire = cfg.nodes[state[3]]
            word = _exit_word(node)
            found[node.line] = Violation(
                node.line,
                _witness(cfg, start, state, step, f"{word} with {acquire.call}({key}) held"),
                f"{cfg.function}() can reach the {word} at line {node.line} holding "
                f"{acquire.call}({key}) from line {acquire.line} without "
                f"{'/'.join(sorted(releases))}()")
    return [found[line] for line in sorted(found)]


Analysis = Callable[[CFG], list[Violation]]
