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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

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


def driver_pairs(called: Iterable[str], unwinding: set[str],
                 kind_of: Callable[[str], str | None], covered: set[str]) -> list[PairSpec]:
    """Pairs for the calls ``called`` of one function.

    ``unwinding``: names the function calls after a label (its unwind code); ``kind_of``:
    the return kind ("int", "pointer", "bool", "void") of a function the file or its
    folder defines, None for others; ``covered``: names the rule packs already pair.
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
            if twin in unwinding or driver_pair:
                returns = {"int": "errno", "pointer": "pointer", "bool": "bool",
                           None: "errno"}.get(kind, "void")
                resource = (("ret" if returns == "pointer" else "arg0"),)
                pairs.append(PairSpec(f"{name}/{twin}", frozenset({name}), frozenset({twin}),
                                      returns, "auto", ((name, resource[0]),),
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
