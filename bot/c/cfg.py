"""Control-flow graph of one C function, built from the tree-sitter tree.

Nodes are the evaluation steps a path rule cares about: calls (in evaluation
order), assignments of values that are not a call's result (``ret = -EIO``,
``d->np = np``: what was returned and what was handed on), branches (with the
condition, true edge first), returns (with the returned expression) and the
fall off the end (exits), and calls that never return (dead ends that are not
exits). ``&&``, ``||`` and ``?:`` are branches, so a call on the right of
``&&`` is not on every path. Both arms of an ``#if``/``#ifdef`` are possible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.c.parse import CFunction

End = tuple[int, bool | None]  # (node id, edge label: True/False on branches, else None)

_LOOPS = ("while_statement", "for_statement", "do_statement")
_SKIP = {"comment", "{", "}", ";", "type_definition", "preproc_def", "preproc_call",
         "preproc_function_def", "preproc_include", "#endif", "preproc_directive"}


@dataclass
class Node:
    id: int
    line: int
    kind: str  # entry, call, assign, branch, join, return, end, noreturn
    call: str | None = None  # callee name for call nodes
    call_node: Any = None  # the tree-sitter call_expression
    cond: Any = None  # the tree-sitter condition for branch nodes
    assigned: str | None = None  # variable a call's result (or an assign's value) is stored into
    expr: Any = None  # assign: the assignment or init declarator; return: the returned value
    macro: str = ""  # branch: the loop macro it tests, as written (for_each_cpu_and)
    succ: list[End] = field(default_factory=list)

    @property
    def is_exit(self) -> bool:
        return self.kind in ("return", "end")


@dataclass
class CFG:
    function: str
    nodes: list[Node]
    entry: int = 0

    def exits(self) -> list[Node]:
        return [n for n in self.nodes if n.is_exit]


def callee_name(call: Any) -> str | None:
    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "identifier":
        return fn.text.decode()
    if fn.type == "call_expression":  # guard(mutex)(&lock): the guard itself
        return callee_name(fn)
    if fn.type == "parenthesized_expression" and fn.named_child_count == 1:
        inner = fn.named_children[0]
        return inner.text.decode() if inner.type == "identifier" else None
    return None


def _target_name(node: Any) -> str | None:
    """``x`` for ``x``, ``*x`` and ``x[3]`` declarators; the text of other lvalues."""
    while node is not None and node.type in ("pointer_declarator", "array_declarator"):
        node = node.child_by_field_name("declarator")
    return node.text.decode() if node is not None else None


def _unwrapped(node: Any) -> Any:
    """``x`` for ``(x)`` and ``(type)x``."""
    while node.type in ("parenthesized_expression", "cast_expression") and node.named_children:
        node = node.child_by_field_name("value") if node.type == "cast_expression" else \
            node.named_children[-1]
    return node


def _line(node: Any) -> int:
    return node.start_point[0] + 1


class _Builder:
    def __init__(self, fn: CFunction, noreturn: set[str], guard_lines: set[int],
                 loop_macros: dict[int, str]):
        self.fn = fn
        self.noreturn = noreturn
        self.guard_lines = guard_lines
        self.loop_macros = loop_macros
        self.nodes: list[Node] = []
        self.labels: dict[str, int] = {}
        self.loop_stack: list[tuple[list[End], int | None]] = []  # (break ends, continue)
        self.pending_gotos: list[tuple[int, str]] = []

    def new(self, line: int, kind: str, **extra: Any) -> Node:
        node = Node(len(self.nodes), line, kind, **extra)
        self.nodes.append(node)
        return node

    def link(self, ends: list[End], target: int) -> None:
        for node_id, label in ends:
            self.nodes[node_id].succ.append((target, label))

    def step(self, ends: list[End], node: Node) -> list[End]:
        self.link(ends, node.id)
        return [(node.id, None)]

    def label_node(self, name: str, line: int) -> int:
        if name not in self.labels:
            self.labels[name] = self.new(line, "join").id
        return self.labels[name]

    # expressions ---------------------------------------------------------
    def expr(self, node: Any, ends: list[End], assigned: str | None = None) -> list[End]:
        if node is None or not ends:
            return ends
        kind = node.type
        if kind == "binary_expression" and node.child_by_field_name("operator").type in (
                "&&", "||"):
            true_ends, false_ends = self.cond(node, ends)
            return true_ends + false_ends
        if kind == "conditional_expression":
            true_ends, false_ends = self.cond(node.child_by_field_name("condition"), ends)
            a = self.expr(node.child_by_field_name("consequence"), true_ends)
            b = self.expr(node.child_by_field_name("alternative"), false_ends)
            return a + b
        if kind == "compound_statement":  # statement expression ({ ... })
            return self.block(node, ends)
        if kind == "call_expression":
            for child in node.children:
                if child.type == "argument_list":
                    for arg in child.named_children:
                        ends = self.expr(arg, ends)
                elif child.type == "call_expression":
                    ends = self.expr(child, ends)
            name = callee_name(node)
            call = self.new(_line(node), "call", call=name, call_node=node, assigned=assigned)
            ends = self.step(ends, call)
            if name in self.noreturn:
                call.kind = "noreturn"
                return []
            return ends
        if kind in ("assignment_expression", "init_declarator"):
            left = node.child_by_field_name("left") or node.child_by_field_name("declarator")
            right = node.child_by_field_name("right") or node.child_by_field_name("value")
            target = _target_name(left)
            ends = self.expr(right, ends, assigned=target)
            if right is not None and _unwrapped(right).type != "call_expression":
                ends = self.step(ends, self.new(_line(node), "assign", assigned=target,
                                                expr=node))
            return ends
        if kind in ("cast_expression", "parenthesized_expression") and assigned:
            value = node.child_by_field_name("value") if kind == "cast_expression" else \
                node.named_children[-1] if node.named_children else None
            return self.expr(value, ends, assigned=assigned)
        for child in node.named_children:
            ends = self.expr(child, ends)
        return ends

    def cond(self, node: Any, ends: list[End]) -> tuple[list[End], list[End]]:
        """Ends where ``node`` is true and where it is false (short-circuit aware)."""
        while node.type == "parenthesized_expression" and node.named_child_count == 1:
            node = node.named_children[0]
        if node.type == "binary_expression":
            op = node.child_by_field_name("operator").type
            if op in ("&&", "||"):
                lt, lf = self.cond(node.child_by_field_name("left"), ends)
                if op == "&&":
                    rt, rf = self.cond(node.child_by_field_name("right"), lt)
                    return rt, lf + rf
                rt, rf = self.cond(node.child_by_field_name("right"), lf)
                return lt + rt, rf
        if node.type == "unary_expression" and node.child_by_field_name("operator").type == "!":
            t, f = self.cond(node.child_by_field_name("argument"), ends)
            return f, t
        ends = self.expr(node, ends)
        if node.type == "number_literal" and node.text.strip(b"ULul") not in (b"0", b""):
            return ends, []  # while (1): no false edge
        if node.type in ("true",):
            return ends, []
        branch = self.new(_line(node), "branch", cond=node)
        self.link(ends, branch.id)
        return [(branch.id, True)], [(branch.id, False)]

    # statements ----------------------------------------------------------
    def block(self, node: Any, ends: list[End]) -> list[End]:
        for child in node.children:
            ends = self.stmt(child, ends)
        return ends

    def stmt(self, node: Any, ends: list[End]) -> list[End]:
        kind = node.type
        if kind in _SKIP or not node.is_named:
            return ends
        if kind == "labeled_statement":
            label = self.label_node(node.child_by_field_name("label").text.decode(), _line(node))
            self.nodes[label].line = _line(node)
            self.link(ends, label)
            ends = [(label, None)]
            for child in node.named_children[1:]:
                ends = self.stmt(child, ends)
            return ends
        if not ends:
            return ends  # unreachable code after return/goto: nothing flows in
        handler = getattr(self, "s_" + kind, None)
        if handler is not None:
            return handler(node, ends)
        if kind.startswith("preproc_if"):
            return self.s_preproc(node, ends)
        return self.expr(node, ends)

    def s_compound_statement(self, node: Any, ends: list[End]) -> list[End]:
        return self.block(node, ends)

    def s_expression_statement(self, node: Any, ends: list[End]) -> list[End]:
        for child in node.named_children:
            ends = self.expr(child, ends)
        return ends

    def s_declaration(self, node: Any, ends: list[End]) -> list[End]:
        for child in node.named_children:
            if child.type == "init_declarator":
                ends = self.expr(child, ends)
        return ends

    def s_return_statement(self, node: Any, ends: list[End]) -> list[End]:
        value = next((c for c in node.named_children if c.type != "comment"), None)
        ends = self.expr(value, ends)
        self.step(ends, self.new(_line(node), "return", expr=value))
        return []

    def s_goto_statement(self, node: Any, ends: list[End]) -> list[End]:
        name = node.child_by_field_name("label").text.decode()
        self.link(ends, self.label_node(name, _line(node)))
        return []

    def s_break_statement(self, node: Any, ends: list[End]) -> list[End]:
        if self.loop_stack:
            self.loop_stack[-1][0].extend(ends)
        return []

    def s_continue_statement(self, node: Any, ends: list[End]) -> list[End]:
        for _breaks, cont in reversed(self.loop_stack):
            if cont is not None:
                self.link(ends, cont)
                break
        return []

    def s_if_statement(self, node: Any, ends: list[End]) -> list[End]:
        condition = node.child_by_field_name("condition")
        if _line(node) in self.guard_lines:  # scoped_guard(...) { }: body always runs
            ends = self.expr(condition, ends)
            return self.stmt(node.child_by_field_name("consequence"), ends)
        true_ends, false_ends = self.cond(condition, ends)
        out = self.stmt(node.child_by_field_name("consequence"), true_ends)
        alternative = node.child_by_field_name("alternative")
        if alternative is not None and alternative.type == "else_clause":
            for child in alternative.named_children:
                false_ends = self.stmt(child, false_ends)
        elif alternative is not None:
            false_ends = self.stmt(alternative, false_ends)
        return out + false_ends

    def _loop(self, node: Any, ends: list[End], kind: str) -> list[End]:
        head = self.new(_line(node), "join")
        breaks: list[End] = []
        body = node.child_by_field_name("body")
        condition = node.child_by_field_name("condition")
        if kind == "for_statement":
            init = node.child_by_field_name("initializer")
            if init is not None:
                ends = self.stmt(init, ends) if init.type == "declaration" else \
                    self.expr(init, ends)
        if kind == "do_statement":
            cont = self.new(_line(condition) if condition else _line(node), "join")
            self.link(ends, head.id)
            self.loop_stack.append((breaks, cont.id))
            after_body = self.stmt(body, [(head.id, None)])
            self.loop_stack.pop()
            self.link(after_body, cont.id)
            true_ends, false_ends = self.cond(condition, [(cont.id, None)])
            self.link(true_ends, head.id)
            return false_ends + breaks
        self.link(ends, head.id)
        if condition is not None:
            true_ends, false_ends = self.cond(condition, [(head.id, None)])
            if _line(node) in self.loop_macros and true_ends:
                self.nodes[true_ends[0][0]].macro = self.loop_macros[_line(node)]
        else:
            true_ends, false_ends = [(head.id, None)], []
        update = node.child_by_field_name("update")
        cont_node = self.new(_line(node), "join") if update is not None else head
        self.loop_stack.append((breaks, cont_node.id))
        after_body = self.stmt(body, true_ends)
        self.loop_stack.pop()
        if update is not None:
            self.link(after_body, cont_node.id)
            after_body = self.expr(update, [(cont_node.id, None)])
        self.link(after_body, head.id)
        return false_ends + breaks

    def s_while_statement(self, node: Any, ends: list[End]) -> list[End]:
        return self._loop(node, ends, "while_statement")

    def s_for_statement(self, node: Any, ends: list[End]) -> list[End]:
        return self._loop(node, ends, "for_statement")

    def s_do_statement(self, node: Any, ends: list[End]) -> list[End]:
        return self._loop(node, ends, "do_statement")

    def s_switch_statement(self, node: Any, ends: list[End]) -> list[End]:
        ends = self.expr(node.child_by_field_name("condition"), ends)
        switch = self.new(_line(node), "branch", cond=None)
        self.link(ends, switch.id)
        breaks: list[End] = []
        self.loop_stack.append((breaks, None))
        flow: list[End] = []
        has_default = False
        for case in node.child_by_field_name("body").named_children:
            if case.type != "case_statement":
                flow = self.stmt(case, flow)
                continue
            start = self.new(_line(case), "join")
            self.link(flow, start.id)
            self.link([(switch.id, None)], start.id)
            has_default |= case.children[0].type == "default"
            flow = [(start.id, None)]
            for child in case.named_children:
                if child != case.child_by_field_name("value"):
                    flow = self.stmt(child, flow)
        self.loop_stack.pop()
        out = flow + breaks
        if not has_default:
            out.append((switch.id, None))
        return out

    def s_preproc(self, node: Any, ends: list[End]) -> list[End]:
        """#if/#ifdef arms inside a body: each arm is a possible path."""
        arm, alternative = ends, None
        header = (node.child_by_field_name("name"), node.child_by_field_name("condition"))
        for child in node.named_children:
            if child.type in ("preproc_else", "preproc_elif", "preproc_elifdef"):
                alternative = child
            elif child not in header:
                arm = self.stmt(child, arm)
        if node.type == "preproc_else":
            return arm
        if alternative is None:
            return arm + ends
        return arm + self.s_preproc(alternative, ends)


def build_cfg(fn: CFunction, noreturn: set[str] | frozenset[str] = frozenset(),
              guard_lines: set[int] | frozenset[int] = frozenset(),
              loop_macros: dict[int, str] | None = None) -> CFG:
    """The CFG of ``fn``; calls named in ``noreturn`` end their path without an exit;
    ``loop_macros`` (line -> name) keeps a ``for_each_*`` loop's name for reports."""
    builder = _Builder(fn, set(noreturn), set(guard_lines), dict(loop_macros or {}))
    entry = builder.new(fn.start_line, "entry")
    ends = builder.stmt(fn.node.child_by_field_name("body"), [(entry.id, None)])
    builder.step(ends, builder.new(fn.end_line, "end"))
    return CFG(fn.name, builder.nodes, entry.id)
