"""What a function returns on a path: error or success, as a reviewer reads it.

An exit is an *error exit* when the value returned there is a negative errno,
an ``ERR_PTR``, ``NULL`` from a pointer function, ``false`` from a bool one, or
a variable that the path tested as such (``if (ret) goto err; ... err: return
ret;``). The variables a function returns are tracked along the path as sets
of atoms (zero, negative, positive, ...), refined by the branches the path
takes; a branch the tracked values contradict is not a path at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.c.cfg import CFG, CONDITION_WRAPPERS, Node, callee_name
from bot.c.resources import declarator_identifier

# value atoms: what a tracked variable may hold on a path
Z, NEG, POS, NZ, NN, EP, U = "zero", "neg", "pos", "nonzero", "nonneg", "errptr", "unknown"
# a driver's named status, whose number we do not know: _SUCCESS, RT_STATUS_FAILURE
OK, FAIL = "ok", "fail"
NOK = "notok"  # a status tested not to be the success one: a failure of some kind
ANY = frozenset({U})
_STATUS_OK = re.compile(r"_?(?:[A-Z0-9]+_)*(?:SUCCESS|OK)")
_STATUS_FAIL = re.compile(r"_?(?:[A-Z0-9]+_)*(?:FAIL|FAILURE|FAILED)")

# predicate -> atom -> what the atom becomes when the predicate holds (None: impossible)
_REFINE: dict[str, dict[str, Any]] = {
    "zero": {Z: Z, NEG: None, POS: None, NZ: None, NN: Z, EP: None, U: Z},
    "nonzero": {Z: None, NEG: NEG, POS: POS, NZ: NZ, NN: POS, EP: EP, U: NZ},
    "neg": {Z: None, NEG: NEG, POS: None, NZ: NEG, NN: None, EP: None, U: NEG},
    "nonneg": {Z: Z, NEG: None, POS: POS, NZ: POS, NN: NN, EP: None, U: NN},
    "pos": {Z: None, NEG: None, POS: POS, NZ: POS, NN: POS, EP: None, U: POS},
    "nonpos": {Z: Z, NEG: NEG, POS: None, NZ: NEG, NN: Z, EP: None, U: (Z, NEG)},
    "errptr": {Z: None, NEG: None, POS: None, NZ: EP, NN: None, EP: EP, U: EP},
    "validptr": {Z: Z, NEG: None, POS: POS, NZ: POS, NN: NN, EP: None, U: POS},
    "errornull": {Z: Z, NEG: None, POS: None, NZ: EP, NN: Z, EP: EP, U: (EP, Z)},
    "valid": {Z: None, NEG: None, POS: POS, NZ: POS, NN: POS, EP: None, U: POS},
    "isneg": {Z: None, NEG: NEG, POS: None, NZ: NEG, NN: None, EP: None, U: NEG},
}
# x == _SUCCESS ("isok") and x == _FAIL ("isfail"), and their negations
_REFINE["isok"] = {OK: OK, FAIL: None, NOK: None, U: OK}
_REFINE["notok"] = {OK: None, FAIL: FAIL, NOK: NOK, U: NOK}
_REFINE["isfail"] = {OK: None, FAIL: FAIL, NOK: FAIL, U: FAIL}
_REFINE["notfail"] = {OK: OK, FAIL: None, NOK: NOK, U: U}
_OPPOSITE = {"isok": "notok", "notok": "isok", "isfail": "notfail", "notfail": "isfail",
             "zero": "nonzero", "nonzero": "zero", "neg": "nonneg", "nonneg": "neg",
             "pos": "nonpos", "nonpos": "pos", "errptr": "validptr", "validptr": "errptr",
             "errornull": "valid", "valid": "errornull"}
_ERROR_VALUE_CALLS = {"ERR_PTR": EP, "ERR_CAST": EP, "PTR_ERR": NEG}
_AS_COUNT = {U: NN, NZ: POS}  # what a count's unknown or nonzero value is
_INT_TYPES = {"int", "long", "ssize_t", "s32", "s64", "irqreturn_t", "vm_fault_t"}


def unwrap(node: Any) -> Any:
    """The expression under parentheses, casts and ``likely()``-style wrappers."""
    while node is not None:
        if node.type == "parenthesized_expression" and node.named_children:
            node = node.named_children[-1]
        elif node.type == "cast_expression":
            node = node.child_by_field_name("value")
        elif node.type == "call_expression" and callee_name(node) in CONDITION_WRAPPERS:
            args = node.child_by_field_name("arguments").named_children
            if len(args) != 1:
                return node
            node = args[0]
        else:
            return node
    return node


def tested_name(node: Any) -> str | None:
    """The variable a condition operand stands for: ``x``, ``(x = f())``, ``x->y``."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "assignment_expression":
        return tested_name(node.child_by_field_name("left"))
    if node.type in ("identifier", "field_expression"):
        return "".join(node.text.decode(errors="replace").split()).replace(".", "->")
    return None


