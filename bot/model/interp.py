"""A bounded interpreter for the C that kernel functions are made of.

It walks the tree-sitter tree of one function (never compiles or runs
anything from the patch). Calls go to the model's stubs; a call without a stub
returns an `Unknown`. A branch on an unknown explores both sides: each path is a
re-run from a fresh copy of the state with a list of decisions, and the same
unknown condition tested twice on one path gets the same answer. Loops are
unrolled up to a bound, paths, steps and time are bounded; a path that hits a
bound is marked inconclusive, never counted as a pass.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.c import phrases
from bot.c.cfg import callee_name
from bot.c.parse import CFunction, CSource
from bot.model.values import (
    INT_TYPES,
    Obj,
    Unknown,
    derived,
    parse_int,
    show_value,
    value_key,
    wrap,
)


@dataclass
class Bounds:
    max_paths: int = 256
    max_steps: int = 20_000
    loop_bound: int = 4
    seconds: float = 2.0


@dataclass
class TraceStep:
    line: int
    note: str = ""  # in C terms: "alloc_cpumask_var() fails", "hv_do_hypercall() -> 5"
    case: bool = False  # a branch on an unknown: this path's side of it


@dataclass
class PathResult:
    returned: Any
    exit_line: int
    trace: list[TraceStep]
    inconclusive: str = ""  # which bound this path hit, if any


@dataclass
class StubCall:
    """What a stub sees: the model state, the argument values, where it was called."""

    state: Any
    args: list[Any]
    line: int
    name: str
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.notes.append(text)


class Inconclusive(Exception):
    """A bound was hit; the path's result says nothing."""


class _Return(Exception):
    def __init__(self, value: Any, line: int):
        self.value, self.line = value, line


class _Goto(Exception):
    def __init__(self, label: str):
        self.label = label


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def constants(src: CSource) -> dict[str, int]:
    """Enum constants and integer #defines of the file (computed once per parse)."""
    if "constants" not in src.memo:
        src.memo["constants"] = _find_constants(src)
    return src.memo["constants"]


def _find_constants(src: CSource) -> dict[str, int]:
    found: dict[str, int] = {}
    stack = [src.tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "enumerator_list":
            value = -1
            for item in node.named_children:
                if item.type != "enumerator":
                    continue
                given = item.child_by_field_name("value")
                if given is not None:
                    try:
                        value = parse_int(given.text.decode())
                    except ValueError:
                        value = found.get(given.text.decode(), value + 1)
                else:
                    value += 1
                found[item.child_by_field_name("name").text.decode()] = value
        elif node.type == "preproc_def":
            value = node.child_by_field_name("value")
            if value is not None:
                with contextlib.suppress(ValueError):
                    found[node.child_by_field_name("name").text.decode()] = parse_int(
                        value.text.decode().strip().strip("()"))
        elif node.type != "function_definition":
            stack.extend(node.children)
    return found


def _int_type(decl: Any) -> tuple[int, bool] | None:
    type_node = decl.child_by_field_name("type")
    if type_node is None:
        return None
    return INT_TYPES.get(" ".join(type_node.text.decode().split()))


def _is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown | Obj) or not isinstance(value, int | bool | str)


