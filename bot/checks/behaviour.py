"""Rule kind ``behaviour``: run a function in its subsystem model, before and after.

    [[rule]]
    kind = "behaviour"
    function = "hv_irq_unmask"
    model = "models/hv_irq_unmask.py"     # relative to the pack folder
    show = ["msi.masked", "hbus.state"]   # state shown before/after in the evidence

One finding per broken invariant of a scenario, with the events, the executed
lines and stub results, and the state before and after, all in C terms (the
model names its state); each says whether the patch introduced, kept or fixed
it, and one summary finding says what changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.checks.context import PatchContext, make_finding
from bot.series import Finding, Location

if TYPE_CHECKING:  # the C front end and the interpreter are imported once a rule runs
    from bot.c.parse import CSource
    from bot.model.scenario import Breach, Outcome

NEEDS_TREE = True


def validate(rule) -> str | None:
    if not isinstance(rule.params.get("function"), str):
        return 'behaviour rule needs function = "name"'
    if not isinstance(rule.params.get("model"), str):
        return 'behaviour rule needs model = "path/to/model.py" (in the pack)'
    if not (rule.pack.folder / rule.params["model"]).is_file():
        return f"model file {rule.params['model']} not found in {rule.pack.folder}"
    return None


def outcomes(rule, src: CSource) -> dict[str, Outcome]:
    from bot.model.load import load_model
    from bot.model.scenario import run_scenario

    model = load_model((rule.pack.folder / rule.params["model"]).resolve())
    shown = tuple(rule.params.get("show", []))
    return {s.id: run_scenario(model, src, s, shown) for s in model.scenarios}


def _trace(path: str, breach: Breach) -> list[Location]:
    """Every step of the breach's path that says something, and its exit: the whole
    trace (JSON and --verbose show it; the short reply names the cases instead)."""
    steps = [s for s in breach.trace if s.note]
    return [Location(path, s.line, s.note) for s in steps] + [
        Location(path, breach.exit_line, "exit")]


def situation(outcome: Outcome, breach: Breach) -> str:
    """When it goes wrong, in C: the explored cases the path took, else the scenario."""
    if breach.cases:
        return "when " + " and ".join(breach.cases)
    return "in " + outcome.scenario.title


def breach_message(outcome: Outcome, breach: Breach) -> str:
    return f"{breach.message[:1].upper()}{breach.message[1:]} {situation(outcome, breach)}."


def _finding(rule, ctx, path: str, outcome: Outcome, breach: Breach, status: str,
             image: str) -> Finding:
    scenario = outcome.scenario
    evidence = [f"scenario {scenario.id}: {scenario.title}",
                f"breaks: {breach.message}", f"situation: {situation(outcome, breach)}"]
    evidence += [f"event: {e}" for e in breach.events]
    evidence += [f"before: {breach.before}", f"after:  {breach.after}"]
    return make_finding(
        rule, ctx, breach_message(outcome, breach),
        severity=breach.invariant.severity, file=path, line=breach.exit_line,
        function=rule.params["function"], status=status, image=image,
        evidence=evidence, path=_trace(path, breach))


def _compare(rule, ctx, path: str, before: dict[str, Outcome] | None,
             after: dict[str, Outcome]) -> list[Finding]:
    found: list[Finding] = []
    for sid, outcome in after.items():
        old = before.get(sid) if before else None
        old_broken = {b.invariant.name: b for b in old.breaches} if old else {}
        unknown_before = old is not None and old.verdict == "inconclusive"
        if outcome.verdict == "inconclusive":
            found.append(make_finding(rule, ctx, f"Scenario '{sid}' is inconclusive: "
                                      f"{outcome.reason}.", severity="info", file=path,
                                      function=rule.params["function"]))
            continue
        for breach in outcome.breaches:
            # nothing to compare against before: what the patch leaves is still there
            status = "preexisting" if breach.invariant.name in old_broken or unknown_before \
                else ("introduced" if before is not None else None)
            found.append(_finding(rule, ctx, path, outcome, breach, status, "post"))
        now_broken = {b.invariant.name for b in outcome.breaches}
        for name, breach in old_broken.items():
            if name not in now_broken and old.verdict != "inconclusive":
                found.append(_finding(rule, ctx, path, old, breach, "fixed", "pre"))
    if before is not None:
        summary = _summary(before, after)
        if summary:
            found.append(make_finding(rule, ctx, summary, severity="info", file=path,
                                      function=rule.params["function"]))
    return found


def _summary(before: dict[str, Outcome], after: dict[str, Outcome]) -> str:
    def ending(results: dict[str, Outcome], verdict: str) -> set[str]:
        return {sid for sid, o in results.items() if o.verdict == verdict}

    # an inconclusive side (a function that could not be run) neither fixes nor breaks
    fixed = sorted(ending(before, "fail") & ending(after, "pass"))
    broken = sorted(ending(after, "fail") & ending(before, "pass"))
    still = sorted(ending(after, "fail") & ending(before, "fail"))
    if not fixed and not broken:
        return ""
    parts = []
    if fixed:
        parts.append("the patch fixes " + ", ".join(f"'{s}'" for s in fixed))
    if broken:
        parts.append("it breaks " + ", ".join(f"'{s}'" for s in broken))
    if still:
        parts.append("but " + ", ".join(f"'{s}'" for s in still) + " still fail")
    text = "; ".join(parts[:-1] + [parts[-1]]) if len(parts) > 1 else parts[0]
    return "Behaviour: " + text.replace("; but", " but") + "."


def check(rule, ctx: PatchContext) -> list[Finding]:
    from bot.c.parse import cached_parse, functions_touched

    name = rule.params["function"]
    found: list[Finding] = []
    for fd in ctx.patch.files:
        images = ctx.images.files.get(fd.path) if ctx.images else None
        if images is None or images.post is None or not rule.applies_to_file(fd.path):
            continue
        pre = cached_parse(ctx.cache, images.pre) if images.pre else None
        post = cached_parse(ctx.cache, images.post, like=pre)
        function = post.function(name)
        if name not in functions_touched(pre, post, fd) or function is None:
            continue
        if function.problem:  # misparsed code gets no verdict: one line, not one a scenario
            found.append(make_finding(rule, ctx, f"Could not analyse: {function.problem}; "
                                      "its model's scenarios were not run.", severity="info",
                                      file=fd.path, function=name))
            continue
        with ctx.analysing(f"{name}()"):
            before = outcomes(rule, pre) if pre is not None and pre.function(name) else None
            found.extend(_compare(rule, ctx, fd.path, before, outcomes(rule, post)))
    return found


def check_source(rule, text: str, path: str) -> list[Finding]:
    """Scenario failures of the function in a whole file (rule examples)."""
    from bot.c.parse import CSource

    src = CSource(text)
    if src.function(rule.params["function"]) is None:
        return []
    found = []
    for outcome in outcomes(rule, src).values():
        for breach in outcome.breaches:
            found.append(Finding(rule=rule.id, severity=breach.invariant.severity,
                                 message=breach_message(outcome, breach), patch=None,
                                 kind=rule.kind,
                                 file=path, line=breach.exit_line,
                                 function=rule.params["function"],
                                 path=_trace(path, breach)))
    return found
