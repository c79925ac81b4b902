"""What a driver's own helpers do to resources, worked out once and used at their calls.

``ali_probe()`` calls ``ali_setup()``, which requests an I/O region and
returns 0; the region is then held in ``ali_probe()`` from that call on, and a
later failure must release it. A helper is summarised per pair:

- it *acquires* a resource when the resource is still held at one of its
  success exits and is named by its parameters (``$0->io``), a global, or
  what an out-parameter points to (``*$4``: ``*reply = skb``), or is the
  pointer it returns (``$ret``); at a call site the parameters become the
  call's arguments and the call's result says whether it succeeded, the way
  the helper reports errors (0, a pointer, true, a length);
- it *releases* a resource named by its parameters or a global when some path
  through it releases it.

Helpers are looked up in the file first, then (with ``--repo``/``--tree``) in
the other C files and headers of its folder and of the folder above (a driver
with a folder per chip keeps its common helpers there); summaries nest (a
helper's helper) up to a depth, and recursion ends in an empty summary.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from bot.c.cfg import Node, build_cfg
from bot.c.locate import function_span
from bot.c.parse import CFunction, CSource
from bot.c.resources import (
    Event,
    PairSpec,
    ResourceEvents,
    arguments,
    destination,
    function_facts,
    pair_events,
    raw_text,
    received,
    result_name,
)
from bot.c.retvals import POS, ValueTracker, Z, preproc_arms, return_facts, returns_result

MAX_DEPTH = 3
_PARAM = re.compile(r"\$(\d+)")
CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")  # a called name
# a name at the start of a line, after its return type if any: where definitions start
_DEFINED = re.compile(r"(?m)^(?:[A-Za-z_][\w \t*]*[ \t*])?([A-Za-z_]\w*)\s*\(")


@lru_cache(maxsize=256)
def defined_names(text: str) -> frozenset[str]:
    """The names a file's text may define: kept per text, so that the reviews of a history
    (backtest, a long series) scan each unchanged folder file once."""
    return frozenset(_DEFINED.findall(text))


@dataclass
class _FolderFiles:
    """What is read and parsed of a folder's files, shared by the views of one folder."""

    index: dict[str, list[str]] | None = None  # name -> files that may define it
    parsed: dict[str, CSource] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    data: dict[str, bytes] = field(default_factory=dict)  # the texts as bytes, once


@dataclass
class Folder:
    """The driver's other sources (C files and headers), read and parsed only when one
    of them defines a helper that is wanted. One folder is read once for every file of a
    patch in it; ``without(path)`` is the view the review of ``path`` uses (the file
    under review is its image, not the base's text)."""

    paths: list[str]
    read: Callable[[str], str | None]
    skip: str = ""
    _files: _FolderFiles = field(default_factory=_FolderFiles)

    def without(self, path: str) -> Folder:
        return Folder(self.paths, self.read, path, self._files)

    def others(self) -> list[str]:
        return [path for path in self.paths if path != self.skip]

    def text(self, path: str) -> str:
        texts = self._files.texts
        if path not in texts:
            texts[path] = self.read(path) or ""
        return texts[path]

    def _paths_of(self, name: str) -> list[str]:
        if self._files.index is None:
            self._files.index = {}
            for path in self.paths:
                for found in defined_names(self.text(path)):
                    self._files.index.setdefault(found, []).append(path)
        return [path for path in self._files.index.get(name, []) if path != self.skip]

    def text_of(self, name: str) -> str | None:
        """The text of ``name``'s definition, if a folder file plainly holds one."""
        for path in self._paths_of(name):
            if path not in self._files.data:
                self._files.data[path] = self.text(path).encode("utf-8", errors="replace")
            data = self._files.data[path]
            span, _ = function_span(data, name)
            if span is not None:
                return data[span[0]:span[1]].decode(errors="replace")
        return None

    def __call__(self, name: str) -> CSource | None:
        parsed = self._files.parsed
        for path in self._paths_of(name):
            if path not in parsed:
                parsed[path] = CSource(self.text(path), lazy=True)
            if parsed[path].function(name) is not None:
                return parsed[path]
        return None