class _Run:
    """One path through the function under a fixed list of earlier decisions."""

    def __init__(self, interp: Interpreter, state: Any, decisions: list[bool]):
        self.interp = interp
        self.state = state
        self.decisions = decisions
        self.position = 0
        self.alternatives: list[list[bool]] = []
        self.assumed: dict[str, bool] = {}
        self.locals: dict[str, Any] = {}
        self.types: dict[str, tuple[int, bool]] = {}
        self.trace: list[TraceStep] = []
        self.steps = 0
        self.bound_hit = ""

    # bookkeeping ---------------------------------------------------------
    def mark(self, node: Any, note: str = "", case: bool = False) -> None:
        line = node.start_point[0] + 1
        if note or not self.trace or self.trace[-1].line != line:
            self.trace.append(TraceStep(line, note, case))
        self.steps += 1
        if self.steps > self.interp.bounds.max_steps:
            raise Inconclusive(f"more than {self.interp.bounds.max_steps} steps")
        if self.steps % 256 == 0 and time.monotonic() > self.interp.deadline:
            raise Inconclusive("time bound reached")

    def decide(self, key: str | None) -> bool:
        """The answer to an unknown condition: replayed, assumed before, or a new fork."""
        if key is not None and key in self.assumed:
            return self.assumed[key]
        if self.position < len(self.decisions):
            choice = self.decisions[self.position]
        else:
            choice = False
            self.alternatives.append(self.decisions[: self.position] + [True])
            self.decisions = self.decisions[: self.position] + [False]
        self.position += 1
        if key is not None:
            self.assumed[key] = choice
        return choice

    def truth(self, value: Any, node: Any, cache: bool = True, loop_macro: str = "") -> bool:
        if isinstance(value, bool | int):
            return bool(value)
        if isinstance(value, str):
            return True
        text = value_key(value)
        negated = text.startswith("(!(") and text.endswith("))")
        key = text[3:-2] if negated else text
        answer = self.decide(key if cache else None)
        answer = (not answer) if negated else answer
        text = node.text.decode(errors="replace")
        self.mark(node, phrases.loop(loop_macro, text, answer) if loop_macro
                  else phrases.condition(text, answer), True)
        return answer

    # statements ----------------------------------------------------------
    def run(self, fn: CFunction, args: list[Any]) -> PathResult:
        params = fn.node.child_by_field_name("declarator")
        while params is not None and params.type != "function_declarator":
            params = params.child_by_field_name("declarator")
        names = []
        if params is not None:
            for p in params.child_by_field_name("parameters").named_children:
                decl = p.child_by_field_name("declarator")
                while decl is not None and decl.type not in ("identifier",):
                    decl = decl.child_by_field_name("declarator")
                if decl is not None:
                    names.append(decl.text.decode())
        self.locals.update(zip(names, args, strict=False))
        body = fn.node.child_by_field_name("body")
        try:
            self.block(body.named_children)
        except _Return as ret:
            return PathResult(ret.value, ret.line, self.trace, self.bound_hit)
        except _Goto as goto:
            raise Inconclusive(f"goto {goto.label}: label not found") from None
        return PathResult(None, fn.end_line, self.trace, self.bound_hit)

    def block(self, statements: list[Any]) -> None:
        index = 0
        while index < len(statements):
            try:
                self.stmt(statements[index])
                index += 1
            except _Goto as goto:
                target = next((i for i, s in enumerate(statements)
                               if s.type == "labeled_statement"
                               and s.child_by_field_name("label").text.decode() == goto.label),
                              None)
                if target is None:
                    raise
                index = target

    def stmt(self, node: Any) -> None:
        kind = node.type
        if kind in ("comment", "preproc_call", "preproc_def") or not node.is_named:
            return
        if kind == "labeled_statement":
            for child in node.named_children[1:]:
                self.stmt(child)
            return
        self.mark(node)
        handler = getattr(self, "s_" + kind, None)
        if handler is not None:
            handler(node)
        elif kind.startswith("preproc_if"):
            raise Inconclusive(f"#if inside the function at line {node.start_point[0] + 1}")
        else:
            self.expr(node)

    def s_compound_statement(self, node: Any) -> None:
        self.block(node.named_children)

    def s_expression_statement(self, node: Any) -> None:
        for child in node.named_children:
            self.expr(child)

    def s_declaration(self, node: Any) -> None:
        width = _int_type(node)
        for child in node.named_children:
            if child.type == "init_declarator":
                decl = child.child_by_field_name("declarator")
                value = self.expr(child.child_by_field_name("value"))
            elif child.type in ("identifier", "pointer_declarator", "array_declarator"):
                decl, value = child, None
            else:
                continue
            name = self._decl_name(decl)
            scalar = width is not None and decl.type == "identifier"
            if scalar:
                self.types[name] = width
            if value is None:
                value = Unknown(f"uninitialised {name}") if scalar else Obj(name)
            self.assign_local(name, value)

    @staticmethod
    def _decl_name(node: Any) -> str:
        while node.type != "identifier" and node.child_by_field_name("declarator") is not None:
            node = node.child_by_field_name("declarator")
        return node.text.decode()

    def assign_local(self, name: str, value: Any) -> None:
        if name in self.types and isinstance(value, int) and not isinstance(value, bool):
            value = wrap(value, *self.types[name])
        self.locals[name] = value

    def s_return_statement(self, node: Any) -> None:
        value = self.expr(node.named_children[0]) if node.named_children else None
        raise _Return(value, node.start_point[0] + 1)

    def s_goto_statement(self, node: Any) -> None:
        raise _Goto(node.child_by_field_name("label").text.decode())

    def s_break_statement(self, node: Any) -> None:
        raise _Break

    def s_continue_statement(self, node: Any) -> None:
        raise _Continue

    def s_if_statement(self, node: Any) -> None:
        condition = node.child_by_field_name("condition")
        line = node.start_point[0] + 1
        if node.start_byte in self.interp.src.facts.cond_guards:  # scoped_cond_guard: the
            self.stmt(node.child_by_field_name("consequence"))  # model takes the lock
            return
        if line in self.interp.src.guard_lines:
            self.expr(condition)
            self.stmt(node.child_by_field_name("consequence"))
            return
        if self.truth(self.expr(condition), condition):
            self.stmt(node.child_by_field_name("consequence"))
        else:
            alternative = node.child_by_field_name("alternative")
            if alternative is not None:
                for child in alternative.named_children:
                    self.stmt(child)

    def _loop(self, node: Any, test: Callable[[int], bool], body: Any,
              update: Any = None, first_without_test: bool = False) -> None:
        iteration = 0
        while first_without_test and iteration == 0 or test(iteration):
            if iteration >= self.interp.bounds.loop_bound:
                self.bound_hit = (f"loop at line {node.start_point[0] + 1} unrolled "
                                  f"{self.interp.bounds.loop_bound} times")
                return
            iteration += 1
            try:
                self.stmt(body)
            except _Break:
                return
            except _Continue:
                pass
            if update is not None:
                self.expr(update)

    def s_while_statement(self, node: Any) -> None:
        condition = node.child_by_field_name("condition")
        macro = self.interp.src.macro_loops.get(node.start_point[0] + 1)
        if macro and macro in self.interp.stubs:  # the model says how many times
            count = self.interp.stubs[macro](StubCall(self.state, [], 0, macro))
            if isinstance(count, int):
                self.mark(node, phrases.loop_count(macro, condition.text.decode(
                    errors="replace"), count))
                self._loop(node, lambda i: i < count, node.child_by_field_name("body"))
                return
        self._loop(node, lambda i: self.truth(self.expr(condition), condition, cache=False,
                                              loop_macro=macro or ""),
                   node.child_by_field_name("body"))

    def s_do_statement(self, node: Any) -> None:
        condition = node.child_by_field_name("condition")
        self._loop(node, lambda i: self.truth(self.expr(condition), condition, cache=False),
                   node.child_by_field_name("body"), first_without_test=True)

    def s_for_statement(self, node: Any) -> None:
        init = node.child_by_field_name("initializer")
        if init is not None:
            self.stmt(init) if init.type == "declaration" else self.expr(init)
        condition = node.child_by_field_name("condition")

        def test(_: int) -> bool:
            return condition is None or self.truth(self.expr(condition), condition,
                                                   cache=False)

        self._loop(node, test, node.child_by_field_name("body"),
                   node.child_by_field_name("update"))

    def s_switch_statement(self, node: Any) -> None:
        value = self.expr(node.child_by_field_name("condition"))
        cases = [c for c in node.child_by_field_name("body").named_children
                 if c.type == "case_statement"]
        start = None
        for n, case in enumerate(cases):
            label = case.child_by_field_name("value")
            if label is None:
                continue
            operator = label.child_by_field_name("operator") \
                if label.type == "binary_expression" else None
            if operator is not None and operator.start_byte in self.interp.src.facts.case_ranges:
                low = self.expr(label.child_by_field_name("left"))  # case LOW ... HIGH:
                high = self.expr(label.child_by_field_name("right"))
                match = self.binary("&", self.binary(">=", value, low),
                                    self.binary("<=", value, high))
            else:
                match = self.binary("==", value, self.expr(label))
            if self.truth(match, case):
                start = n
                break
        if start is None:
            start = next((n for n, c in enumerate(cases)
                          if c.child_by_field_name("value") is None), None)
        if start is None:
            return
        try:
            for case in cases[start:]:
                for child in case.named_children:
                    if child != case.child_by_field_name("value"):
                        self.stmt(child)
        except _Break:
            pass

    # expressions ---------------------------------------------------------
    def expr(self, node: Any) -> Any:
        if node is None:
            return None
        handler = getattr(self, "e_" + node.type, None)
        if handler is None:
            for child in node.named_children:
                self.expr(child)
            return Unknown(node.type)
        return handler(node)

    def e_number_literal(self, node: Any) -> Any:
        try:
            return parse_int(node.text.decode())
        except ValueError:
            return Unknown(node.text.decode())

    def e_char_literal(self, node: Any) -> Any:
        text = node.text.decode().strip("'")
        return ord(text[-1]) if text else 0

    def e_string_literal(self, node: Any) -> str:
        return node.text.decode()[1:-1]

    def e_concatenated_string(self, node: Any) -> str:
        return "".join(self.expr(c) for c in node.named_children)

    def e_true(self, node: Any) -> int:
        return 1

    def e_false(self, node: Any) -> int:
        return 0

    def e_null(self, node: Any) -> int:
        return 0

    def e_identifier(self, node: Any) -> Any:
        name = node.text.decode()
        if name in self.locals:
            return self.locals[name]
        if name in self.interp.constants:
            return self.interp.constants[name]
        if name == "__func__":
            return self.interp.fn.name
        if name == "NULL":
            return 0
        return Unknown(name)

    def e_parenthesized_expression(self, node: Any) -> Any:
        value = None
        for child in node.named_children:
            value = self.expr(child)
        return value

    def e_comma_expression(self, node: Any) -> Any:
        self.expr(node.child_by_field_name("left"))
        return self.expr(node.child_by_field_name("right"))

    def e_cast_expression(self, node: Any) -> Any:
        value = self.expr(node.child_by_field_name("value"))
        width = INT_TYPES.get(" ".join(node.child_by_field_name("type").text.decode().split()))
        if width and isinstance(value, int):
            return wrap(value, *width)
        return value

    def e_sizeof_expression(self, node: Any) -> int:
        return 8

    def e_compound_statement(self, node: Any) -> Any:  # ({ ... }): value of the last one
        value = None
        for child in node.named_children:
            if child.type == "expression_statement" and child.named_children:
                value = self.expr(child.named_children[0])
            else:
                self.stmt(child)
        return value

    def e_conditional_expression(self, node: Any) -> Any:
        condition = node.child_by_field_name("condition")
        if self.truth(self.expr(condition), condition):
            return self.expr(node.child_by_field_name("consequence"))
        return self.expr(node.child_by_field_name("alternative"))

    def e_field_expression(self, node: Any) -> Any:
        base = self.expr(node.child_by_field_name("argument"))
        name = node.child_by_field_name("field").text.decode()
        if isinstance(base, Obj):
            return getattr(base, name)
        return derived("{}." + name, base)

    def e_subscript_expression(self, node: Any) -> Any:
        self.expr(node.child_by_field_name("index"))
        return Unknown(node.text.decode(errors="replace")[:40])

    def e_pointer_expression(self, node: Any) -> Any:
        return self.expr(node.child_by_field_name("argument"))  # &x and *x: the object itself

    def e_unary_expression(self, node: Any) -> Any:
        op = node.child_by_field_name("operator").type
        value = self.expr(node.child_by_field_name("argument"))
        if _is_unknown(value):
            return derived(op + "({})", value)
        if op == "!":
            return int(not value)
        if op == "-":
            return -value
        if op == "~":
            return ~value
        return value

    def e_update_expression(self, node: Any) -> Any:
        target = node.child_by_field_name("argument")
        op = node.child_by_field_name("operator").type
        old = self.expr(target)
        new = self.binary("+" if op == "++" else "-", old, 1)
        self.store(target, new)
        return old if node.children[0] == target else new

    def binary(self, op: str, left: Any, right: Any) -> Any:
        if _is_unknown(left) or _is_unknown(right):
            return derived("{} " + op + " {}", left, right)
        ops: dict[str, Callable[[Any, Any], Any]] = {
            "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
            "/": lambda a, b: int(a / b) if b else Unknown("division by zero"),
            "%": lambda a, b: a % b if b else Unknown("modulo by zero"),
            "<<": lambda a, b: a << b, ">>": lambda a, b: a >> b,
            "&": lambda a, b: a & b, "|": lambda a, b: a | b, "^": lambda a, b: a ^ b,
            "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b),
            "<": lambda a, b: int(a < b), "<=": lambda a, b: int(a <= b),
            ">": lambda a, b: int(a > b), ">=": lambda a, b: int(a >= b),
        }
        return ops[op](left, right) if op in ops else derived("{} " + op + " {}", left, right)

    def e_binary_expression(self, node: Any) -> Any:
        op = node.child_by_field_name("operator").type
        left_node, right_node = node.child_by_field_name("left"), node.child_by_field_name("right")
        if op in ("&&", "||"):
            left = self.truth(self.expr(left_node), left_node)
            if (op == "&&" and not left) or (op == "||" and left):
                return int(left)
            return int(self.truth(self.expr(right_node), right_node))
        return self.binary(op, self.expr(left_node), self.expr(right_node))

    def e_assignment_expression(self, node: Any) -> Any:
        op = node.child_by_field_name("operator").type
        target = node.child_by_field_name("left")
        value = self.expr(node.child_by_field_name("right"))
        if op != "=":
            value = self.binary(op[:-1], self.expr(target), value)
        self.store(target, value)
        return value

    def store(self, target: Any, value: Any) -> None:
        if target.type == "identifier":
            self.assign_local(target.text.decode(), value)
        elif target.type == "field_expression":
            base = self.expr(target.child_by_field_name("argument"))
            if isinstance(base, Obj):
                setattr(base, target.child_by_field_name("field").text.decode(), value)
        elif target.type in ("parenthesized_expression", "pointer_expression"):
            inner = target.named_children[-1] if target.named_children else None
            if inner is not None and inner.type in ("identifier", "field_expression"):
                self.store(inner, value)

    def e_call_expression(self, node: Any) -> Any:
        name = callee_name(node) or "(indirect)"
        args_node = node.child_by_field_name("arguments")
        args = [self.expr(a) for a in args_node.named_children] if args_node else []
        stub = self.interp.stubs.get(name)
        if stub is None:
            return Unknown(f"{name}()")
        call = StubCall(self.state, args, node.start_point[0] + 1, name)
        result = stub(call)
        if isinstance(result, Unknown) and not call.notes:
            self.mark(node)  # the branch on it says which way it went
            return result
        shown = "" if result is None or isinstance(result, Obj) else f" -> {show_value(result)}"
        self.mark(node, f"{name}(){shown}" + "".join(f"; {n}" for n in call.notes))
        return result


