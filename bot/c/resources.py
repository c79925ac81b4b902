"""Which resource a call takes or gives back, named the same way wherever it appears.

A resource is named by a canonical expression: casts, parentheses and ``&``
dropped, ``.`` and ``->`` alike, and locals that are assigned once from a
plain expression (``priv = hw->priv``) replaced by that expression. So
``release_region(base, 8)`` after ``base = d->io`` matches
``request_region(d->io, 8, name)``, and ``put_device(&pdev->dev)`` matches the
``pdev`` that ``of_find_device_by_node()`` returned when the pair says ``dev``
is embedded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.c.cfg import CFG, Node, callee_name
from bot.c.parse import CFunction, CSource

_ACCESSOR = re.compile(r"^(container_of|to_\w+|\w+_priv|dev_get_drvdata|platform_get_drvdata|"
                       r"\w+_get_drvdata|\w+_get_clientdata|\w+_get_intfdata|of_node|"
                       r"dev_of_node|interface_to_usbdev|priv)$")


@dataclass(frozen=True)
class PairSpec:
    """One acquire/release pair and how its resource is named and owned."""

    name: str
    acquires: frozenset[str]
    releases: frozenset[str]
    returns: str = "void"  # how a failed acquire shows: void (cannot fail) | errno | pointer | bool
    # | zero (a helper that holds it only when it returns 0) | positive (only when > 0)
    release_on: str = "auto"  # every: every exit | error: error exits | auto: see Ownership
    # acquire/release name -> what names its resource: "ret" (the result), "argN" (the
    # object an argument names), "outN" (stored through an out-parameter), ".f" a member
    resource: tuple[tuple[str, str], ...] = ()
    embedded: tuple[str, ...] = ()  # fields that are the resource itself (X->dev is X)
    loops: tuple[tuple[str, int], ...] = ()  # loop macro -> argument it holds in the body
    same_object: frozenset[str] = frozenset()  # acquires returning their argument (get_device)
    moves: frozenset[str] = frozenset()  # acquires taking an existing one off a holder
    # (skb_dequeue): put straight into a field, it moved between holders, nobody took it
    drops: tuple[tuple[str, int], ...] = ()  # getter -> argument it releases (the "from")
    confidence: str = "pack"  # pack | inferred
    must_check: bool = False  # a failed acquire takes nothing: its result must be tested
    # a buffer: any call it is given to may keep it (handed on), except these, which only
    # use it (memcpy); None: a call keeps it only when the settings or a summary say so
    uses: frozenset[str] | None = None

    def spec(self, callee: str) -> str | None:
        return dict(self.resource).get(callee)

    def loop_arg(self, macro: str) -> int | None:
        return dict(self.loops).get(macro)

    def drop_arg(self, callee: str) -> int | None:
        return dict(self.drops).get(callee)

    @property
    def names(self) -> frozenset[str]:
        """Every call or macro name that does something to this pair's resources."""
        return self.acquires | self.releases | frozenset(dict(self.loops)) | \
            frozenset(dict(self.drops))

    @property
    def release_names(self) -> str:
        return "/".join(sorted(self.releases))


def _text(node: Any) -> str:
    return "".join(node.text.decode(errors="replace").split())


def arguments(call: Any) -> list[Any]:
    args = call.child_by_field_name("arguments") if call is not None else None
    return [a for a in args.named_children if a.type != "comment"] if args is not None else []


