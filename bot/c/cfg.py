"""Control-flow graph of one C function, built from the tree-sitter tree.

Nodes are the evaluation steps a path rule cares about: calls (in evaluation
order), assignments of values that are not a call's result (``ret = -EIO``,
``d->np = np``: what was returned and what was handed on), branches (with the
condition, true edge first), returns (with the returned expression) and the
fall off the end (exits), and calls that never return (dead ends that are not
exits). ``&&``, ``||`` and ``?:`` are branches, so a call on the right of
``&&`` is not on every path. Both arms of an ``#if``/``#ifdef`` are possible;
each arm opens with a join node that names it (``arm``), so a path can keep
to the same arm of blocks under the same condition (a lock taken in one
``#if`` and dropped in a later one).

cleanup.h is modelled where it acts:

- ``guard``: a lock guard taken (``guard(C)(args)``, ``scoped_guard(C, args)``,
  ``scoped_cond_guard(C, FAIL, args)``, ``CLASS(C, var)(args)``,
  ``ACQUIRE(C, var)(args)``): ``cleanup`` is the class C, ``args`` the argument texts.
  A ``scoped_cond_guard`` node has a true edge (taken: its body runs) and a false edge
  (not taken: FAIL runs, then the statement after it);
- ``unguard``: that guard released, on every path that leaves its scope (the end of
  the block, ``return``, ``goto`` out, ``break``/``continue`` out);
- ``free``: a ``__free(C)`` variable released where its scope is left: ``cleanup``
  is C, ``var`` and ``args`` the variable. Whether it was handed on first
  (``no_free_ptr(p)``, ``return_ptr(p)``: ordinary call nodes before it) is for the
  analysis to decide.

``break`` and ``continue`` inside a ``scoped_guard`` leave the guard statement (it
is a ``for`` loop in the kernel).

The builder never recurses in Python: each handler is a generator that yields the
sub-walks it needs, and one loop drives them from an explicit stack, so nesting
costs memory, not stack depth. Lists of open ends longer than a few entries are
joined into one node, so long ``else if`` chains and ``&&`` chains stay linear.
"""

from __future__ import annotations

import bisect
from collections.abc import Generator
from dataclasses import dataclass, field
from functools import cached_property
from types import GeneratorType
from typing import Any

from bot.c.parse import CFunction
from bot.c.rewrite import CondGuard

End = tuple[int, bool | None]  # (node id, edge label: True/False on branches, else None)
Walk = Generator[Any, Any, Any]

_SKIP = {"comment", "{", "}", ";", "type_definition", "preproc_def", "preproc_call",
         "preproc_function_def", "preproc_include", "#endif", "preproc_directive"}
_NO_RUNTIME = {"sizeof_expression", "offsetof_expression", "alignof_expression",
               "string_literal", "concatenated_string", "char_literal", "number_literal"}
_MAX_ENDS = 8


@dataclass
class Node:
    id: int
    line: int
    # entry, call, assign, branch, join, return, end, noreturn, guard, unguard, free
    kind: str
    call: str | None = None  # callee name for call nodes
    call_node: Any = None  # the tree-sitter call_expression
    cond: Any = None  # the tree-sitter condition for branch nodes
    assigned: str | None = None  # variable a call's result (or an assign's value) is stored into
    expr: Any = None  # assign: the assignment or init declarator; return: the returned value
    macro: str = ""  # branch: the loop macro it tests, as written (for_each_cpu_and)
    succ: list[End] = field(default_factory=list)
    cleanup: str | None = None  # cleanup.h class of guard, unguard and free nodes
    args: tuple[str, ...] = ()  # argument texts of guard, unguard and free nodes
    var: str | None = None  # the variable a free node releases (or a CLASS() guard holds)
    arm: tuple[str, int] | None = None  # join opening an #if arm: (its #if as written, arm)

    @property
    def is_exit(self) -> bool:
        return self.kind in ("return", "end")

    def arguments(self) -> list[str]:
        """Argument texts, whitespace squeezed: of the call, or of the cleanup."""
        if self.call_node is None:
            return list(self.args)
        args = self.call_node.child_by_field_name("arguments")
        return [_squeeze(a) for a in args.named_children] if args is not None else []


@dataclass
class CFG:
    function: str
    nodes: list[Node]
    entry: int = 0

    def exits(self) -> list[Node]:
        return [n for n in self.nodes if n.is_exit]

    @cached_property
    def called(self) -> frozenset[str]:
        """The names of the calls and loop macros in the function."""
        return frozenset(n.call if n.kind == "call" else n.macro for n in self.nodes
                         if (n.kind == "call" and n.call) or (n.kind == "branch" and n.macro))


