"""Scenarios: events around the interpreted function, and invariants checked after.

A model (a Python module in a rule pack, see rules/README.md) gives the state,
the stubs and a list of `Scenario`. A scenario is a list of steps: `Event`s
change the model state as the rest of the kernel would; `Call` runs the
interpreted function, on every path it can take. Invariants are checked at
every exit of the function (`Call.exit_invariants`) and at the end.

What a breach reports is in C terms: the model's ``terms`` name its state as
the driver's expressions and ``enums`` give the enum whose enumerators name a
field's values (read from the file under review), so a report says
``hbus->state == hv_pcibus_probed``, not ``hbus.state=1``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.c.parse import CSource
from bot.model.cterms import StateNames, enumerators
from bot.model.interp import Bounds, Interpreter, StubCall, TraceStep, constants


@dataclass
class Event:
    """Something the rest of the system does: ``apply`` changes the state."""

    description: str
    apply: Callable[[Any], None]


@dataclass
class Call:
    """Run the interpreted function; ``args`` builds its arguments from the state."""

    args: Callable[[Any], list[Any]]
    description: str = ""


@dataclass
class Invariant:
    """``check(state)`` returns None when it holds, else what is wrong."""

    name: str
    check: Callable[[Any], str | None]
    severity: str = "error"


@dataclass
class Scenario:
    id: str
    title: str
    setup: Callable[[], Any]
    steps: list[Event | Call]
    invariants: list[Invariant] = field(default_factory=list)
    exit_invariants: list[Invariant] = field(default_factory=list)


@dataclass
class Model:
    function: str
    stubs: dict[str, Callable[[StubCall], Any]]
    scenarios: list[Scenario]
    bounds: Bounds = field(default_factory=Bounds)
    terms: dict[str, str] = field(default_factory=dict)  # "msi.masked" -> "desc->masked"
    enums: dict[str, str] = field(default_factory=dict)  # "hbus.state" -> "hv_pcibus_state"

    def names(self, src: CSource) -> StateNames:
        """How the state reads in C, with enum values named from ``src``'s enums."""
        known = constants(src)
        values = {path: {known[name]: name for name in enumerators(src, enum)
                         if name in known}
                  for path, enum in self.enums.items()}
        return StateNames(self.terms, values)


@dataclass
class Breach:
    """One invariant broken on one path, with what led there."""

    invariant: Invariant
    message: str
    events: list[str]
    trace: list[TraceStep]
    exit_line: int
    before: str
    after: str

    @property
    def cases(self) -> list[str]:
        """The explored unknowns this path took, in C ("alloc_cpumask_var() fails")."""
        return [step.note for step in self.trace if step.case]


@dataclass
class Outcome:
    scenario: Scenario
    verdict: str  # pass | fail | inconclusive
    breaches: list[Breach] = field(default_factory=list)
    reason: str = ""
    paths: int = 0


def describe(state: Any, keys: tuple[str, ...], names: StateNames) -> str:
    """A one-line picture, in C terms, of the parts of the state a rule shows."""
    parts = []
    for key in keys:
        value: Any = state
        for attr in key.split("."):
            value = getattr(value, attr)
        parts.append(names.show(key, value))
    return ", ".join(parts)


@dataclass
class _Path:
    state: Any
    events: list[str]
    trace: list[TraceStep]
    exit_line: int
    before: str


def run_scenario(model: Model, src: CSource, scenario: Scenario,
                 shown: tuple[str, ...] = ()) -> Outcome:
    fn = src.function(model.function)
    if fn is None or fn.problem:
        why = fn.problem if fn is not None else f"{model.function}() not found"
        return Outcome(scenario, "inconclusive", reason=why)
    interp = Interpreter(src, fn, model.stubs, model.bounds)
    names = model.names(src)
    start = scenario.setup()
    paths = [_Path(start, [], [], fn.end_line, describe(start, shown, names))]
    breaches: list[Breach] = []
    for step in scenario.steps:
        if isinstance(step, Event):
            for path in paths:
                step.apply(path.state)
                path.events.append(step.description)
            continue
        grown: list[_Path] = []
        for path in paths:
            results = interp.explore(lambda p=path: copy.deepcopy(p.state), step.args)
            for state, result in results:
                if result.inconclusive:
                    return Outcome(scenario, "inconclusive", reason=result.inconclusive,
                                   paths=len(results))
                new = _Path(state, path.events + [step.description or
                                                  f"{model.function}() runs"],
                            path.trace + result.trace, result.exit_line, path.before)
                breaches.extend(_check(scenario.exit_invariants, new, shown, names))
                grown.append(new)
        paths = grown
    for path in paths:
        breaches.extend(_check(scenario.invariants, path, shown, names))
    verdict = "fail" if any(b.invariant.severity == "error" for b in breaches) else "pass"
    return Outcome(scenario, verdict, _first_per_invariant(breaches), paths=len(paths))


def _check(invariants: list[Invariant], path: _Path, shown: tuple[str, ...],
           names: StateNames) -> list[Breach]:
    found = []
    for invariant in invariants:
        message = invariant.check(path.state)
        if message:
            found.append(Breach(invariant, message, list(path.events), list(path.trace),
                                path.exit_line, path.before,
                                describe(path.state, shown, names)))
    return found


def _first_per_invariant(breaches: list[Breach]) -> list[Breach]:
    seen: dict[str, Breach] = {}
    for breach in breaches:
        seen.setdefault(breach.invariant.name, breach)
    return list(seen.values())