@dataclass
class FunctionFacts:
    """Names in one function: parameters, locals, single-assignment aliases."""

    fn: CFunction
    params: list[str] = field(default_factory=list)
    locals: set[str] = field(default_factory=set)
    aliases: dict[str, Any] = field(default_factory=dict)  # local -> its single plain value
    views: dict[str, str] = field(default_factory=dict)  # local -> the object it views
    # (``sbi = FS_SB(sb)``: its single value is an all-capitals accessor of one argument)
    _canon: dict[tuple[int, tuple], str] = field(default_factory=dict)

    def canon(self, node: Any, params: dict[str, str] | None = None, depth: int = 0) -> str:
        """The canonical name of expression ``node`` (``params`` renames parameters)."""
        if node is None:
            return ""
        key = (node.id, tuple(sorted((params or {}).items())), depth)
        if key not in self._canon:
            self._canon[key] = self._canonical(node, params or {}, depth)
        return self._canon[key]

    def _canonical(self, node: Any, params: dict[str, str], depth: int) -> str:
        kind = node.type
        if kind == "parenthesized_expression" and node.named_children:
            return self.canon(node.named_children[-1], params, depth)
        if kind == "cast_expression":
            return self.canon(node.child_by_field_name("value"), params, depth)
        if kind == "pointer_expression" and node.child_by_field_name("operator").type == "&":
            return self.canon(node.child_by_field_name("argument"), params, depth)
        if kind == "pointer_expression":  # ``*out``: what an out-parameter points to
            return "*" + self.canon(node.child_by_field_name("argument"), params, depth)
        if kind == "identifier":
            name = node.text.decode(errors="replace")
            if name in params:
                return params[name]
            if name in self.aliases and depth < 6:
                return self.canon(self.aliases[name], params, depth + 1)
            return name
        if kind == "field_expression":
            base = self.canon(node.child_by_field_name("argument"), params, depth)
            return f"{base}->{node.child_by_field_name('field').text.decode(errors='replace')}"
        if kind == "subscript_expression":
            return (f"{self.canon(node.child_by_field_name('argument'), params, depth)}"
                    f"[{self.canon(node.child_by_field_name('index'), params, depth)}]")
        if kind == "call_expression":
            args = ",".join(self.canon(a, params, depth) for a in arguments(node))
            return f"{callee_name(node) or _text(node.child_by_field_name('function'))}({args})"
        return _text(node)

    def is_local(self, name: str) -> bool:
        return name in self.locals


def declarator_identifier(node: Any) -> str | None:
    """The name a declarator declares (``*p``, ``a[4]``, ``x = 1``), or None."""
    while node is not None and node.type not in ("identifier",):
        if node.type in ("pointer_declarator", "array_declarator", "init_declarator",
                         "function_declarator", "parenthesized_declarator"):
            node = node.child_by_field_name("declarator") or (
                node.named_children[0] if node.named_children else None)
        else:
            return None
    return node.text.decode(errors="replace") if node is not None else None


def _parameters(fn_node: Any) -> list[Any]:
    declarator = fn_node.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        declarator = declarator.child_by_field_name("declarator")
    params = declarator.child_by_field_name("parameters") if declarator is not None else None
    return [p for p in params.named_children if p.type != "comment"] if params is not None \
        else []


def pointer_parameter_types(fn_node: Any) -> list[str]:
    """The type of each parameter of a definition, ``struct x*`` for a pointer to one,
    "" for one that is no pointer."""
    types = []
    for param in _parameters(fn_node):
        declarator, stars = param.child_by_field_name("declarator"), 0
        while declarator is not None and declarator.type == "pointer_declarator":
            declarator, stars = declarator.child_by_field_name("declarator"), stars + 1
        kind = param.child_by_field_name("type")
        types.append(f"{_text(kind)}{'*' * stars}" if stars and kind is not None else "")
    return types