def status_name(node: Any) -> str | None:
    """``OK`` or ``FAIL`` for a driver's named status constant (``_SUCCESS``, ``_FAIL``),
    else None."""
    node = unwrap(node)
    if node is None or node.type != "identifier":
        return None
    text = node.text.decode(errors="replace")
    if _STATUS_OK.fullmatch(text):
        return OK
    return FAIL if _STATUS_FAIL.fullmatch(text) else None


def _is_zero(node: Any) -> bool:
    node = unwrap(node)
    return node is not None and (node.type in ("null", "false") or
                                 node.text in (b"0", b"NULL", b"false"))


def _is_negative_constant(node: Any) -> bool:
    node = unwrap(node)
    return node is not None and node.type == "unary_expression" and \
        node.child_by_field_name("operator").type == "-" and \
        node.child_by_field_name("argument").type in ("identifier", "number_literal")


def condition_predicate(cond: Any, name_of: Callable[[Any], str | None] | None = None
                        ) -> tuple[str, str] | None:
    """(variable, predicate that holds on the true edge), or None: ``cond`` tests no variable.

    ``name_of`` says which operands stand for a variable (default: ``tested_name``).
    """
    name_for = name_of or tested_name
    cond = unwrap(cond)
    if cond is None:
        return None
    name = name_for(cond)
    if name is not None:
        return name, "nonzero"
    if cond.type == "call_expression":
        fn = callee_name(cond)
        args = cond.child_by_field_name("arguments").named_children
        if fn in ("IS_ERR", "IS_ERR_OR_NULL") and len(args) == 1:
            name = name_for(args[0])
            if name is not None:
                return name, "errptr" if fn == "IS_ERR" else "errornull"
        return None
    if cond.type != "binary_expression":
        return None
    op = cond.child_by_field_name("operator").type
    left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
    flip = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
    if name_for(left) is None and name_for(right) is not None or \
            status_name(left) and not status_name(right):
        left, right, op = right, left, flip.get(op, op)
    name = name_for(left)
    if name is None:
        return None
    status = status_name(right)
    if status is not None:
        return (name, ("is" if op == "==" else "not") + status) if op in ("==", "!=") \
            else None
    if _is_zero(right):
        return name, {"==": "zero", "!=": "nonzero", "<": "neg", ">=": "nonneg", ">": "pos",
                      "<=": "nonpos"}.get(op, "") or None
    if _is_negative_constant(right) and op in ("==", "!="):
        return name, "isneg" if op == "==" else "notneg"
    return None


def refine(atoms: frozenset[str], predicate: str, holds: bool) -> frozenset[str] | None:
    """``atoms`` on the edge where ``predicate`` holds (or not); None when impossible."""
    if predicate == "notneg":  # x != -EFOO: nothing learnt on the true edge
        predicate, holds = "isneg", not holds
    if predicate == "isneg" and not holds:
        return atoms
    if not holds:
        predicate = _OPPOSITE[predicate]
    out: set[str] = set()
    for atom in atoms:
        # an atom a test does not name stays: no numeric test rules out a named status
        got = _REFINE[predicate].get(atom, atom)
        if isinstance(got, tuple):
            out.update(got)
        elif got is not None:
            out.add(got)
    return frozenset(out) or None