@dataclass(frozen=True)
class Effect:
    kind: str  # acquire | release
    resource: str  # "$0->io", a global name, or "$ret"
    returns: str = "void"  # acquire: how the helper's result says it failed (zero: held
    # only when it returns 0)
    mode: str = "auto"  # acquire: who owes the release, carried to the caller
    line: int = 0  # where inside the helper
    call: str = ""  # the call inside the helper that takes or gives it back


@dataclass
class Summaries:
    """Helpers of one file (and its folder), summarised on demand."""

    sources: list[CSource]  # the file itself first, then its folder's other C files
    noreturn: frozenset[str] = frozenset()
    settings: dict = field(default_factory=dict)
    load_more: Callable[[str], CSource | None] | None = None  # folder files, by function name
    _found: dict[str, tuple[CSource, CFunction] | None] = field(default_factory=dict)
    _done: dict[tuple[str, str], list[Effect]] = field(default_factory=dict)
    _busy: set[tuple[str, str]] = field(default_factory=set)
    _kept: dict[tuple[str, str], bool] = field(default_factory=dict)  # keeps_argument
    _graphs: dict[str, tuple] = field(default_factory=dict)
    _reach: dict[str, set[str]] = field(default_factory=dict)
    _reaching: list[str] = field(default_factory=list)

    def function(self, name: str) -> CFunction | None:
        """The sound definition of ``name`` in the file or its folder, or None."""
        if name not in self._found:
            self._found[name] = self._lookup(name)
        found = self._found[name]
        return found[1] if found is not None else None

    def _lookup(self, name: str) -> tuple[CSource, CFunction] | None:
        for src in self.sources:
            fn = src.function(name)
            if fn is not None:
                return (src, fn) if not fn.problem else None
        src = self.load_more(name) if self.load_more is not None else None
        fn = src.function(name) if src is not None else None
        if src is None or fn is None or fn.problem:
            return None
        self.sources.append(src)
        return src, fn

    def _text_of(self, name: str) -> str | None:
        """The text of ``name``'s definition in the file or its folder, found without
        parsing (a definition that is not plainly kernel style is not summarised)."""
        for src in self.sources:
            if name not in defined_names(src.text):
                continue  # no line starts its definition: no need to search the text
            span, _ = function_span(src.data, name)
            if span is not None:
                return src.data[span[0]:span[1]].decode(errors="replace")
        return self.load_more.text_of(name) if isinstance(self.load_more, Folder) else None

    def _calls(self, name: str) -> set[str]:
        """Every name ``name`` calls, and what the helpers it calls call (to a depth)."""
        if name not in self._reach:
            self._reach[name] = set()  # recursion ends here
            text = self._text_of(name)
            direct = set(CALLED.findall(text)) if text is not None else set()
            found = set(direct)
            if len(self._reaching) < MAX_DEPTH:
                self._reaching.append(name)
                for callee in direct - {name}:
                    found |= self._calls(callee)
                self._reaching.pop()
            self._reach[name] = found
        return self._reach[name]

    def may_affect(self, name: str, pair: PairSpec) -> bool:
        """Whether a call of ``name`` can stand for anything of ``pair``: only when one
        of the pair's names is called in the helper or below it (``effects`` is empty
        otherwise)."""
        return not self._calls(name).isdisjoint(pair.names)

    def effects(self, name: str, pair: PairSpec) -> list[Effect]:
        key = (name, pair.name)
        if key in self._done:
            return self._done[key]
        if key in self._busy or len(self._busy) >= MAX_DEPTH:
            return []
        fn = self.function(name) if self.may_affect(name, pair) else None
        if fn is None:  # not the driver's, or nothing of this pair happens in it or below
            self._done[key] = []
            return []
        self._busy.add(key)
        try:
            self._done[key] = self._summarise(fn, pair)
        finally:
            self._busy.discard(key)
        return self._done[key]

    def freed_by_teardown(self, member: str, pair: PairSpec, function: str) -> bool:
        """Whether what a field named ``member`` holds is given back by a teardown of the
        driver: a function other than ``function`` that releases it (``kvfree(sbi->table)``),
        or calls one that does (to a depth), and that the driver names as a value (an ops
        member, an RCU or release callback). The object, not ``function`` that filled the
        field, then owns it, whether or not the setup succeeded; a helper only ever called
        by name (an error path's) is no teardown."""
        key = (f"{member}#{function}", f"{pair.name}#teardown")
        if key not in self._kept:
            texts = {src.text for src in self.sources}  # a folder file parsed is in both
            if isinstance(self.load_more, Folder):
                texts |= {self.load_more.text(path) for path in self.load_more.others()}
            releases = tuple(sorted(pair.releases))
            seen = {function, ""}
            names = {name for text in texts
                     for name in _field_releases(text, releases).get(member, ())} - seen
            found = False
            for _ in range(MAX_DEPTH + 1):
                if not names or any(not names.isdisjoint(_values(text)) for text in texts):
                    found = bool(names)
                    break
                seen |= names
                names = {caller for text in texts for name in names
                         for caller in _calls_of(text).get(name, ())} - seen
            self._kept[key] = found
        return self._kept[key]

    def files_result(self, name: str) -> bool:
        """Whether helper ``name`` puts the pointer it returns where an object its caller
        gave reaches it: links it into a list or table of that object
        (``list_add(&sta->hash, &priv->hash[i])``) or stores it in one of its fields. That
        object then keeps it (a station table looked up later), not the caller."""
        key = (name, "#files")
        if key not in self._kept:
            fn = self.function(name)
            self._kept[key] = fn is not None and _files_result(*self._built(fn))
        return self._kept[key]

    def keeps_argument(self, name: str, index: int, pair: PairSpec) -> bool:
        """Whether helper ``name`` may keep (store, free, hand on) what its argument
        ``index`` points to; only a helper of the folder whose body just reads it is
        known not to."""
        key = (name, f"{pair.name}#{index}")
        if key in self._kept:
            return self._kept[key]
        fn = self.function(name) if key not in self._busy and \
            len(self._busy) < MAX_DEPTH else None
        if fn is None:
            return True
        self._busy.add(key)
        try:
            cfg, facts = self._built(fn)
            if index >= len(facts.params) or not facts.params[index]:
                return True
            params = {p: f"${i}" for i, p in enumerate(facts.params) if p}
            events = pair_events(cfg, facts, pair, self.settings, summaries=self, params=params)
            mine = f"${index}"
            keeps = any(e.kind not in ("acquire", "copy") and e.key == mine
                        for evs in events.by_node.values() for e in evs)
        finally:
            self._busy.discard(key)
        self._kept[key] = keeps
        return keeps

    def _built(self, fn: CFunction) -> tuple:
        """The CFG and names of a helper, built once for every pair."""
        if fn.name not in self._graphs:
            src = self._found[fn.name][0]
            self._graphs[fn.name] = (build_cfg(fn, self.noreturn, src.guard_lines,
                                               src.macro_loops), function_facts(fn))
        return self._graphs[fn.name]

    def _summarise(self, fn: CFunction, pair: PairSpec) -> list[Effect]:
        from bot.c.paths import track

        cfg, facts = self._built(fn)
        params = {p: f"${i}" for i, p in enumerate(facts.params) if p}
        events = pair_events(cfg, facts, pair, self.settings, summaries=self, params=params)
        returns = return_facts(cfg, fn.node)
        tracker = ValueTracker(returns, preproc_arms(cfg))
        kind = {"int": "errno", "pointer": "pointer", "bool": "bool"}.get(returns.kind, "void")
        found: list[Effect] = []
        taken_here = set(events.resources())
        for node_id, node_events in events.by_node.items():
            for event in node_events:
                if event.kind == "release" and event.key not in taken_here and \
                        _named_outside(event.key, facts):
                    found.append(Effect("release", event.key, line=cfg.nodes[node_id].line,
                                        call=cfg.nodes[node_id].call or ""))
        for key in events.resources():
            tracked = track(cfg, events, key, tracker)
            outside = _outside_name(key, cfg, events, facts)
            kept = []
            for state in tracked.states:
                node = cfg.nodes[state[0]]
                if not node.is_exit or not state[3]:
                    continue
                acquired = cfg.nodes[state[3]]
                exit_class = tracker.exit_class(node, state[4])
                held = tracked.held_at(state)
                passed = _passes_on(node, acquired, events, key)
                if held and state[2] != "caller" and outside and (
                        exit_class == "success" or passed is not None):
                    kept.append((state, acquired, passed))
                elif not held and returns.kind == "pointer" and exit_class != "error" \
                        and _returns(node, key, events) and not self.files_result(fn.name):
                    found.append(Effect("acquire", "$ret", "pointer", "every", acquired.line,
                                        acquired.call or pair.name))
            found.extend(Effect("acquire", outside, _held_when(kind, kept, cfg, tracker),
                                state[2] or "auto", acquired.line, acquired.call or pair.name)
                         for state, acquired, _ in kept)
        return list(dict.fromkeys(found))

    def call_events(self, events: ResourceEvents, node: Node) -> list[Event]:
        """The acquires and releases a call of a summarised helper stands for."""
        name = node.call or ""
        if name in events.pair.acquires or name in events.pair.releases or \
                name == events.cfg.function:
            return []
        out = []
        args = arguments(node.call_node)
        for effect in self.effects(name, events.pair):
            key = _at_call(effect.resource, args, node, events)
            if not key:
                continue
            via = ((effect.line, f"inside {name}(): {effect.call}() "
                    f"{'takes' if effect.kind == 'acquire' else 'gives back'} it"),)
            if effect.kind == "release":
                out.append(Event("release", key, via=via, helper=name))
                continue
            mode, filled = effect.mode, effect.resource.startswith("*$")
            if effect.resource == "$ret" and events.kept_by_object(node):
                continue  # as the allocator's own result would be: the object's
            if effect.resource == "$ret":  # a wrapper's result: owed as the allocator's
                # own would be where it lands (``dev->img = my_vzalloc(n)``: on error exits)
                mode = events.owed_by(node)
            elif filled:  # into a local (``&skb``): owed on every exit; into a field, or
                # where a pointer the function was given points: on error exits
                raw = raw_text(args[int(effect.resource[2:])])
                mode = {"local": "every"}.get(destination(events.facts, raw), "error") \
                    if raw.startswith("&") else "error"
            out.append(Event("acquire", key, mode, effect.returns,
                             f"{name}() -> {effect.call}", via, out=filled, helper=name))
        return out


