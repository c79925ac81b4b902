"""Path properties as reachability over the CFG, with a witness for each violation.

Both analyses walk each (node, state) pair at most once, so their cost grows
with the size of the function, not with its number of paths.

``paired``: once a resource is taken, who owes its release depends on the pair
and on where the resource went (``resources.Event.mode``):

- ``every``: on every exit (locks, RCU, a reference taken into a local);
- ``error``: on error exits only (a reference stored in an object the
  function keeps, an enable a probe keeps on success);
- ``auto``: on error exits; on success exits too unless the function's name
  says it keeps what it takes (a probe, resume, open, ``*_power_on``...:
  ``exit_keep_names``), and even then on a success exit when another success
  exit of the same function released it;
- ``caller``: nothing is owed when the path gave the resource back before
  taking it (``mutex_unlock(); call(); mutex_lock();`` in a function entered
  with the lock held).

Storing the resource in a longer-lived object turns ``every`` into ``error``;
returning it, or handing it to a devm action, ends the function's duty.
Error exits are read from the returned value (``bot/c/retvals.py``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from bot.c.cfg import CFG, Node
from bot.c.phrases import loop
from bot.c.resources import (
    Event,
    FunctionFacts,
    PairSpec,
    ResourceEvents,
    arguments,
    name_says,
    pair_events,
)
from bot.c.retvals import (
    ValueTracker,
    condition_predicate,
    preproc_arms,
    return_facts,
    returns_result,
    unwrap,
)

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
    key: str = ""  # the resource (or the callee, for must-call)
    acquire_line: int = 0  # where the resource was taken; 0 for must-call
    returns_error: bool = False  # the exit returns an error on this path
    helper: str = ""  # the driver's helper whose call took the resource, if one did

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


@dataclass
class PathEnv:
    """What an analysis may know besides the CFG: names, loops, helpers, settings."""

    facts: FunctionFacts
    fn_node: Any
    summaries: Any = None  # bot.c.summaries.Summaries
    settings: dict[str, Any] = field(default_factory=dict)


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


def _search_tree(start: Any, step: Step_fn) -> dict:
    """The parent of every state in the depth-first search from ``start`` that takes false
    conditions (the ordinary flow) first: the path it gives to a state is the one a search
    for that state alone finds, so one search serves every exit of a walk."""
    parents: dict = {start: None}
    stack = [(start, iter(sorted(step(start), key=lambda e: _PREFER[e[1]])))]
    while stack:
        state, edges = stack[-1]
        for nxt, label in edges:
            if nxt not in parents:
                parents[nxt] = (state, label)
                stack.append((nxt, iter(sorted(step(nxt), key=lambda e: _PREFER[e[1]]))))
                break
        else:
            stack.pop()
    return parents


# step function -> (start, search tree, notes of its steps): shared by a walk's exits
_SEARCHES: WeakKeyDictionary = WeakKeyDictionary()
_WITNESS_STATES = 200  # a longer witness keeps its last steps (the ones near the exit)


def _search(start: Any, step: Step_fn) -> tuple[dict, dict]:
    found = _SEARCHES.get(step)
    if found is None or found[0] != start:
        found = _SEARCHES[step] = (start, _search_tree(start, step), {})
    return found[1], found[2]


def _witness_chain(start: Any, goal: Any, step: Step_fn) -> list[tuple[Any, bool | None]]:
    """A path to ``goal`` that prefers false conditions at each branch: (state, label of
    the edge into it), from the start, or its last ``_WITNESS_STATES`` states."""
    parents, _ = _search(start, step)
    if goal not in parents:
        return []
    chain, state = [], goal
    while state is not None and len(chain) < _WITNESS_STATES:
        parent = parents[state]
        chain.append((state, parent[1] if parent else None))
        state = parent[0] if parent else None
    return chain[::-1]


def _witness(cfg: CFG, start: Any, goal: Any, step: Step_fn, exit_note: str,
             inner: Callable[[int], list[Step]] | None = None) -> list[Step]:
    chain = _witness_chain(start, goal, step)
    steps = [Step(cfg.nodes[chain[0][0][0]].line, "(earlier steps left out)")] \
        if chain and chain[0][0] != start else []
    _, notes = _search(start, step)
    for (state, _), (_, label) in zip(chain, chain[1:], strict=False):
        node = cfg.nodes[state[0]]
        if node.kind in ("call", "branch"):
            if (node.id, label) not in notes:
                notes[node.id, label] = _note(node, label)
            steps.append(Step(node.line, notes[node.id, label]))
            if inner is not None:
                steps.extend(inner(node.id))
    steps.append(Step(cfg.nodes[goal[0]].line, exit_note))
    return steps


def _exit_word(node: Node) -> str:
    return "return" if node.kind == "return" else "end of function"


def _first_arg(node: Node, facts: FunctionFacts | None) -> str:
    args = arguments(node.call_node)
    if not args:
        return ""
    if facts is not None:
        return facts.canon(args[0])
    return "".join(args[0].text.decode(errors="replace").split()).lstrip("&")


def must_call(cfg: CFG, env: PathEnv | None = None, *, callee: str, count: int = 1,
              argument: str | None = None) -> list[Violation]:
    """Exits reachable from the entry on a path that calls ``callee`` fewer than ``count``
    times (on ``argument`` only, when given)."""
    facts = env.facts if env is not None else None
    wanted = "".join(argument.split()).lstrip("&") if argument else None

    def counts(node: Node) -> bool:
        return node.kind == "call" and node.call == callee and (
            wanted is None or _first_arg(node, facts) == wanted)

    def step(state: tuple[int, int]) -> list:
        node = cfg.nodes[state[0]]
        if node.is_exit:
            return []
        done = min(count, state[1] + 1) if counts(node) else state[1]
        if done >= count:
            return []
        return [((target, done), label) for target, label in node.succ]

    what = f"{callee}({argument})" if argument else f"{callee}()"
    times = "" if count == 1 else f" {count} times"
    start = (cfg.entry, 0)
    found = []
    for state in _reach(start, step):
        node = cfg.nodes[state[0]]
        if node.is_exit:
            word = _exit_word(node)
            short = "" if count == 1 else f" (called {state[1]} of {count} times)"
            found.append(Violation(
                node.line, _witness(cfg, start, state, step, f"{word} without {what}{short}"),
                f"{cfg.function}() can reach the {word} at line {node.line} without calling "
                f"{what}{times}", key=what))
    return sorted(found, key=lambda v: (v.exit_line, v.message))


def _failure_label(node: Node, acquire: Node, returns: str) -> tuple[bool, bool] | None:
    """Which edge of branch ``node`` means the acquire at ``acquire`` failed, and whether
    the other edge means it succeeded (None: not tested). A helper that holds it only when
    it returns 0 (``zero``) may have failed on either edge of ``ret < 0``; one that holds
    it only when it returns more than 0 (``positive``) on either edge of ``len != 0``."""

    def name_of(operand: Any) -> str | None:
        operand = unwrap(operand)
        if operand is None:
            return None
        if operand.type == "assignment_expression" and acquire.call_node is not None and \
                unwrap(operand.child_by_field_name("right")) == acquire.call_node:
            return "result"
        if acquire.call_node is not None and operand == acquire.call_node:
            return "result"
        text = "".join(operand.text.decode(errors="replace").split())
        if operand.type == "assignment_expression":
            text = "".join(operand.child_by_field_name("left").text.decode(
                errors="replace").split())
        return "result" if acquire.assigned and text == "".join(acquire.assigned.split()) \
            else None

    test = condition_predicate(node.cond, name_of) if node.cond is not None else None
    if test is None:
        return None
    predicate = test[1]
    if returns == "positive":  # held only when it returned more than 0 (a length)
        return {"pos": (False, True), "nonpos": (True, True), "zero": (True, False),
                "nonzero": (False, False), "neg": (True, False), "isneg": (True, False),
                "nonneg": (False, False)}.get(predicate)
    if returns == "zero":
        label = {"nonzero": True, "zero": False}.get(predicate)
        if label is not None:
            return label, True
        label = {"neg": True, "isneg": True, "pos": True, "nonneg": False}.get(predicate)
        return (label, False) if label is not None else None
    if returns == "errno":
        label = {"nonzero": True, "neg": True, "isneg": True, "zero": False,
                 "nonneg": False}.get(predicate)
    elif returns == "pointer":  # a handle of unknown type (an inferred pair's) may be an int
        label = {"errptr": True, "errornull": True, "zero": True, "nonzero": False,
                 "validptr": False, "valid": False, "neg": True, "isneg": True,
                 "nonneg": False}.get(predicate)
    elif returns == "bool":
        label = {"zero": True, "nonzero": False}.get(predicate)
    else:
        label = None
    return (label, True) if label is not None else None


_CODE = "#code:"  # a mark: this local holds the error code of the resource's acquire
_ERROR_CODE_CALLS = frozenset({"PTR_ERR_OR_ZERO"})


def _code_failure(node: Node, marks: frozenset) -> tuple[bool, bool] | None:
    """Which edge of branch ``node`` means the acquire failed when it tests a local
    holding its error code (``ret = PTR_ERR_OR_ZERO(p); if (ret)``); the other edge
    proves nothing more (a NULL pointer's code is 0 too)."""
    test = condition_predicate(node.cond) if node.cond is not None else None
    if test is None or _CODE + test[0] not in marks:
        return None
    label = {"nonzero": True, "neg": True, "isneg": True, "zero": False,
             "nonneg": False}.get(test[1])
    return (label, False) if label is not None else None


def _null_test(node: Node, key: str) -> bool | None:
    """The edge of ``node`` on which pointer ``key`` is NULL or an ``ERR_PTR``, if ``node``
    tests it: not a path once the acquire is known to have succeeded (``if (IS_ERR(p))``
    tested a second time)."""
    if node.cond is None:
        return None
    test = condition_predicate(node.cond)
    if test is None or test[0] != key:
        return None
    return {"nonzero": False, "zero": True, "errptr": True, "errornull": True,
            "validptr": False, "valid": False}.get(test[1])


@dataclass
class _Tracked:
    """Reachable states of one resource, with what is needed to judge its exits."""

    key: str
    start: tuple
    states: dict
    step: Step_fn
    events: ResourceEvents
    names: set[str]

    def held_at(self, state: tuple) -> int:
        """Whether the resource is still held once the exit of ``state`` is taken
        (``return np;`` hands it to the caller)."""
        held = state[1]
        for event in self.events.by_node.get(state[0], ()):
            if (event.key in self.names or event.key in state[5]) and \
                    event.kind in ("release", "drop", "handon"):
                held = 0
        return held


def track(cfg: CFG, events: ResourceEvents, key: str, tracker: ValueTracker) -> _Tracked:
    """Every reachable (node, held, mode, acquired at, returned values, marks) for resource
    ``key``.

    held: 0 not held, 1 held, 2 taken but not yet known to have succeeded; marks: the
    guards of its release (``_guards``) the path set since it was taken, and the locals
    it was copied into since (``sc = new_sc; ... put(sc);``).
    """
    acquires = {node_id: e for node_id, evs in events.by_node.items() for e in evs
                if e.kind == "acquire" and e.key == key}
    # a pointer, or one filled through an out-parameter (``request_firmware(&fw, ..)``):
    # once it is known to be held, a NULL test of it is not a path
    pointers = {node_id for node_id, e in acquires.items()
                if e.returns == "pointer" or e.out or
                (events.pair.spec(e.call) or "").startswith("out")} | set(events.loops)
    names = events.names(key)
    guards = _guards(cfg, events, names)
    guard_names = {name for name, _ in guards.values()}

    def step(state: tuple) -> list:
        node_id, held, mode, acquired_at, values, marks = state
        node = cfg.nodes[node_id]
        if node.is_exit:
            return []
        copied = held and any(e.kind == "copy" and (e.key in names or e.key in marks)
                              for e in events.by_node.get(node_id, ()))
        for event in events.by_node.get(node_id, ()):
            if event.kind == "copy" or (
                    event.key not in names and event.key not in marks and
                    not (event.kind == "store" and event.key.startswith(key + "->"))):
                continue
            if event.kind == "acquire" and event.key != key:
                continue
            if event.kind == "acquire" and event.out and held == 1:
                pass  # a helper given a filled pointer to fill: what it held it holds
            elif event.kind == "acquire":
                held = 1 if event.returns == "void" else 2
                mode = "caller" if mode == "caller" else event.mode
                acquired_at, marks = node_id, frozenset()
            elif event.kind in ("release", "drop") and held:
                held = 0
            elif event.kind == "release" and not acquired_at:
                mode = "caller"  # released before taken: the caller holds it, unlock-relock
            elif event.kind == "store" and held and mode in ("every", "auto"):
                mode = "error"
            elif event.kind == "handon" and held:
                held = 0
        values = tracker.after(node, values)
        target = _written(node.assigned) if node.assigned else ""
        if node.kind == "assign" and target in guard_names:
            marks = marks | {target} if held == 1 and _sets(node) else marks - {target}
        elif target and target not in names:
            marks = marks | {target} if copied else marks - {target}
        if target:  # ``ret = PTR_ERR_OR_ZERO(p)``: ret says from here whether p failed
            marks = marks - {_CODE + target}
            if held == 2 and node.call in _ERROR_CODE_CALLS and any(
                    events.facts.canon(arg, events.params) in names
                    for arg in arguments(node.call_node)):
                marks = marks | {_CODE + target}
        guard = guards.get(node_id)
        kept_edge = guard[1] if guard is not None and held == 1 and guard[0] in marks \
            else None
        failed = None
        taken = acquires.get(acquired_at)
        if held == 2 and taken is not None and node_id != acquired_at and node.assigned \
                and node.assigned == cfg.nodes[acquired_at].assigned:
            held = 1  # its result overwritten untested: no later test says it failed
        if node.kind == "branch" and held == 2 and taken is not None:
            failed = _failure_label(node, cfg.nodes[acquired_at], taken.returns)
            if failed is None:
                failed = _code_failure(node, marks)
            if failed is None and taken.out:  # still NULL: the helper did not fill it
                null = _null_test(node, key)
                failed = (null, True) if null is not None else None
        null_edge = _null_test(node, key) if node.kind == "branch" and held == 1 and \
            acquired_at in pointers else None
        loop = events.loops.get(node_id, ("",))[0] == key
        out = []
        for target, label in node.succ:
            new_values = tracker.on_edge(node, label, values)
            if new_values is not None:
                new_values = tracker.enter(cfg.nodes[target], new_values)
            if new_values is None or (null_edge is not None and label == null_edge) or \
                    (kept_edge is not None and label is not None and label != kept_edge):
                continue
            h, m, at = held, mode, acquired_at
            if loop and label is not None:
                h, m, at = (1, "every", node_id) if label else (0, "", 0)
            elif failed is not None and label is not None:
                h, at = (0, 0) if label == failed[0] else (1 if failed[1] else 2, at)
            out.append(((target, h, m if h or m == "caller" else "", at, new_values,
                         marks if h else frozenset()), label))
        return out

    start = (cfg.entry, 0, "", 0, tracker.start, frozenset())
    return _Tracked(key, start, _reach(start, step), step, events, names)


def _written(name: str | None) -> str:
    """A variable or field as a condition names it (``tested_name``)."""
    return "".join((name or "").split()).replace(".", "->")


def _sets(node: Node) -> bool:
    """Whether the assignment ``node`` gives its target a value that is not 0 or NULL."""
    value = node.expr.child_by_field_name("right") or node.expr.child_by_field_name("value") \
        if node.expr is not None else None
    value = unwrap(value)
    return value is not None and value.type not in ("null", "false") and \
        value.text not in (b"0", b"NULL", b"false")


_GUARDED_WITHIN = 4  # nodes between a guard's edge and the release it guards


def _guards(cfg: CFG, events: ResourceEvents, names: set[str]) -> dict[int, tuple[str, bool]]:
    """Branches that guard a release of the resource by a test of another name
    (``if (t->qp) destroy_qp(t->cm_id);``): branch -> (name, the edge that releases).
    When the path set that name after the resource was taken (``t->qp =
    t->cm_id->qp;``), the name is how the function remembers it holds it, and the
    edge that skips the release is not taken."""
    found: dict[int, tuple[str, bool]] = {}
    for node in cfg.nodes:
        if node.kind != "branch" or node.cond is None or node.macro:
            continue
        test = condition_predicate(node.cond)
        if test is None or test[1] not in ("nonzero", "zero") or test[0] in names:
            continue
        label = test[1] == "nonzero"
        target = next((t for t, edge in node.succ if edge is label), None)
        for _ in range(_GUARDED_WITHIN):
            if target is None:
                break
            if any(e.kind == "release" and e.key in names
                   for e in events.by_node.get(target, ())):
                found[node.id] = (test[0], label)
                break
            succ = cfg.nodes[target].succ
            target = succ[0][0] if len(succ) == 1 else None
    return found


def _owed(mode: str, exit_class: str, released_elsewhere: bool, keeps: bool) -> bool:
    if mode == "caller":  # taken again after giving back what the caller held
        return False
    if mode == "every":
        return True
    if exit_class in ("error", "maybe"):
        return True
    return mode == "auto" and (released_elsewhere or not keeps)


def keeps_on_success(function: str, stems: list[str]) -> bool:
    """Whether a function's name says it leaves things on when it succeeds (a probe, a
    resume, an open, ``foo_power_on``): then an enable or a request it makes is its
    result, not a leak. Short stems must be a whole word of the name, longer ones may
    be part of one (``unpowergate``)."""
    return name_says(function, stems)


def _acquire_note(event: Event | None, node: Node, key: str) -> str:
    call = event.call if event is not None and event.call else node.call or "acquire"
    return f"{call}({key})"


def paired_violations(cfg: CFG, env: PathEnv, events: ResourceEvents) -> list[Violation]:
    """Exits reached holding a resource of ``events.pair`` that the function owes."""
    found: list[Violation] = []
    resources = [] if _wrapper(events) else events.resources()
    if resources:  # most functions hold nothing of most pairs: no return facts needed
        tracker = ValueTracker(return_facts(cfg, env.fn_node), preproc_arms(cfg))
        keeps = keeps_on_success(cfg.function, env.settings.get("exit_keep_names", []))
    for key in resources:
        tracked = track(cfg, events, key, tracker)
        exits = []
        released_ok: set[int] = set()
        for state in tracked.states:
            node = cfg.nodes[state[0]]
            if not node.is_exit:
                continue
            exit_class = tracker.exit_class(node, state[4])
            exits.append((state, exit_class))
            if not tracked.held_at(state) and state[3] and exit_class == "success":
                released_ok.add(state[3])
        seen: set[tuple[int, int]] = set()
        for state, exit_class in exits:
            node_id, _, mode, acquired_at, _, _ = state
            node = cfg.nodes[node_id]
            if not tracked.held_at(state) or (node.line, acquired_at) in seen or \
                    not _owed(mode, exit_class, acquired_at in released_ok, keeps) or \
                    (state[1] == 2 and returns_result(node, cfg.nodes[acquired_at])):
                continue
            seen.add((node.line, acquired_at))
            found.append(_leak(cfg, events, tracked, state, exit_class))
    if events.pair.must_check:
        found.extend(_unchecked(cfg, events))
    return sorted(found, key=lambda v: (v.exit_line, v.acquire_line, v.key))


def _wrapper(events: ResourceEvents) -> bool:
    """Whether the function takes a lock for its caller (``x_lock()``, a find-and-lock
    helper): a pair released on every exit that it never releases, on any path or through
    any helper, is its caller's to release (and its summary says so at the calls)."""
    return events.pair.release_on == "every" and not any(
        e.kind == "release" for node_events in events.by_node.values() for e in node_events)


def _unchecked(cfg: CFG, events: ResourceEvents) -> list[Violation]:
    """Acquires that can fail whose result is thrown away (``mutex_lock_interruptible(&l);``):
    when they fail nothing is held, yet the code goes on as if it were."""
    found = []
    for node_id, node_events in events.by_node.items():
        node = cfg.nodes[node_id]
        parent = node.call_node.parent if node.call_node is not None else None
        if parent is None or parent.type != "expression_statement":
            continue
        for event in node_events:
            if event.kind == "acquire" and event.returns != "void":
                found.append(Violation(
                    node.line, [Step(node.line, f"{event.call}() result ignored")],
                    f"{cfg.function}() ignores the result of {event.call}({event.key}) at line "
                    f"{node.line}: when it fails nothing is held, yet the function goes on "
                    f"and releases it", key=event.key, acquire_line=node.line))
    return found


def _leak(cfg: CFG, events: ResourceEvents, tracked: _Tracked, state: tuple,
          exit_class: str) -> Violation:
    node = cfg.nodes[state[0]]
    acquire = cfg.nodes[state[3]]
    event = next((e for e in events.by_node.get(acquire.id, ()) if e.kind == "acquire"
                  and e.key == tracked.key), None)
    what = _acquire_note(event, acquire, tracked.key)
    if acquire.id in events.loops:
        what = f"the {events.loops[acquire.id][1]}() reference to {tracked.key}"
    erroring = exit_class in ("error", "maybe") and state[2] != "every"
    word = ("error return" if erroring else _exit_word(node))
    releases = events.pair.release_names
    inferred = " (a pair inferred from this driver)" if \
        events.pair.confidence == "inferred" else ""

    def inner(node_id: int) -> list[Step]:
        return [Step(line, note) for e in events.by_node.get(node_id, ())
                if e.key == tracked.key for line, note in e.via]

    steps = _witness(cfg, tracked.start, state, tracked.step,
                     f"{_exit_word(node)} with {what} held", inner)
    return Violation(
        node.line, steps,
        f"{cfg.function}() can reach the {word} at line {node.line} holding {what} from "
        f"line {acquire.line} without {releases}(){inferred}",
        key=tracked.key, acquire_line=acquire.line, returns_error=erroring,
        helper=event.helper if event is not None else "")


def _may_take(cfg: CFG, env: PathEnv, pair: PairSpec) -> bool:
    """Whether anything of ``pair`` can be taken in this function: one of its acquires or
    loop macros is called here, or a helper it calls may stand for one of the pair's
    calls (the test ``Summaries.effects`` makes first). Most pairs of a rule set do
    neither in a given function, and then building their events would find nothing."""
    if not cfg.called.isdisjoint(pair.acquires | frozenset(dict(pair.loops))):
        return True
    summaries = env.summaries
    return summaries is not None and any(
        summaries.may_affect(name, pair)
        for name in cfg.called - pair.acquires - pair.releases - {cfg.function})


def paired(cfg: CFG, env: PathEnv | None = None, *, acquires: set[str] | None = None,
           releases: set[str] | None = None, returns: str = "void",
           pair: PairSpec | None = None) -> list[Violation]:
    """Exits reached with a successful acquire not yet released (see the module doc)."""
    if pair is None:
        pair = PairSpec("paired", frozenset(acquires or ()), frozenset(releases or ()),
                        returns)
    if env is None:
        raise ValueError("paired() needs the function's PathEnv")
    if not _may_take(cfg, env, pair):
        return []
    events = pair_events(cfg, env.facts, pair, env.settings, summaries=env.summaries)
    return paired_violations(cfg, env, events)


Analysis = Callable[[CFG, PathEnv], list[Violation]]