def function_facts(fn: CFunction, src: CSource | None = None) -> FunctionFacts:
    """Parameters, locals and single-assignment aliases of ``fn``."""
    facts = FunctionFacts(fn)
    for param in _parameters(fn.node):
        name = declarator_identifier(param.child_by_field_name("declarator"))
        facts.params.append(name or "")
    assigned: dict[str, list[Any]] = {}
    stack = [fn.node.child_by_field_name("body")]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if node.type == "declaration":
            for child in node.named_children:
                name = declarator_identifier(child)
                if name:
                    facts.locals.add(name)
        if node.type in ("init_declarator", "assignment_expression"):
            left = node.child_by_field_name("declarator") or node.child_by_field_name("left")
            right = node.child_by_field_name("value") or node.child_by_field_name("right")
            name = declarator_identifier(left) if left is not None else None
            if name:
                op = node.child_by_field_name("operator")
                plain = op is None or op.type == "="
                assigned.setdefault(name, []).append(right if plain else None)
        elif node.type in ("update_expression",):
            name = declarator_identifier(node.child_by_field_name("argument"))
            if name:
                assigned.setdefault(name, []).append(None)
        stack.extend(node.named_children)
    for name, values in assigned.items():
        values = [v for v in values if v is None or v.text not in (b"NULL", b"0")]
        if name in facts.locals and len(values) == 1 and values[0] is not None and \
                _plain(values[0]):  # an initial NULL is no value of its own
            facts.aliases[name] = values[0]
        elif name in facts.locals and len(values) == 1 and values[0] is not None and \
                values[0].type == "call_expression" and _VIEW.match(callee_name(values[0]) or "") \
                and len(arguments(values[0])) == 1:
            facts.views[name] = _text(arguments(values[0])[0])
    return facts


_VIEW = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ROOT = re.compile(r"^(?:\w+\()*&?(\w+)")


def received(facts: FunctionFacts, key: str) -> bool:
    """Whether a canonical name is reached from a parameter: an object the caller gave
    (``d->buf``, ``sbi->table`` with ``sbi = FS_SB(sb)``), not one made here."""
    found = _ROOT.match(key)
    root = found.group(1) if found else ""
    if root in facts.views:
        found = _ROOT.match(facts.views[root])
        root = found.group(1) if found else ""
    return root in facts.params


def _plain(node: Any) -> bool:
    """A value that names an object without creating one: fields, addresses, accessors."""
    while node.type in ("parenthesized_expression", "cast_expression"):
        node = node.child_by_field_name("value") if node.type == "cast_expression" else \
            node.named_children[-1]
    if node.type in ("identifier", "field_expression", "pointer_expression",
                     "subscript_expression"):
        return node.type != "identifier" or node.text not in (b"NULL",)
    if node.type == "call_expression":
        return bool(_ACCESSOR.match(callee_name(node) or ""))
    return False


def resource_of(facts: FunctionFacts, pair: PairSpec, node: Node, default: str,
                params: dict[str, str] | None = None) -> str:
    """The canonical resource a call of ``pair`` works on (``default``: "ret" or "arg0")."""
    spec = pair.spec(node.call or "") or default
    args = arguments(node.call_node)
    if spec == "ret":
        named = result_name(facts, node, params)
        if named:
            return embedded(pair, named)
        spec = "arg0"  # get_device(dev) with its result unused: the object itself
    index, _, member = spec[3:].partition(".")  # argN / outN
    if not index.isdigit() or int(index) >= len(args):
        return ""
    key = facts.canon(args[int(index)], params)
    return embedded(pair, f"{key}->{member}" if member else key)


def result_name(facts: FunctionFacts, node: Node, params: dict[str, str] | None) -> str:
    """What a call's result is named by: the variable or field it is stored into, or, for
    ``return f(...);``, the call itself (the name the return hands on); "" otherwise."""
    if node.assigned:
        return _name_key(facts, node, params)
    parent = _as_written(node.call_node).parent if node.call_node is not None else None
    if parent is not None and parent.type == "return_statement":
        return facts.canon(node.call_node, params)
    return ""


def _name_key(facts: FunctionFacts, node: Node, params: dict[str, str] | None) -> str:
    """The canonical name of the variable or field a call's result is stored into."""
    target = node.assigned or ""
    if target in (params or {}):
        return (params or {})[target]
    left = _assignment_target(node.call_node)
    if left is not None and left.type in ("field_expression", "pointer_expression"):
        return facts.canon(left, params)  # ``info->buf`` with ``info = &dev->info``, ``*out``
    return "".join(target.split()).replace(".", "->")