def _squeeze(node: Any) -> str:
    return " ".join(node.text.decode(errors="replace").split())


def callee_name(call: Any) -> str | None:
    fn = call.child_by_field_name("function")
    while fn is not None and fn.type == "call_expression":  # guard(mutex)(&lock): guard
        fn = fn.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "identifier":
        return fn.text.decode()
    if fn.type == "parenthesized_expression" and fn.named_child_count == 1:
        inner = fn.named_children[0]
        return inner.text.decode() if inner.type == "identifier" else None
    return None


def _target_name(node: Any) -> str | None:
    """``x`` for ``x``, ``*x`` and ``x[3]`` declarators; the text of other lvalues."""
    while node is not None and node.type in ("pointer_declarator", "array_declarator"):
        node = node.child_by_field_name("declarator")
    return node.text.decode() if node is not None else None


# Calls that stand for their one argument in a condition: branch hints and the warnings
# that return what they test. ``if (unlikely(!p))`` branches on ``p`` as ``if (!p)`` does.
CONDITION_WRAPPERS = frozenset({"likely", "unlikely", "unlikely_notrace", "WARN_ON",
                                "WARN_ON_ONCE"})


def _unwrapped(node: Any) -> Any:
    """``x`` for ``(x)`` and ``(type)x``."""
    while node.type in ("parenthesized_expression", "cast_expression") and node.named_children:
        node = node.child_by_field_name("value") if node.type == "cast_expression" else \
            node.named_children[-1]
    return node


def _line(node: Any) -> int:
    return node.start_point[0] + 1


def _end_line(node: Any) -> int:
    return node.end_point[0] + 1


def _key(node: Any) -> tuple[int, int, str]:
    return node.start_byte, node.end_byte, node.type


@dataclass
class _Cleanup:
    kind: str  # unguard | free
    cls: str
    args: tuple[str, ...]
    var: str | None = None


@dataclass
class _Scope:
    node: Any  # the statement whose extent the scope is
    cleanups: list[_Cleanup] = field(default_factory=list)


@dataclass
class _Jump:
    """Where ``break``/``continue`` go from inside a loop, switch or scoped guard."""

    breaks: list[End]
    cont: int | None  # continue target; None: continue goes further out
    depth: int  # how many scopes were open outside it
    guard: bool = False  # a scoped guard: continue leaves it like break


def _guard_call(node: Any) -> tuple[str, Any, Any] | None:
    """(``guard``/``CLASS``/``ACQUIRE``, its own argument list, the lock's argument list)
    of ``guard(C)(args)``, ``CLASS(C, var)(args)`` and ``ACQUIRE(C, var)(args)``."""
    if node.type != "call_expression":
        return None
    inner = node.child_by_field_name("function")
    if inner is None or inner.type != "call_expression":
        return None
    name = inner.child_by_field_name("function")
    if name is None or name.type != "identifier" or \
            name.text not in (b"guard", b"CLASS", b"ACQUIRE"):
        return None
    return (name.text.decode(), inner.child_by_field_name("arguments"),
            node.child_by_field_name("arguments"))


