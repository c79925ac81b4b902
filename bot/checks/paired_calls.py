"""Rule kind ``paired-calls``: once ACQUIRE succeeded, RELEASE runs on the exits that owe it.

    [[rule]]
    kind = "paired-calls"
    acquire = ["clk_prepare_enable"]
    release = ["clk_disable_unprepare"]
    returns = "errno"      # how a failed acquire shows: void | errno | pointer | bool
    release_on = "auto"    # every (locks) | error | auto (see bot/c/paths.py)
    resource = { of_parse_phandle_with_args = "out4.np" }  # default: result or first argument
    embedded = ["dev"]     # put_device(&pdev->dev) gives back pdev
    loops = { for_each_child_of_node = 1 }   # loop macros holding an argument in the body
    drops = { of_find_node_by_name = 0 }     # getters that release an argument
    same_object = ["get_device"]             # acquires that return their first argument
    moves = ["skb_dequeue"]  # acquires taking an existing one off a holder: put straight
                             # into a field, it moved from holder to holder, not taken
    must_check = true      # report an acquire whose result is thrown away
    uses = ["memcpy"]      # a buffer: any other call given it may keep it (handed on)

Success of an acquire that can fail is read from the usual checks of its result
(``if (ret)``, ``if (ret < 0)``, ``if (!p)``, ``IS_ERR(p)``); an acquire whose
result is never tested is held from the call on. ``infer = true`` instead runs
the pairs a driver shows itself (``bot/c/infer.py``), with lower confidence.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the C front end is imported only once a rule runs; `lorebot paths`
    # reads the pairs without the review's types
    from bot.c.cfg import CFG
    from bot.c.paths import PathEnv, Violation
    from bot.c.resources import PairSpec
    from bot.checks.context import PatchContext
    from bot.series import Finding

NEEDS_TREE = True
RETURNS = ("void", "errno", "pointer", "bool")
RELEASE_ON = ("every", "error", "auto")


def _names(value) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return None


def _table(value, kind) -> bool:
    return isinstance(value, dict) and all(isinstance(v, kind) for v in value.values())


def validate(rule) -> str | None:
    params = rule.params
    if params.get("infer") is True:
        return None
    if _names(params.get("acquire")) is None or _names(params.get("release")) is None:
        return "paired-calls rule needs acquire and release (a name or a list of names)"
    if params.get("returns", "void") not in RETURNS:
        return f"returns must be one of {', '.join(RETURNS)}"
    if params.get("release_on", "auto") not in RELEASE_ON:
        return f"release_on must be one of {', '.join(RELEASE_ON)}"
    if not _table(params.get("resource", {}), str):
        return "resource must be a table: call = \"ret\" | \"argN\" | \"outN\" (.member)"
    if "uses" in params and not isinstance(params["uses"], list | str):
        return "uses must be a name or a list of names"
    for key in ("loops", "drops"):
        if not _table(params.get(key, {}), int):
            return f"{key} must be a table: name = argument index"
    return None


def pair_of(rule) -> PairSpec:
    from bot.c.resources import PairSpec

    params = rule.params
    return PairSpec(
        rule.id, frozenset(_names(params["acquire"])), frozenset(_names(params["release"])),
        returns=params.get("returns", "void"), release_on=params.get("release_on", "auto"),
        resource=tuple(sorted(params.get("resource", {}).items())),
        embedded=tuple(params.get("embedded", ())),
        loops=tuple(sorted(params.get("loops", {}).items())),
        drops=tuple(sorted(params.get("drops", {}).items())),
        same_object=frozenset(_names(params.get("same_object", [])) or ()),
        moves=frozenset(_names(params.get("moves", [])) or ()),
        must_check=params.get("must_check", False) is True,
        uses=frozenset(_names(params["uses"]) or ()) if "uses" in params else None)


def covered_names(rules) -> set[str]:
    """Every name the paired-calls rules of a pack already pair."""
    names: set[str] = set()
    for rule in rules:
        if rule.kind == "paired-calls" and not rule.params.get("infer"):
            names |= set(_names(rule.params["acquire"])) | set(_names(rule.params["release"]))
            names |= set(rule.params.get("loops", {}))
    return names


def inferred(cfg: CFG, env: PathEnv, covered: set[str]) -> list[Violation]:
    """The violations of the pairs this function's driver shows (``bot/c/infer.py``)."""
    from bot.c.infer import Site, driver_pairs, unwind_calls
    from bot.c.paths import paired
    from bot.c.resources import arguments, pointer_parameter_types
    from bot.c.retvals import return_facts, return_kind

    summaries = env.summaries

    def kind_of(name: str) -> str | None:
        fn = summaries.function(name)
        return return_kind(fn.node) if fn is not None else None

    def filed(name: str) -> bool:
        return summaries.files_result(name)

    def objects(name: str) -> list[str]:
        fn = summaries.function(name)
        return pointer_parameter_types(fn.node) if fn is not None else []

    calls = [n for n in cfg.nodes if n.kind == "call" and n.call]

    def sites(name: str) -> list[Site]:
        return [Site("".join(n.assigned.split()).replace(".", "->") if n.assigned else None,
                     tuple(env.facts.canon(a) for a in arguments(n.call_node)))
                for n in calls if n.call == name]

    unwinding = unwind_calls(env.fn_node.text.decode(errors="replace"))
    status = frozenset(return_facts(cfg, env.fn_node).returned)
    found: list[Violation] = []
    for pair in driver_pairs([n.call for n in calls], unwinding, kind_of, covered, sites,
                             status, objects, filed):
        found.extend(paired(cfg, env, pair=pair))
    return sorted(found, key=lambda v: (v.exit_line, v.acquire_line, v.key))


def analysis(rule):
    from bot.c.paths import paired

    if rule.params.get("infer") is True:
        return partial(inferred, covered=covered_names(rule.pack.rules))
    return partial(paired, pair=pair_of(rule))


def check(rule, ctx: PatchContext) -> list[Finding]:
    from bot.checks.pathrule import check_touched

    key = ("paired-calls analysis", id(rule))  # one per review, not one per patch
    if key not in ctx.cache:
        ctx.cache[key] = analysis(rule)
    return check_touched(rule, ctx, ctx.cache[key])


def check_source(rule, text: str, path: str) -> list[Finding]:
    from bot.checks.pathrule import check_file

    return check_file(rule, text, path, analysis(rule))