def _as_written(call: Any) -> Any:
    """``call`` with the parentheses and casts written around it: what its parent holds."""
    node = call
    while node.parent is not None and node.parent.type in ("parenthesized_expression",
                                                           "cast_expression"):
        node = node.parent
    return node


def _assignment_target(call: Any) -> Any:
    """The left side of ``x = (cast)call(...)``, or None."""
    parent = _as_written(call).parent if call is not None else None
    if parent is None or parent.type != "assignment_expression":
        return None
    return parent.child_by_field_name("left")


def embedded(pair: PairSpec, key: str) -> str:
    for member in pair.embedded:
        if key.endswith("->" + member):
            return key[: -len(member) - 2]
    return key


def macro_arguments(cond: Any) -> list[Any]:
    """The arguments of a loop macro rewritten to ``while (a, b, c)``."""
    while cond is not None and cond.type == "parenthesized_expression" and cond.named_children:
        cond = cond.named_children[-1]
    out: list[Any] = []
    stack = [cond]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if node.type == "comma_expression":
            stack.append(node.child_by_field_name("right"))
            stack.append(node.child_by_field_name("left"))
        else:
            out.append(node)
    return out


def name_says(function: str, stems: list[str]) -> bool:
    """Whether a function's name holds one of ``stems``: a short stem as a whole word,
    a longer one also as part of a word (``unpowergate``)."""
    words = function.lower().split("_")
    return any(stem in words if len(stem) < 4 else any(stem in word for word in words)
               for stem in stems)


def destination(facts: FunctionFacts, raw: str) -> str:
    """Where a result is stored, from its target as written: a ``local`` or a longer-lived
    ``field`` (through a pointer, or a global)."""
    raw = "".join(raw.split()).lstrip("&")
    if "->" in raw or raw.startswith("*"):
        return "field"
    base = re.split(r"[.\[]", raw, maxsplit=1)[0]
    return "local" if base in facts.locals or base in facts.params else "field"


@dataclass(frozen=True)
class Event:
    """What one CFG node does to one resource."""

    # acquire | release | drop (a getter lets go of its "from") | store (kept by an
    # object) | handon (no longer ours) | copy (the local assigned names it from here on)
    kind: str
    key: str
    mode: str = ""  # acquire: every | error | auto (who owes the release: see paths.py)
    returns: str = "void"  # acquire: how its result says it failed (void: it cannot fail)
    call: str = ""  # acquire: the call that took it, as the message names it
    via: tuple[tuple[int, str], ...] = ()  # acquire/release inside a helper: (line, note)
    out: bool = False  # acquire: a pointer a helper fills through an out-parameter, NULL
    # (or as it was) when it did not take it
    helper: str = ""  # acquire/release: the driver's helper whose call stands for it


_PATH = re.compile(r"\$?\w+(?:->\w+|\.\w+)*")  # $0: a parameter of a summarised helper


def _given(arg: Any, key: str) -> list[str]:
    """What a call is given with argument ``arg``: ``&p->list`` or ``buf + len`` gives
    it ``p`` or ``buf`` too; a member's value (``p->len``) gives only the member."""
    while arg.type in ("parenthesized_expression", "cast_expression"):
        arg = arg.child_by_field_name("value") if arg.type == "cast_expression" else \
            arg.named_children[-1]
    if arg.type not in ("pointer_expression", "binary_expression"):
        return [key]
    found = _PATH.match(key)
    if found is None:
        return [key]
    parts = re.split(r"(->|\.)", found.group())
    return [key] + ["".join(parts[:i]) for i in range(1, len(parts), 2)] + [found.group()]


_TESTS = {"!", "&&", "||", "==", "!="}
# what only reads an error pointer's value: given a buffer, they never keep it
_ERROR_TESTS = frozenset({"IS_ERR", "IS_ERR_OR_NULL", "PTR_ERR", "PTR_ERR_OR_ZERO"})