_LINKING = re.compile(r"(?:^|_)(?:add|insert|enqueue|push|link|store)(?:_|$)")


def _files_result(cfg, facts) -> bool:
    returned = {facts.canon(node.expr) for node in cfg.nodes
                if node.kind == "return" and node.expr is not None} - {"", "NULL", "0"}

    def own(key: str) -> bool:
        return key in returned or any(key.startswith(f"{r}->") for r in returned)

    for node in cfg.nodes:
        if node.kind == "call" and node.call and _LINKING.search(node.call):
            keys = [facts.canon(arg) for arg in arguments(node.call_node)]
            if any(own(k) for k in keys) and any(
                    "->" in k and received(facts, k) for k in keys if not own(k)):
                return True
        elif node.kind == "assign" and node.expr is not None and node.assigned:
            left = node.expr.child_by_field_name("left")
            value = node.expr.child_by_field_name("right")
            if left is not None and value is not None and \
                    facts.canon(value) in returned and received(facts, facts.canon(left)) \
                    and "->" in facts.canon(left):
                return True
    return False


@lru_cache(maxsize=256)
def _definitions(text: str) -> tuple[list[int], list[str]]:
    """Where each definition line of ``text`` starts, and its name (kept per text)."""
    found = [(m.start(), m.group(1)) for m in _DEFINED.finditer(text)]
    return [at for at, _ in found], [name for _, name in found]


