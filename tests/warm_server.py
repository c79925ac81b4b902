"""A real ``lorebot server start --foreground`` on a socket folder of the test's own,
stopped whatever the test did."""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOREBOT = str(ROOT / ".venv" / "bin" / "lorebot")


def runtime_env(folder: Path, **extra: str) -> dict[str, str]:
    """The caller's environment with ``folder`` (made 0700) as XDG_RUNTIME_DIR."""
    folder.mkdir(mode=0o700, exist_ok=True)
    return {**os.environ, "XDG_RUNTIME_DIR": str(folder), **extra}


@contextmanager
def running_server(folder: Path, *options: str, command: list[str] | None = None,
                   env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """The server of ``runtime_env(folder)`` (or ``env``), listening, started in
    ``folder``'s parent; SIGTERM, then SIGKILL, at the end."""
    env = env or runtime_env(folder)
    proc = subprocess.Popen([*(command or [LOREBOT]), "server", "start", "--foreground",
                             *options], env=env, cwd=folder.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            assert selector.select(120), "the server did not start within 120 s"
        line = proc.stdout.readline()
        assert f"pid {proc.pid}, listening on" in line, (line, proc.stderr.read())
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        proc.stdout.close()
        proc.stderr.close()


def children(pid: int) -> list[int]:
    """The processes ``pid`` forked that still run."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def gone(pid: int, seconds: float = 15) -> bool:
    """Whether ``pid`` ends (or turns zombie) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.02)
    return False
