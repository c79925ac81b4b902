"""Whether the process that holds a lease in the store still runs.

A process is named by its boot, PID namespace, PID and start time, so a PID
reused after the holder died, or a holder from before a reboot, is not taken
for the holder. Only a process of this boot and PID namespace can be looked
up; for any other the answer is ``None`` (unknown) and the caller falls back
on the holder's heartbeat.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def _machine() -> str:
    """This boot and PID namespace (processes outside it cannot be looked up)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return ""
    return f"{boot}/{namespace}"


def _start_time(pid: int) -> str | None:
    """When ``pid`` started (clock ticks after boot); None if it does not run (a zombie
    has finished running)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # after the name, which may hold anything
    return None if fields[0] in ("Z", "X") else fields[19]  # state, and field 22


def identity(pid: int | None = None) -> str:
    """A name for a running process that no other process will ever have."""
    pid = pid or os.getpid()
    return f"{_machine()}/{pid}/{_start_time(pid) or ''}"


def alive(name: str) -> bool | None:
    """True or False for a process of this boot and namespace; None for any other."""
    machine, pid, started = (name.rsplit("/", 2) + ["", ""])[:3]
    if not _machine() or machine != _machine() or not pid.isdigit():
        return None
    return bool(started) and _start_time(int(pid)) == started