def _bodies(text: str, pattern: re.Pattern) -> dict[str, set[str]]:
    """``pattern``'s first group -> the functions whose bodies hold a match (definition
    lines, which start in column 0, are not bodies)."""
    starts, names = _definitions(text)
    out: dict[str, set[str]] = {}
    for match in pattern.finditer(text):
        line = text.rfind("\n", 0, match.start()) + 1
        at = bisect_right(starts, match.start()) - 1
        if text[line] in " \t" and at >= 0:
            out.setdefault(match.group(1), set()).add(names[at])
    return out


@lru_cache(maxsize=256)
def _field_releases(text: str, releases: tuple[str, ...]) -> dict[str, set[str]]:
    """Field name -> the functions of ``text`` that release what it holds
    (``kvfree(sbi->table)``); kept per text, as the folder's files are read again by each
    review of a history."""
    if not releases:
        return {}
    return _bodies(text, re.compile(rf"\b(?:{'|'.join(map(re.escape, releases))})\s*\("
                                    rf"\s*[^;()]*(?:->|\.)\s*(\w+)\s*[,)]"))


@lru_cache(maxsize=256)
def _calls_of(text: str) -> dict[str, set[str]]:
    """Callee -> the functions of ``text`` that call it (kept per text)."""
    return _bodies(text, CALLED)