@dataclass
class ReturnFacts:
    """How one function reports errors, and which variables it returns."""

    kind: str  # int | pointer | bool | void | other
    returned: tuple[str, ...]  # variables returned somewhere (at most three are tracked)
    flags: tuple[str, ...] = ()  # tested locals set to constants, parameters never set (three)
    counters: frozenset[str] = frozenset()  # returned counts or indexes: never an errno

    @property
    def tracked(self) -> tuple[str, ...]:
        """The variables whose atoms a path carries: the returned ones, then the flags."""
        return self.returned + self.flags

    def value(self, node: Any, values: dict[str, frozenset[str]]) -> frozenset[str]:
        """The possible atoms of an expression, given the tracked variables' atoms."""
        node = unwrap(node)
        if node is None:
            return ANY
        kind = node.type
        if kind == "number_literal":
            return frozenset({Z if node.text.rstrip(b"ULul") in (b"0", b"0x0") else POS})
        if kind in ("null", "false") or node.text in (b"NULL", b"false"):
            return frozenset({Z})
        if kind == "true" or node.text == b"true":
            return frozenset({POS})
        if _is_negative_constant(node):
            return frozenset({NEG})
        status = status_name(node)
        if status is not None:
            return frozenset({status})
        if kind == "conditional_expression":  # only the arms the tracked values allow
            test = condition_predicate(node.child_by_field_name("condition"))
            atoms = values.get(test[0]) if test is not None else None
            out: frozenset[str] = frozenset()
            for arm, holds in (("consequence", True), ("alternative", False)):
                if atoms is None or refine(atoms, test[1], holds) is not None:
                    out |= self.value(node.child_by_field_name(arm), values)
            return out
        if kind == "call_expression":
            fn = callee_name(node)
            if fn in _ERROR_VALUE_CALLS:
                return frozenset({_ERROR_VALUE_CALLS[fn]})
            if fn == "dev_err_probe":
                args = node.child_by_field_name("arguments").named_children
                got = self.value(args[1], values) if len(args) > 1 else ANY
                return got if got != ANY else frozenset({NEG})
            return ANY
        name = tested_name(node)
        if name in values:
            return values[name]
        return ANY

    def classify(self, atoms: frozenset[str]) -> str:
        """``error``, ``success`` or ``maybe`` for a returned value's atoms."""
        if self.kind == "int":
            errors, successes = {NEG, NZ, EP, FAIL, NOK}, {Z, POS, NN, OK}
        elif self.kind == "pointer":
            errors, successes = {Z, EP, NEG, FAIL, NOK}, {POS, NZ, NN, U, OK}
        elif self.kind == "bool":
            errors, successes = {Z, FAIL, NOK}, {POS, NZ, NN, OK}
        else:
            return "success"
        if atoms <= errors:
            return "error"
        if atoms <= successes:
            return "success"
        return "maybe"

    def exit_class(self, node: Node, values: dict[str, frozenset[str]]) -> str:
        """What the exit ``node`` returns on a path where the tracked variables hold ``values``."""
        if node.kind == "end":
            return "success"
        if node.expr is None:  # return; in a void function: an early way out
            return "error" if self.kind == "void" else "success"
        atoms = self.value(node.expr, values)
        if tested_name(node.expr) in self.counters:  # a count not proved negative
            atoms = frozenset(_AS_COUNT.get(atom, atom) for atom in atoms)
        return self.classify(atoms)


def returns_result(node: Node, call: Node) -> bool:
    """Whether exit ``node`` returns what call node ``call`` returned, as is: ``return
    get(...);``, or ``return ret;`` after ``ret = get(...)``."""
    if node.kind != "return" or node.expr is None or call.call_node is None:
        return False
    expr = unwrap(node.expr)
    return expr == call.call_node or (
        expr is not None and expr.type == "identifier" and call.assigned is not None and
        expr.text.decode(errors="replace") == call.assigned.strip())


def return_kind(fn_node: Any) -> str:
    """int | pointer | bool | void | other: how the function's result reads."""
    declarator = fn_node.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        if declarator.type == "pointer_declarator":
            return "pointer"
        declarator = declarator.child_by_field_name("declarator")
    type_node = fn_node.child_by_field_name("type")
    text = type_node.text.decode(errors="replace") if type_node is not None else "int"
    if text == "void":
        return "void"
    if text in ("bool", "_Bool"):
        return "bool"
    if text in _INT_TYPES or text.startswith(("unsigned", "signed", "long", "short")) or \
            text in ("u32", "u16", "u8", "u64", "size_t"):
        return "int"
    return "other"