class _Builder:
    def __init__(self, fn: CFunction, noreturn: set[str], guard_lines: set[int],
                 loop_macros: dict[int, str]):
        self.fn = fn
        self.noreturn = noreturn
        facts = fn.facts
        self.guard_lines = guard_lines | (facts.guard_lines if facts else set())
        self.loop_macros = {**(facts.macro_loops if facts else {}), **loop_macros}
        self.cond_guards: dict[int, CondGuard] = facts.cond_guards if facts else {}
        self.free_classes: dict[int, str] = facts.free_classes if facts else {}
        self.free_offsets = sorted(self.free_classes)
        self.nodes: list[Node] = []
        self.labels: dict[str, int] = {}
        self.label_nodes: dict[str, Any] | None = None  # name -> labeled_statement, lazily
        self.jumps: list[_Jump] = []
        self.scopes: list[_Scope] = []

    # the driver ------------------------------------------------------------
    @staticmethod
    def run(walk: Walk) -> Any:
        """Drive ``walk`` and every sub-walk it yields, from an explicit stack."""
        stack = [walk]
        value = None
        while stack:
            try:
                request = stack[-1].send(value)
            except StopIteration as done:
                stack.pop()
                value = done.value
                continue
            if isinstance(request, GeneratorType):
                stack.append(request)
                value = None
            else:  # a sub-walk that needed no walking: its result
                value = request
        return value

    # graph helpers ---------------------------------------------------------
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

    def merged(self, ends: list[End], line: int) -> list[End]:
        """``ends``, joined into one node when there are many (keeps the work linear)."""
        if len(ends) <= _MAX_ENDS:
            return ends
        return self.step(ends, self.new(line, "join"))

    def label_node(self, name: str, line: int) -> int:
        if name not in self.labels:
            self.labels[name] = self.new(line, "join").id
        return self.labels[name]

    # scopes and cleanups ---------------------------------------------------
    def release(self, scopes: list[_Scope], ends: list[End], line: int) -> list[End]:
        """Run the cleanups of ``scopes`` (innermost first, each in reverse order)."""
        for scope in reversed(scopes):
            for c in reversed(scope.cleanups):
                if not ends:
                    return ends
                ends = self.step(ends, self.new(line, c.kind, cleanup=c.cls, args=c.args,
                                                var=c.var))
        return ends

    def leave(self, ends: list[End], depth: int, line: int) -> list[End]:
        """Leave every scope opened beyond ``depth``."""
        return self.release(self.scopes[depth:], ends, line)

    def label_depth(self, name: str) -> int:
        """How many of the open scopes also hold label ``name``."""
        if not any(s.cleanups for s in self.scopes):
            return len(self.scopes)
        if self.label_nodes is None:
            self.label_nodes = {}
            stack = [self.fn.node]
            while stack:
                node = stack.pop()
                if node.type == "labeled_statement":
                    self.label_nodes[node.child_by_field_name("label").text.decode()] = node
                stack.extend(node.named_children)
        node = self.label_nodes.get(name)
        around = set()
        while node is not None:
            around.add(_key(node))
            node = node.parent
        depth = 0
        while depth < len(self.scopes) and _key(self.scopes[depth].node) in around:
            depth += 1
        return depth

    # expressions -----------------------------------------------------------
    def expr(self, node: Any, ends: list[End], assigned: str | None = None) -> Any:
        """The ends after evaluating ``node`` (a walk, or the ends when there is nothing)."""
        if node is None or not ends or node.named_child_count == 0 or \
                node.type in _NO_RUNTIME:
            return ends
        return self._expr(node, ends, assigned)

    def _expr(self, node: Any, ends: list[End], assigned: str | None) -> Walk:
        kind = node.type
        if kind == "binary_expression" and node.child_by_field_name("operator").type in (
                "&&", "||"):
            true_ends, false_ends = yield self.cond(node, ends)
            return self.merged(true_ends + false_ends, _end_line(node))
        if kind == "conditional_expression":
            true_ends, false_ends = yield self.cond(node.child_by_field_name("condition"), ends)
            a = yield self.expr(node.child_by_field_name("consequence"), true_ends)
            b = yield self.expr(node.child_by_field_name("alternative"), false_ends)
            return self.merged(a + b, _end_line(node))
        if kind == "compound_statement":  # statement expression ({ ... })
            return (yield self.s_compound_statement(node, ends))
        if kind == "call_expression":
            for child in node.children:
                if child.type == "argument_list":
                    for arg in child.named_children:
                        if arg.named_child_count:  # a leaf needs no walk
                            ends = yield self.expr(arg, ends)
                elif child.type == "call_expression":
                    ends = yield self.expr(child, ends)
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
            ends = yield self.expr(right, ends, assigned=target)
            if right is not None and _unwrapped(right).type != "call_expression":
                ends = self.step(ends, self.new(_line(node), "assign", assigned=target,
                                                expr=node))
            return ends
        if kind in ("cast_expression", "parenthesized_expression") and assigned:
            value = node.child_by_field_name("value") if kind == "cast_expression" else \
                node.named_children[-1] if node.named_children else None
            return (yield self.expr(value, ends, assigned=assigned))
        for child in node.named_children:
            if child.named_child_count:  # a leaf needs no walk
                ends = yield self.expr(child, ends)
        return ends

    def cond(self, node: Any, ends: list[End]) -> Walk:
        """Ends where ``node`` is true and where it is false (short-circuit aware)."""
        while True:
            if node.type == "parenthesized_expression" and node.named_child_count == 1:
                node = node.named_children[0]
            elif node.type == "call_expression" and callee_name(node) in CONDITION_WRAPPERS \
                    and node.child_by_field_name("arguments").named_child_count == 1:
                node = node.child_by_field_name("arguments").named_children[0]
            else:
                break
        if node.type == "binary_expression":
            op = node.child_by_field_name("operator").type
            if op in ("&&", "||"):
                lt, lf = yield self.cond(node.child_by_field_name("left"), ends)
                line = _end_line(node)
                if op == "&&":
                    rt, rf = yield self.cond(node.child_by_field_name("right"), lt)
                    return rt, self.merged(lf + rf, line)
                rt, rf = yield self.cond(node.child_by_field_name("right"), lf)
                return self.merged(lt + rt, line), rf
        if node.type == "unary_expression" and node.child_by_field_name("operator").type == "!":
            t, f = yield self.cond(node.child_by_field_name("argument"), ends)
            return f, t
        ends = yield self.expr(node, ends)
        if node.type == "number_literal" and node.text.strip(b"ULul") not in (b"0", b""):
            return ends, []  # while (1): no false edge
        if node.type == "true":
            return ends, []
        branch = self.new(_line(node), "branch", cond=node)
        self.link(ends, branch.id)
        return [(branch.id, True)], [(branch.id, False)]

    # statements ------------------------------------------------------------
    def stmt(self, node: Any, ends: list[End]) -> Any:
        kind = node.type
        if kind in _SKIP or not node.is_named:
            return ends
        if kind == "labeled_statement":
            return self.s_labeled_statement(node, ends)
        handler = getattr(self, "s_" + kind, None)
        if handler is not None:
            return handler(node, ends)
        if kind.startswith("preproc_if"):
            return self.s_preproc(node, ends)
        return self.expr(node, ends)

    def s_labeled_statement(self, node: Any, ends: list[End]) -> Walk:
        label = self.label_node(node.child_by_field_name("label").text.decode(), _line(node))
        self.nodes[label].line = _line(node)
        self.link(ends, label)
        ends = [(label, None)]
        for child in node.named_children[1:]:
            ends = yield self.stmt(child, ends)
        return ends

    def s_compound_statement(self, node: Any, ends: list[End]) -> Walk:
        self.scopes.append(_Scope(node))
        for child in node.children:
            ends = yield self.stmt(child, ends)
        scope = self.scopes.pop()
        return self.release([scope], ends, _end_line(node))

    def s_expression_statement(self, node: Any, ends: list[End]) -> Walk:
        for child in node.named_children:
            guard = _guard_call(child)
            if guard is not None:
                ends = yield self.guard_statement(child, guard, ends)
            else:
                ends = yield self.expr(child, ends)
        return ends

    def guard_statement(self, node: Any, guard: tuple[str, Any, Any],
                        ends: list[End]) -> Walk:
        """``guard(C)(args);``, ``CLASS(C, var)(args);`` or ``ACQUIRE(C, var)(args);``: held
        until the block ends (whether an ACQUIRE took the lock is what ``ACQUIRE_ERR(C,
        &var)``, an ordinary call, says)."""
        name, own, lock = guard
        for arg in lock.named_children if lock is not None else ():
            ends = yield self.expr(arg, ends)
        own_args = [_squeeze(a) for a in own.named_children] if own is not None else []
        cls = own_args[0] if own_args else ""
        var = own_args[1] if name != "guard" and len(own_args) > 1 else None
        args = tuple(_squeeze(a) for a in lock.named_children) if lock is not None else ()
        ends = self.step(ends, self.new(_line(node), "guard", cleanup=cls, args=args, var=var))
        if self.scopes:
            self.scopes[-1].cleanups.append(_Cleanup("unguard", cls, args, var))
        return ends

    def s_declaration(self, node: Any, ends: list[End]) -> Walk:
        declarators = node.children_by_field_name("declarator") if self.free_offsets else []
        for child in node.named_children:
            if child.type == "init_declarator":
                ends = yield self.expr(child, ends)
        for i, declarator in enumerate(declarators):
            upto = declarators[i + 1].start_byte if i + 1 < len(declarators) else node.end_byte
            at = bisect.bisect_left(self.free_offsets, declarator.start_byte)
            if at < len(self.free_offsets) and self.free_offsets[at] < upto and self.scopes:
                inner = declarator.child_by_field_name("declarator") \
                    if declarator.type == "init_declarator" else declarator
                var = _target_name(inner)
                self.scopes[-1].cleanups.append(_Cleanup(
                    "free", self.free_classes[self.free_offsets[at]], (var or "",), var))
        return ends

    def s_return_statement(self, node: Any, ends: list[End]) -> Walk:
        value = next((c for c in node.named_children if c.type != "comment"), None)
        ends = yield self.expr(value, ends)
        ends = self.leave(ends, 0, _line(node))
        if ends:
            self.step(ends, self.new(_line(node), "return", expr=value))
        return []

    def s_goto_statement(self, node: Any, ends: list[End]) -> Any:
        name = node.child_by_field_name("label").text.decode()
        ends = self.leave(ends, self.label_depth(name), _line(node))
        self.link(ends, self.label_node(name, _line(node)))
        return []

    def s_break_statement(self, node: Any, ends: list[End]) -> Any:
        if self.jumps:
            jump = self.jumps[-1]
            jump.breaks.extend(self.leave(ends, jump.depth, _line(node)))
        return []

    def s_continue_statement(self, node: Any, ends: list[End]) -> Any:
        for jump in reversed(self.jumps):
            if jump.guard:
                jump.breaks.extend(self.leave(ends, jump.depth, _line(node)))
                break
            if jump.cont is not None:
                self.link(self.leave(ends, jump.depth, _line(node)), jump.cont)
                break
        return []

    def s_if_statement(self, node: Any, ends: list[End]) -> Walk:
        condition = node.child_by_field_name("condition")
        cond_guard = self.cond_guards.get(node.start_byte)
        if cond_guard is not None or _line(node) in self.guard_lines:
            return (yield self.scoped_guard(node, ends, cond_guard))
        true_ends, false_ends = yield self.cond(condition, ends)
        out = yield self.stmt(node.child_by_field_name("consequence"), true_ends)
        alternative = node.child_by_field_name("alternative")
        if alternative is not None and alternative.type == "else_clause":
            for child in alternative.named_children:
                false_ends = yield self.stmt(child, false_ends)
        elif alternative is not None:
            false_ends = yield self.stmt(alternative, false_ends)
        return self.merged(out + false_ends, _end_line(node))

    def scoped_guard(self, node: Any, ends: list[End], cond_guard: CondGuard | None) -> Walk:
        """``scoped_guard(C, args) body`` (rewritten to an ``if``), or
        ``scoped_cond_guard(C, FAIL, args) body``: FAIL runs when the lock is not taken."""
        condition = node.child_by_field_name("condition")
        fail = None
        if cond_guard is not None:
            cls, args = cond_guard.cls, cond_guard.args
            fail = next((n for n in _descendants(condition) if n.type == "compound_statement"),
                        None)
        else:
            inner = condition.named_children[0] if condition.named_child_count else None
            parts = _comma_parts(inner) if inner is not None else []
            for part in parts[1:]:
                ends = yield self.expr(part, ends)
            cls = _squeeze(parts[0]) if parts else ""
            args = tuple(_squeeze(p) for p in parts[1:])
        guard = self.new(_line(node), "guard", cleanup=cls, args=args)
        self.link(ends, guard.id)
        jump = _Jump([], None, len(self.scopes), guard=True)
        self.jumps.append(jump)
        failed: list[End] = []
        if fail is not None:
            failed = yield self.s_compound_statement(fail, [(guard.id, False)])
        self.scopes.append(_Scope(node, [_Cleanup("unguard", cls, args)]))
        taken = [(guard.id, True if cond_guard is not None else None)]
        body = yield self.stmt(node.child_by_field_name("consequence"), taken)
        scope = self.scopes.pop()
        body = self.release([scope], body, _end_line(node))
        self.jumps.pop()
        return self.merged(body + failed + jump.breaks, _end_line(node))

    def loop(self, node: Any, ends: list[End]) -> Walk:
        kind = node.type
        head = self.new(_line(node), "join")
        body = node.child_by_field_name("body")
        condition = node.child_by_field_name("condition")
        self.scopes.append(_Scope(node))  # a for loop's declarations
        depth = len(self.scopes)
        if kind == "for_statement":
            init = node.child_by_field_name("initializer")
            if init is not None:
                ends = yield (self.s_declaration(init, ends) if init.type == "declaration"
                              else self.expr(init, ends))
        if kind == "do_statement":
            cont = self.new(_line(condition) if condition else _line(node), "join")
            self.link(ends, head.id)
            jump = _Jump([], cont.id, depth)
            self.jumps.append(jump)
            after_body = yield self.stmt(body, [(head.id, None)])
            self.jumps.pop()
            self.link(after_body, cont.id)
            true_ends, false_ends = yield self.cond(condition, [(cont.id, None)])
            self.link(true_ends, head.id)
        else:
            self.link(ends, head.id)
            if condition is not None:
                true_ends, false_ends = yield self.cond(condition, [(head.id, None)])
                if _line(node) in self.loop_macros and true_ends:
                    self.nodes[true_ends[0][0]].macro = self.loop_macros[_line(node)]
            else:
                true_ends, false_ends = [(head.id, None)], []
            update = node.child_by_field_name("update")
            cont_node = self.new(_line(node), "join") if update is not None else head
            jump = _Jump([], cont_node.id, depth)
            self.jumps.append(jump)
            after_body = yield self.stmt(body, true_ends)
            self.jumps.pop()
            if update is not None:
                self.link(after_body, cont_node.id)
                after_body = yield self.expr(update, [(cont_node.id, None)])
            self.link(after_body, head.id)
        scope = self.scopes.pop()
        return self.release([scope], self.merged(false_ends + jump.breaks, _end_line(node)),
                            _end_line(node))

    s_while_statement = s_for_statement = s_do_statement = loop

    def s_switch_statement(self, node: Any, ends: list[End]) -> Walk:
        ends = yield self.expr(node.child_by_field_name("condition"), ends)
        switch = self.new(_line(node), "branch", cond=None)
        self.link(ends, switch.id)
        jump = _Jump([], None, len(self.scopes))
        self.jumps.append(jump)
        body = node.child_by_field_name("body")
        self.scopes.append(_Scope(body))
        flow: list[End] = []
        has_default = False
        for case in body.named_children:
            if case.type != "case_statement":
                flow = yield self.stmt(case, flow)
                continue
            start = self.new(_line(case), "join")
            self.link(flow, start.id)
            self.link([(switch.id, None)], start.id)
            has_default |= case.children[0].type == "default"
            flow = [(start.id, None)]
            value = case.child_by_field_name("value")
            for child in case.named_children:
                if child != value:
                    flow = yield self.stmt(child, flow)
        scope = self.scopes.pop()
        flow = self.release([scope], flow, _end_line(node))
        self.jumps.pop()
        out = flow + jump.breaks
        if not has_default:
            out.append((switch.id, None))
        return self.merged(out, _end_line(node))

    def s_preproc(self, node: Any, ends: list[End]) -> Walk:
        """#if/#ifdef arms inside a body: each arm is a possible path."""
        arms: list[End] = []
        line = _end_line(node)
        opening = _squeeze(node.child_by_field_name("name") or
                           node.child_by_field_name("condition") or node)
        opening = f"{node.child(0).type if node.child(0) is not None else ''} {opening}"
        index = 0
        while node is not None:
            arm, alternative = self.step(ends, self.new(node.start_point[0] + 1, "join",
                                                        arm=(opening, index))), None
            header = (node.child_by_field_name("name"), node.child_by_field_name("condition"))
            for child in node.named_children:
                if child.type in ("preproc_else", "preproc_elif", "preproc_elifdef"):
                    alternative = child
                elif child not in header:
                    arm = yield self.stmt(child, arm)
            arms = self.merged(arms + arm, line)
            if node.type == "preproc_else":
                return arms
            node, index = alternative, index + 1
        none_taken = self.step(ends, self.new(line, "join", arm=(opening, index)))
        return self.merged(arms + none_taken, line)


def _descendants(node: Any):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.named_children))


def _comma_parts(node: Any) -> list[Any]:
    """``a, b, c`` -> [a, b, c] without recursion."""
    parts = []
    while node is not None and node.type == "comma_expression":
        parts.append(node.child_by_field_name("left"))
        node = node.child_by_field_name("right")
    if node is not None:
        parts.append(node)
    return parts


def build_cfg(fn: CFunction, noreturn: set[str] | frozenset[str] = frozenset(),
              guard_lines: set[int] | frozenset[int] = frozenset(),
              loop_macros: dict[int, str] | None = None) -> CFG:
    """The CFG of ``fn``; calls named in ``noreturn`` end their path without an exit;
    ``loop_macros`` (line -> name) keeps a ``for_each_*`` loop's name for reports (the
    function's own rewrite facts supply both when it has them)."""
    builder = _Builder(fn, set(noreturn), set(guard_lines), dict(loop_macros or {}))
    entry = builder.new(fn.start_line, "entry")
    ends = builder.run(builder.s_compound_statement(fn.node.child_by_field_name("body"),
                                                    [(entry.id, None)]))
    builder.step(ends, builder.new(fn.end_line, "end"))
    return CFG(fn.name, builder.nodes, entry.id)