@lru_cache(maxsize=256)
def _values(text: str) -> frozenset[str]:
    """Names ``text`` uses other than in a call or a definition: functions given as a
    value (``.put_super = f``, ``call_rcu(&x->rcu, f)``), among other names."""
    return frozenset(re.findall(r"\b([A-Za-z_]\w*)\b(?!\s*\()", text))


def _held_when(kind: str, kept: list, cfg, tracker: ValueTracker) -> str:
    """How an int helper's result says it holds what it keeps: ``zero`` when it keeps it
    only where it returns 0, ``positive`` only where it returns a count (a length read),
    releasing it on every other return, so a caller that sees anything else owes nothing;
    else as its errors show (``errno``)."""
    if kind != "errno":
        return kind
    held = set()
    for state, _, passed in kept:
        if passed is not None:
            held.add(passed)
            continue
        returned = tracker.returned(cfg.nodes[state[0]], state[4])
        held.add("zero" if returned == {Z} else "positive" if returned == {POS} else kind)
    return held.pop() if len(held) == 1 else kind


def _named_outside(key: str, facts) -> bool:
    """Whether a resource name means the same thing to the helper's callers."""
    base = re.split(r"->|\[|\(", key, maxsplit=1)[0].lstrip("*")
    return bool(key) and key != "*" and (base.startswith("$") or (
        base not in facts.locals and base not in facts.params and base.isidentifier()))


def _outside_name(key: str, cfg, events: ResourceEvents, facts) -> str:
    """The name a resource the helper may keep has for its callers: its own, unless it is
    a local or a parameter the helper reuses for it (``skb = next(q)``, ``fill(&skb)``),
    then where the helper stores it through an out-parameter (``*out = skb``); "" when
    it has none."""
    reused = re.fullmatch(r"\$\d+", key) is not None and any(
        e.kind == "acquire" and e.key == key and (e.out or cfg.nodes[node_id].assigned in
                                                  facts.params)
        for node_id, evs in events.by_node.items() for e in evs)
    if _named_outside(key, facts) and not reused:
        return key
    return next((name for name in sorted(events.aliases.get(key, ()))
                 if name.startswith("*$") and _named_outside(name, facts)), "")


def _passes_on(node: Node, acquired: Node, events: ResourceEvents, key: str) -> str | None:
    """How the helper's result says whether it holds ``key``, when exit ``node`` returns
    the result of the call that took it through an out-parameter as is (``return
    send_and_get(d, cmd, out);``, ``ret = get(d, out); ...; return ret;``): as that
    call's does; None otherwise."""
    if not key.startswith("*$") or not returns_result(node, acquired):
        return None
    return next((e.returns for e in events.by_node.get(acquired.id, ())
                 if e.kind == "acquire" and e.key == key), None)


def _returns(node: Node, key: str, events: ResourceEvents) -> bool:
    """Whether exit ``node`` returns resource ``key`` (``return skb;``, ``return alloc();``)."""
    return node.kind == "return" and any(e.kind == "handon" and e.key == key
                                         for e in events.by_node.get(node.id, ()))


def _at_call(resource: str, args: list, node: Node, events: ResourceEvents) -> str:
    """The helper's resource name in the caller's terms."""
    if resource == "$ret":
        return result_name(events.facts, node, events.params)
    out = re.fullmatch(r"\*\$(\d+)", resource)
    if out is not None and int(out.group(1)) < len(args):  # ``*out``: what ``&skb`` names
        arg = args[int(out.group(1))]
        key = events.facts.canon(arg, events.params)
        return key if raw_text(arg).startswith("&") else f"*{key}"
    missing = False

    def arg(match: re.Match) -> str:
        nonlocal missing
        index = int(match.group(1))
        if index >= len(args):
            missing = True
            return ""
        return events.facts.canon(args[index], events.params)

    key = _PARAM.sub(arg, resource)
    return "" if missing else key

