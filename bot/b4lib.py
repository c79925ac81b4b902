"""b4's library, imported without the parts of it lorebot never runs.

b4 imports at module level what only its attestation and signing code uses:
dkimpy (which loads dnspython, about a third of ``import b4``) and patatt
(PyNaCl). lorebot reads subjects, groups threads and fetches from lore with b4;
it never verifies or signs. So, before b4 is imported, those modules are put in
``sys.modules`` deferred: a deferred module holds its name, spec and path (all
the import system reads of it), and its code runs on the first read or write
of any other attribute, in the same module object, so a use in b4 works as
before. This is what ``importlib.util.LazyLoader`` does, except that its
modules load on any attribute, ``__spec__`` too, which an ``import`` statement
reads: under LazyLoader b4's own ``import dkim`` would load dkim at once.

requests and liblore cannot be deferred: b4 evaluates annotations naming
``requests.Session`` and ``liblore.LoreNode`` when it is imported.

Every module of lorebot takes b4 from here (``from bot.b4lib import b4``,
inside the function that needs it; ``b4_mbox()`` for b4.mbox).
"""

from __future__ import annotations

import importlib.util
import sys
import types

DEFERRED = ("dkim", "patatt")


class _Deferred(types.ModuleType):
    """A module whose code has not run yet; it runs on first use of an attribute."""

    def __getattr__(self, name: str):  # only for attributes not set yet
        _run(self)
        return getattr(self, name)

    def __setattr__(self, name: str, value) -> None:
        _run(self)
        setattr(self, name, value)

    def __delattr__(self, name: str) -> None:
        _run(self)
        delattr(self, name)


def _run(module: types.ModuleType) -> None:
    object.__setattr__(module, "__class__", types.ModuleType)
    module.__spec__.loader.exec_module(module)


def _defer(name: str) -> None:
    """``name`` in sys.modules, its code not run (nothing when missing or imported)."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
        return
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _Deferred
    sys.modules[name] = module


for _name in DEFERRED:
    _defer(_name)

import b4  # noqa: E402

__all__ = ["b4", "b4_mbox"]


def b4_mbox() -> types.ModuleType:
    """b4.mbox (b4's search for a series' other revisions), imported on first use."""
    import b4.mbox

    return b4.mbox
