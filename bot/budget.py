"""A time and memory budget for the review of one revision, that nothing can overrun.

The work runs in a forked child process: its data segment (heap, anonymous
maps; not the read-only maps of git packs) may grow by at most ``memory_mb``
(RLIMIT_DATA), and the parent kills it when ``seconds`` of wall time have
passed. A regex that backtracks for ever, a C library that loops, a structure
that grows without bound: each ends as a ``BudgetError`` in the parent, which
is unharmed and goes on. The child's result (or its error) comes back pickled.
"""

from __future__ import annotations

import os
import resource
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from bot.errors import BudgetError

DEFAULT_SECONDS = 120.0
DEFAULT_MEMORY_MB = 1024
_WAKE = 5.0  # seconds between the parent's ``while_waiting`` calls


class Budget(NamedTuple):  # not a dataclass: review's options read its defaults (--help)
    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB

    def describe(self) -> str:
        return f"{self.seconds:g} s, {self.memory_mb} MiB"


def _data_segment() -> int:
    """Bytes of this process's data segment now (what RLIMIT_DATA counts)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _child(budget: Budget, work: Callable[..., Any], args: tuple, pipe, parent_end) -> None:
    import pickle  # here, not at the top: ``lorebot --help`` reads this module's defaults
    import traceback

    parent_end.close()  # a parent killed from outside: our send fails instead of blocking
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    cpu = int(2 * budget.seconds) + 1  # and an orphan's work still ends
    if cpu_hard == resource.RLIM_INFINITY or cpu < cpu_hard:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu_hard))
    limit = _data_segment() + budget.memory_mb * 1024 * 1024
    hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    try:
        outcome = ("ok", work(*args))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as exc:  # ours to report in the parent, as if raised there
        if os.environ.get("LOREBOT_DEBUG"):
            traceback.print_exc()
        outcome = ("error", exc)
    try:
        pipe.send(outcome)
    except MemoryError:
        pipe.send(("memory", None))
    except (pickle.PicklingError, TypeError, AttributeError):
        pipe.send(("error", RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}")))
    pipe.close()


def run_within(budget: Budget, work: Callable[..., Any], *args: Any,
               while_waiting: Callable[[], None] | None = None) -> Any:
    """``work(*args)`` in a child held to ``budget``; its result, or its error raised here.

    ``while_waiting`` runs every few seconds in the parent (to keep a lease alive).
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(budget, work, args, send, receive),
                            daemon=True)
    child.start()
    send.close()
    deadline = time.monotonic() + budget.seconds
    finished = False
    try:  # poll() is also true once the child is gone: recv() then raises EOFError
        while not receive.poll(max(0.0, min(_WAKE, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                raise BudgetError(f"over its time budget ({budget.seconds:g} s)")
            if while_waiting:
                while_waiting()
        try:
            kind, value = receive.recv()
        except EOFError:  # it died without a word: the kernel killed it
            child.join(5)
            raise BudgetError(_death(child.exitcode, budget)) from None
        finished = True
    finally:
        child.join(2 if finished else 0)  # a finished child only flushes and exits
        if child.is_alive():
            child.kill()
            child.join(5)
        receive.close()
    if kind == "ok":
        return value
    if kind == "memory":
        raise BudgetError(f"over its memory budget ({budget.memory_mb} MiB)")
    raise value


def _death(exitcode: int | None, budget: Budget) -> str:
    if exitcode == -signal.SIGXCPU:
        return f"over its time budget ({budget.seconds:g} s of wall time, twice that of CPU)"
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        return (f"the review process was killed by {name} (likely over its memory "
                f"budget, {budget.memory_mb} MiB)")
    return f"the review process ended without a result (exit status {exitcode})"