class Interpreter:
    """Explores every path of one function in a model, within bounds."""

    def __init__(self, src: CSource, fn: CFunction, stubs: dict[str, Callable[[StubCall], Any]],
                 bounds: Bounds | None = None):
        self.src, self.fn, self.stubs = src, fn, stubs
        self.bounds = bounds or Bounds()
        self.constants = constants(src)
        self.deadline = 0.0

    def explore(self, make_state: Callable[[], Any],
                make_args: Callable[[Any], list[Any]]) -> list[tuple[Any, PathResult]]:
        """(state after, result) for every path; inconclusive results say which bound."""
        self.deadline = time.monotonic() + self.bounds.seconds
        pending: list[list[bool]] = [[]]
        results: list[tuple[Any, PathResult]] = []
        while pending:
            if len(results) >= self.bounds.max_paths:
                state = make_state()
                results.append((state, PathResult(None, self.fn.end_line, [],
                                                  f"more than {self.bounds.max_paths} paths")))
                break
            state = make_state()
            run = _Run(self, state, pending.pop())
            try:
                result = run.run(self.fn, make_args(state))
            except Inconclusive as exc:
                result = PathResult(None, self.fn.end_line, run.trace, str(exc))
            except (_Break, _Continue):
                result = PathResult(None, self.fn.end_line, run.trace,
                                    "break or continue outside a loop")
            pending.extend(reversed(run.alternatives))
            results.append((state, result))
        return results