def return_facts(cfg: CFG, fn_node: Any) -> ReturnFacts:
    returned: list[str] = []
    for node in cfg.nodes:
        if node.kind == "return" and node.expr is not None:
            name = tested_name(node.expr)
            if name is not None and name not in returned and "->" not in name:
                returned.append(name)
    kind = return_kind(fn_node)
    return ReturnFacts(kind, tuple(returned[:3]),
                       tuple(n for n in _flags(cfg, fn_node) if n not in returned)[:3],
                       _counters(fn_node, returned[:3]) if kind == "int" else frozenset())


def _counters(fn_node: Any, returned: list[str]) -> frozenset[str]:
    """Returned locals the function advances (``n += step``, ``n++``) and never sets to a
    call's result or a negative constant: an index or a count, whose unknown value at
    an exit is a result, not an errno (``return dentry;`` after a search succeeded)."""
    advanced: set[str] = set()
    spoilt: set[str] = set()
    stack = [fn_node.child_by_field_name("body")]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        stack.extend(node.named_children)
        if node.type == "update_expression":
            advanced.add(tested_name(node.child_by_field_name("argument")) or "")
            continue
        if node.type == "init_declarator":
            left, right, op = node.child_by_field_name("declarator"), \
                node.child_by_field_name("value"), None
        elif node.type == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            op = node.child_by_field_name("operator").type
        else:
            continue
        name = tested_name(left)
        if name not in returned:
            continue
        if op in ("+=", "-="):
            advanced.add(name)
        if op not in (None, "=", "+=", "-=") or _may_carry_error(right):
            spoilt.add(name)
    return frozenset(advanced & set(returned) - spoilt)


def _may_carry_error(node: Any) -> bool:
    """Whether an assigned value may be an errno: a call's result or a negative constant
    somewhere in it."""
    stack = [node]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if node.type == "call_expression" or _is_negative_constant(node):
            return True
        stack.extend(node.named_children)
    return False


def _parameters(fn_node: Any) -> set[str]:
    """The names of the function's parameters."""
    declarator = fn_node.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        declarator = declarator.child_by_field_name("declarator")
    params = declarator.child_by_field_name("parameters") if declarator is not None else None
    names = set()
    for param in params.named_children if params is not None else ():
        node = param.child_by_field_name("declarator")
        while node is not None and node.type != "identifier":
            node = node.child_by_field_name("declarator")
        if node is not None:
            names.add(node.text.decode())
    return names


def _flags(cfg: CFG, fn_node: Any) -> list[str]:
    """Locals that every assignment sets to a constant, and parameters never assigned,
    that some branch tests (``published = true; ... if (published) undo();``, ``if
    (lock) spin_lock(); ... if (lock) spin_unlock();``): tracking them keeps a path
    from taking the branch its own assignment or first test ruled out."""
    constant: dict[str, bool] = {}
    for node in cfg.nodes:
        if node.assigned is None or node.kind not in ("assign", "call"):
            continue
        value = None
        if node.kind == "assign" and node.expr is not None and node.expr.type in (
                "assignment_expression", "init_declarator"):
            op = node.expr.child_by_field_name("operator")
            value = unwrap(node.expr.child_by_field_name("right") or
                           node.expr.child_by_field_name("value")) if op is None or \
                op.type == "=" else None
        name = node.assigned
        constant[name] = constant.get(name, True) and name.isidentifier() and \
            value is not None and (value.type in ("true", "false", "null", "number_literal")
                                   or value.text in (b"true", b"false", b"NULL")
                                   or status_name(value) is not None)
    fixed = {name for name in _parameters(fn_node) if name not in constant}
    tests: dict[str, int] = {}  # flag -> branches testing it, in order of the first
    for node in cfg.nodes:
        test = condition_predicate(node.cond) if node.kind == "branch" and \
            node.cond is not None and not node.macro else None
        if test is not None and (test[0] in constant or test[0] in fixed):
            tests[test[0]] = tests.get(test[0], 0) + 1
    # a parameter, or a local set from a call (``r = get(dev); ... if (r >= 0) put(dev);``),
    # matters where a second test could contradict the first; constant locals first
    tested = [name for name in tests if constant.get(name)] + \
        [name for name, count in tests.items() if name in fixed and count > 1] + \
        [name for name in _declared(fn_node, {
            name for name, count in tests.items()
            if name in constant and not constant[name] and count > 1})]
    if not tested:
        return tested
    text = fn_node.text.decode(errors="replace")  # changed otherwise: ++, --, through &,
    return [name for name in tested if not re.search(  # or a compound assignment
        rf"(\+\+|--|(?<!&)&(?!&))\s*{name}\b(?!\s*(->|\.|\[))|\b{name}\s*(\+\+|--)"
        rf"|\b{name}\s*([-+*/%|&^]|<<|>>)=", text)]