def _only_tested(call: Any) -> bool:
    """Whether a call's result is only tested (``if (!get(a) && !get(b))``): no name,
    field or caller ever holds it, so nobody but this function can give it back."""
    node = call
    while node.parent is not None and (
            node.parent.type == "parenthesized_expression" or
            (node.parent.type in ("unary_expression", "binary_expression") and
             _text(node.parent.child_by_field_name("operator")) in _TESTS)):
        node = node.parent
    parent = node.parent
    return parent is not None and node.type == "parenthesized_expression" and \
        parent.type in ("if_statement", "while_statement")


def _given_to(call: Any) -> str | None:
    """The name of the call whose argument ``call``'s result is, as written (casts and
    parentheses aside); None when it is not an argument."""
    parent = _as_written(call).parent
    if parent is None or parent.type != "argument_list" or parent.parent is None:
        return None
    return callee_name(parent.parent) or ""


def _returned(expr: Any) -> list[Any]:
    """What a return statement gives the caller: the value, and for pointer arithmetic
    (``return p - len;`` after walking ``p`` along the buffer) each operand."""
    value = expr
    while value.type in ("parenthesized_expression", "cast_expression"):
        value = value.child_by_field_name("value") if value.type == "cast_expression" else \
            value.named_children[-1]
    if value.type == "binary_expression" and \
            value.child_by_field_name("operator").type in ("+", "-"):
        return [expr, value.child_by_field_name("left"), value.child_by_field_name("right")]
    return [expr]


def raw_text(node: Any) -> str:
    return "".join(node.text.decode(errors="replace").split()) if node is not None else ""


def pair_events(cfg: CFG, facts: FunctionFacts, pair: PairSpec, settings: dict, *,
                summaries: Any = None, params: dict[str, str] | None = None) -> ResourceEvents:
    """One pair's events on ``cfg``, with the packs' settings naming the calls that store
    a resource or hand it on."""
    return ResourceEvents(cfg, facts, pair, summaries=summaries, params=params,
                          store_calls=frozenset(settings.get("exit_store_calls", ())),
                          handon_calls=frozenset(settings.get("exit_handon_calls", ())))


