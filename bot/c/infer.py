"""Acquire/release pairs a driver shows by itself: ``x_alloc_rx_bufs``/``x_free_rx_bufs``.

Two names form a pair when they differ by one verb of a pair of verbs
(alloc/free, init/deinit, enable/disable, ...) and the driver shows them: for
buffers and objects (alloc/free, create/destroy, a part's probe/remove) both
are the driver's own functions, defined in the file or its folder; for the
other verbs the function itself undoes the call on one of its unwind labels
(``err_deinit: foo_deinit_x(x);``) and forgets it on another path. Such
pairs are reported with lower confidence than the rule packs' pairs, and
never for names a pack pair already covers. Firmware commands that add and
delete an entry, or enable and disable a mode, are not resources, so weaker
verbs need the function's own word for it.

Where the function calls the release too, its calls say what the resource is:
the acquire's result when the release is given it (``t = x_get_buf(d); ...
x_put_buf(d, t)``), else the acquire's first argument when the release is given
that (at whatever position) and the acquire's result is only a status (not
kept, or returned as the function's error). A status-only acquire whose
definition takes, besides its first argument, a pointer to an object of a type
the release takes too (``x_alloc_blocks(inode, n, struct x_chain *got)`` and
``x_free_blocks(inode, struct x_chain *c)``) takes what lands in that object,
not the owner it works for: no pair either. A release given neither lets go of
something else (``x_init_entry(&e); ... x_cleanup(dev, other)``), and a result
that is neither a status nor given back (``addr = x_map(dev, buf)``) is a
handle the names do not follow: no pair then, rather than a guess. An allocator
that links what it returns into an object its caller gave (``x_alloc_sta(tbl,
addr)`` putting the station on ``tbl``'s hash list) leaves it to that table,
which a later lookup reads: no pair either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.c.resources import PairSpec

# acquire verb -> release verbs (words of a name separated by "_")
# verbs that make a pair on their own when the driver defines both functions
OBJECT_VERBS = {"alloc", "create", "probe"}
VERBS: dict[str, tuple[str, ...]] = {
    "alloc": ("free", "dealloc"), "init": ("deinit", "uninit", "exit", "cleanup"),
    "get": ("put",), "create": ("destroy",), "register": ("unregister",),
    "enable": ("disable",), "start": ("stop",), "request": ("release", "free"),
    "setup": ("cleanup", "teardown"), "map": ("unmap",), "prepare": ("unprepare",),
    "probe": ("remove",), "attach": ("detach",), "open": ("close",), "claim": ("release",),
    "acquire": ("release",), "add": ("del", "remove"), "on": ("off",), "hold": ("release",),
}
_NAME = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")
_LABEL = re.compile(r"(?m)^[ \t]*(?!default\b)[A-Za-z_]\w*:[ \t]*$")


def _twins(name: str) -> Iterable[str]:
    words = name.split("_")
    for i, word in enumerate(words):
        for release in VERBS.get(word, ()):
            yield "_".join(words[:i] + [release] + words[i + 1:])


@dataclass(frozen=True)
class Site:
    """One call in the function: the variable its result goes to, its arguments (canonical)."""

    result: str | None
    args: tuple[str, ...]


_RETURNS = {"int": "errno", "pointer": "pointer", "bool": "bool", None: "errno"}


def _resource(kind: str | None, acquired: list[Site], released: list[Site],
              status: set[str], shared: bool = False) -> tuple[str, str, str] | None:
    """(acquire's resource, release's resource, how the acquire fails), as the function's
    own calls show them; None when they do not show one object (see the module doc).
    ``shared``: both definitions take a second object of one type besides the first."""
    returns = _RETURNS.get(kind, "void")
    if shared and returns != "pointer":
        return None
    if not released:  # the driver's alloc/free, named alike, both defined by it
        return ("ret" if returns == "pointer" else "arg0"), "arg0", returns
    results = {site.result for site in acquired if site.result}
    firsts = {site.args[0] for site in acquired if site.args}
    status_only = kind in ("int", "bool") or all(
        site.result is None or site.result in status for site in acquired)
    for site in released:
        for at, arg in enumerate(site.args):
            if arg in results:
                return "ret", f"arg{at}", "pointer" if kind is None else returns
    for site in released:
        for at, arg in enumerate(site.args):
            if arg in firsts and status_only:
                return "arg0", f"arg{at}", returns
    return None


def driver_pairs(called: Iterable[str], unwinding: set[str],
                 kind_of: Callable[[str], str | None], covered: set[str],
                 sites: Callable[[str], list[Site]] = lambda name: [],
                 status: frozenset[str] = frozenset(),
                 objects: Callable[[str], list[str]] = lambda name: [],
                 filed: Callable[[str], bool] = lambda name: False) -> list[PairSpec]:
    """Pairs for the calls ``called`` of one function.

    ``unwinding``: names the function calls after a label (its unwind code); ``kind_of``:
    the return kind ("int", "pointer", "bool", "void") of a function the file or its
    folder defines, None for others; ``covered``: names the rule packs already pair;
    ``sites``: the function's calls of a name; ``status``: the variables it returns;
    ``objects``: the pointer types of a definition's parameters ("" for others);
    ``filed``: whether a definition puts the pointer it returns into an object its
    caller gave (a table), which then keeps it: no pair.
    """
    pairs = []
    for name in sorted(set(called)):
        if name in covered:
            continue
        for twin in _twins(name):
            if twin in covered or twin == name:
                continue
            kind = kind_of(name)
            driver_pair = kind is not None and kind_of(twin) is not None and \
                bool(OBJECT_VERBS & set(name.split("_")))
            if (twin in unwinding or driver_pair) and not (kind == "pointer" and filed(name)):
                shared = set(filter(None, objects(name)[1:])) & \
                    set(filter(None, objects(twin)[1:]))
                shown = _resource(kind, sites(name), sites(twin), set(status), bool(shared))
                if shown is not None:
                    taken, given, returns = shown
                    pairs.append(PairSpec(
                        f"{name}/{twin}", frozenset({name}), frozenset({twin}), returns,
                        "auto", tuple(sorted({(name, taken), (twin, given)})),
                        confidence="inferred"))
                break
    return pairs


def unwind_calls(text: str) -> set[str]:
    """Names called after a label up to the end of its function: the unwind code."""
    found: set[str] = set()
    read_to = -1  # a later label of the same function lies in a stretch read already
    for label in _LABEL.finditer(text):
        if label.end() < read_to:
            continue
        end = text.find("\n}", label.end())
        read_to = end if end >= 0 else len(text)
        found |= set(_NAME.findall(text[label.end():read_to]))
    return found