def _declared(fn_node: Any, names: set[str]) -> list[str]:
    """Those of ``names`` the function declares as locals (a global or a field may change
    in any call)."""
    found: list[str] = []
    stack = [fn_node.child_by_field_name("body")] if names else []
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if node.type == "declaration":
            for child in node.named_children:
                name = declarator_identifier(child)
                if name in names and name not in found:
                    found.append(name)
        stack.extend(node.named_children)
    return found


class ValueTracker:
    """The returned variables' atoms along a path: assignments and branch tests; and
    the arm a path took of each ``#if`` (``arms``: their conditions as written)."""

    def __init__(self, facts: ReturnFacts, arms: tuple[str, ...] = ()):
        self.facts = facts
        self.names = facts.tracked
        self.arms = arms
        self.start = tuple(ANY for _ in self.names) + tuple(ANY for _ in arms)

    def _as_dict(self, values: tuple) -> dict[str, frozenset[str]]:
        return dict(zip(self.names, values[:len(self.names)], strict=True))

    def enter(self, node: Node, values: tuple) -> tuple | None:
        """The values on entering ``node``; None when it opens another arm of an ``#if``
        whose condition the path already took an arm of."""
        if node.arm is None or node.arm[0] not in self.arms:
            return values
        at = len(self.names) + self.arms.index(node.arm[0])
        taken = frozenset({str(node.arm[1])})
        if values[at] != ANY:
            return values if values[at] == taken else None
        return values[:at] + (taken,) + values[at + 1:]

    def after(self, node: Node, values: tuple) -> tuple:
        """The atoms after the assignment or call ``node``."""
        target = node.assigned
        if target not in self.names:
            return values
        at = self.names.index(target)
        if node.kind == "call":
            new = ANY
        elif node.kind == "assign" and node.expr is not None and node.expr.type in (
                "assignment_expression", "init_declarator"):
            op = node.expr.child_by_field_name("operator")
            right = node.expr.child_by_field_name("right") or \
                node.expr.child_by_field_name("value")
            new = self.facts.value(right, self._as_dict(values)) if op is None or \
                op.type == "=" else ANY
        else:
            return values
        return values[:at] + (new,) + values[at + 1:]

    def on_edge(self, node: Node, label: bool | None, values: tuple) -> tuple | None:
        """The atoms on the ``label`` edge of branch ``node``; None if the edge cannot be taken."""
        if node.kind != "branch" or node.cond is None or label is None:
            return values
        test = condition_predicate(node.cond)
        if test is None or test[0] not in self.names:
            return values
        at = self.names.index(test[0])
        got = refine(values[at], test[1], label)
        if got is None:
            return None
        return values[:at] + (got,) + values[at + 1:]

    def exit_class(self, node: Node, values: tuple) -> str:
        return self.facts.exit_class(node, self._as_dict(values))

    def returned(self, node: Node, values: tuple) -> frozenset[str]:
        """The atoms the exit ``node`` returns on a path where the tracked variables hold
        ``values`` (unknown when it returns nothing)."""
        if node.kind != "return" or node.expr is None:
            return ANY
        return self.facts.value(node.expr, self._as_dict(values))


def preproc_arms(cfg: CFG) -> tuple[str, ...]:
    """The ``#if`` conditions opening more than one block of arms in ``cfg`` (a path
    keeps to one arm of them: see ``ValueTracker.enter``)."""
    seen: dict[str, set[int]] = {}
    for node in cfg.nodes:
        if node.arm is not None and node.arm[1] == 0:
            seen.setdefault(node.arm[0], set()).add(node.id)
    return tuple(sorted(cond for cond, starts in seen.items() if len(starts) > 1))