class ResourceEvents:
    """The events of one pair on every node of one function's CFG.

    ``summaries`` (see ``bot/c/summaries.py``) turns calls of the file's own
    helpers into acquires and releases; ``params`` renames parameters to
    ``$0``, ``$1``... when the function is itself being summarised.
    """

    def __init__(self, cfg: CFG, facts: FunctionFacts, pair: PairSpec, *, summaries: Any = None,
                 params: dict[str, str] | None = None,
                 store_calls: frozenset[str] = frozenset(),
                 handon_calls: frozenset[str] = frozenset()):
        self.cfg, self.facts, self.pair = cfg, facts, pair
        self.params = params
        self.summaries = summaries
        self.store_calls, self.handon_calls = store_calls, handon_calls
        self.store_suffixes = tuple(entry[1:] for entry in store_calls if entry.startswith("*"))
        self.by_node: dict[int, list[Event]] = {}
        # branch node id of a loop macro -> (resource held on its true edge, macro name)
        self.loops: dict[int, tuple[str, str]] = {}
        # a resource's other names: x = usb_get_dev(udev) holds udev as much as x
        self.aliases: dict[str, set[str]] = {}
        # node id -> buffers handed to a call only because it may keep them (``uses``)
        self.may_keep: dict[int, set[str]] = {}
        for node in cfg.nodes:
            events = self._events(node)
            if events:
                self.by_node[node.id] = events
            at = pair.loop_arg(node.macro) if node.kind == "branch" and node.macro else None
            args = macro_arguments(node.cond) if at is not None else []
            if at is not None and at < len(args):
                self.loops[node.id] = (embedded(pair, facts.canon(args[at], params)),
                                       node.macro)
        for node_id, keys in self.may_keep.items():
            kept = {key for key in keys if not self._disposed_after(node_id, key)}
            self.by_node[node_id] = [e for e in self.by_node[node_id] if e.kind != "handon"
                                     or e.key not in keys or e.key in kept]

    def _disposed_after(self, start: int, key: str) -> bool:
        """Whether every path from call ``start`` releases, stores or returns ``key``
        before it leaves or takes it again: then the call, which may have kept it, only
        read it (``parse(skb); if (ok) *out = skb; else kfree_skb(skb);``)."""
        names = self.names(key)
        seen: set[int] = set()
        todo = [target for target, _ in self.cfg.nodes[start].succ]
        while todo:
            node_id = todo.pop()
            if node_id in seen:
                continue
            seen.add(node_id)
            events = [e for e in self.by_node.get(node_id, ()) if e.key in names and not (
                e.kind == "handon" and e.key in self.may_keep.get(node_id, ()))]
            if any(e.kind == "acquire" for e in events):
                return False
            if any(e.kind in ("release", "store", "handon") for e in events):
                continue
            node = self.cfg.nodes[node_id]
            if node.is_exit:
                return False
            todo.extend(target for target, _ in node.succ)
        return True

    def names(self, key: str) -> set[str]:
        """Every name of resource ``key``."""
        return {key} | self.aliases.get(key, set())

    def resources(self) -> list[str]:
        found = {e.key for events in self.by_node.values() for e in events
                 if e.kind == "acquire"} | {key for key, _ in self.loops.values()}
        return sorted(k for k in found if k)

    def _events(self, node: Node) -> list[Event]:
        if node.kind == "free" and node.var:  # a __free(...) variable leaves its scope
            return [Event("release", node.var)]
        if node.kind == "call" and node.call_node is not None:  # a pointer's call has no name
            return self._call_events(node)
        if node.kind == "assign" and node.assigned and node.expr is not None:
            value = node.expr.child_by_field_name("right") or \
                node.expr.child_by_field_name("value")
            if value is not None and destination(self.facts, node.assigned) == "field":
                key = self.facts.canon(value, self.params)
                left = node.expr.child_by_field_name("left")
                if left is None:
                    return [Event("store", key)]
                target = self.facts.canon(left, self.params)
                self.aliases.setdefault(key, set()).add(target)  # ``kfree(sbi->table)``
                # then gives back ``table``
                return [Event("handon" if self._owned_by_teardown(left) else "store", key)]
            if value is not None and _plain(value):  # ``sc = new_sc``: one more name of it
                return [Event("copy", self.facts.canon(value, self.params))]  # on this path
        if node.kind == "return" and node.expr is not None:
            return [Event("handon", embedded(self.pair, self.facts.canon(value, self.params)))
                    for value in _returned(node.expr)]
        return []

    def _call_events(self, node: Node) -> list[Event]:
        pair, name = self.pair, node.call or ""
        events: list[Event] = []
        args = arguments(node.call_node)
        drop = pair.drop_arg(name)
        if drop is not None and drop < len(args):
            events.append(Event("drop", embedded(pair, self.facts.canon(args[drop],
                                                                        self.params))))
        if name in pair.acquires and self._handed_at_once(node):
            pass  # ``add(kstrdup(s))``: the callee has the buffer before we could hold it
        elif name in pair.moves and node.assigned and \
                destination(self.facts, node.assigned) == "field":
            pass  # ``buf->skb = skb_dequeue(&free_q)``: from one holder to another
        elif name in pair.acquires and self.kept_by_object(node):
            pass  # ``dev->image = vmalloc(n)``: the caller's object holds it from the start
        elif name in pair.acquires:
            acquired = self._acquire(node)
            events.append(acquired)
            if name in pair.same_object and node.assigned and args:
                other = embedded(pair, self.facts.canon(args[0], self.params))
                self.aliases.setdefault(acquired.key, set()).add(other)
        elif name in pair.releases:
            key = resource_of(self.facts, pair, node, "arg0", self.params) or "*"
            events.append(Event("release", key))
        elif self._stores(name) or name in self.handon_calls:
            kind = "store" if self._stores(name) else "handon"
            events.extend(Event(kind, embedded(pair, self.facts.canon(a, self.params)))
                          for a in args)
        elif self.summaries is not None and name:
            events.extend(self.summaries.call_events(self, node))
        if pair.uses is not None and name not in pair.uses and name not in pair.names and \
                name not in _ERROR_TESTS:  # what a helper takes is not what it is given
            taken = {e.key for e in events if e.kind == "acquire"}
            kept = [key for i, a in enumerate(args)
                    if self.summaries is None or not name or
                    self.summaries.keeps_argument(name, i, pair)
                    for key in _given(a, self.facts.canon(a, self.params)) if key not in taken]
            events.extend(Event("handon", key) for key in kept)
            if kept:
                self.may_keep.setdefault(node.id, set()).update(kept)
        return events

    def kept_by_object(self, node: Node) -> bool:
        """Whether call ``node``'s result is stored straight into a field that the object
        owns (``_owned_by_teardown``)."""
        return self._owned_by_teardown(_assignment_target(node.call_node))

    def _owned_by_teardown(self, left: Any) -> bool:
        """Whether a value stored in field ``left`` belongs to the object from then on: a
        field of an object the caller gave that another function of the driver frees (its
        teardown: an ops member, an RCU or release callback), whether or not this one
        succeeds; unless this one builds the object (``exit_constructor_names``: an init
        hook, a probe), whose failure discards it without its teardown."""
        if left is None or left.type != "field_expression" or self.summaries is None or \
                name_says(self.cfg.function,
                          self.summaries.settings.get("exit_constructor_names", [])):
            return False
        return received(self.facts, self.facts.canon(left)) and \
            self.summaries.freed_by_teardown(
                left.child_by_field_name("field").text.decode(errors="replace"),
                self.pair, self.cfg.function)

    def _stores(self, name: str) -> bool:
        """Whether a call keeps what it is given in a longer-lived object: a name of
        ``exit_store_calls``, or one ending as a ``*suffix`` entry there says
        (``*_set_drvdata``: a bus's own drvdata setter)."""
        return name in self.store_calls or bool(self.store_suffixes) and \
            name.endswith(self.store_suffixes)

    def _handed_at_once(self, node: Node) -> bool:
        """Whether a buffer's result goes straight into another call that may keep it."""
        pair = self.pair
        if pair.uses is None or node.assigned or (pair.spec(node.call or "") or "ret") != "ret":
            return False
        given_to = _given_to(node.call_node)
        return given_to is not None and given_to not in pair.uses and \
            given_to not in pair.names

    def _acquire(self, node: Node) -> Event:
        pair, name = self.pair, node.call or ""
        default = "ret" if pair.returns == "pointer" else "arg0"
        spec = pair.spec(name) or default
        key = resource_of(self.facts, pair, node, default, self.params) or "*"
        return Event("acquire", key, self.owed_by(node, spec, key), pair.returns, name)

    def owed_by(self, node: Node, spec: str = "ret", key: str = "") -> str:
        """Who owes the release of what call ``node`` takes, from where it lands: a local
        on every exit, a field (a longer-lived object) on error exits, else ``auto``;
        a pair that says so itself overrides it. ``spec`` says which part of the call
        is the resource (``ret``, ``arg0``, ``out2``...)."""
        if self.pair.release_on != "auto":
            return self.pair.release_on
        if spec == "ret" and node.assigned:
            where = destination(self.facts, node.assigned)
        elif spec == "ret" and (node.call or "") not in self.pair.same_object and \
                _only_tested(node.call_node):
            where = "local"  # ``if (!get(...))``: nothing keeps a result it only tests
        elif spec.startswith("out") and key != "*":
            where = destination(self.facts, raw_text(arguments(node.call_node)[int(
                spec[3:].split(".")[0])]))
        else:
            where = "object"
        return {"local": "every", "field": "error"}.get(where, "auto")
