"""The warm server: loads and warms everything a review needs once, then forks one
child per command a client hands over (the protocol is in ``bot.server``).

The child takes the client's descriptors as its stdin, stdout and stderr, its
working folder, environment and umask, runs ``bot.cli.main(argv)`` as the
command line would and leaves with ``os._exit`` (nothing to tear down). It is
the leader of its own process group and asks for SIGIO on its connection,
whose default action ends a process: when the client goes away (Ctrl-C, a
kill) the kernel ends the child and the review child it forked (``bot.budget``)
wherever they are, in Python or in C.

The server reads nothing from a connection but the JSON request and the
descriptors; a peer of another user is dropped (SO_PEERCRED), and so is a
request from another lorebot (version, package, interpreter), or any request
once lorebot's files on disk changed: the server answers ``refused stale`` and
ends, and the client runs the command itself.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import EXIT_INTERNAL, BusyError, InputError, LorebotError
from bot.server import (
    MAX_REQUEST,
    PID_FILE,
    SERVED,
    SOCKET,
    identity,
    locale_key,
    peer_uid,
    private,
)

STALE = 75  # a child's exit status meaning: lorebot changed on disk, the server must go
REQUEST_SECONDS = 10.0  # for a client to send its request once connected
DEFAULT_IDLE_MINUTES = 30.0


def fingerprint() -> list[tuple[str, int, int]]:
    """Name, size and time of every file of lorebot's package and bundled rules, and
    the time of the folder packages are installed in (b4, tree-sitter...)."""
    import b4

    from bot.checks import bundled_rules_dir

    seen = []
    for top in (Path(__file__).parent, bundled_rules_dir()):
        for folder, folders, files in os.walk(top):
            folders[:] = sorted(f for f in folders if f != "__pycache__")
            for name in sorted(files):
                info = os.stat(os.path.join(folder, name))
                seen.append((os.path.join(folder, name), info.st_size, info.st_mtime_ns))
    site = Path(b4.__file__).resolve().parent.parent
    seen.append((str(site), 0, site.stat().st_mtime_ns))
    return seen


def warm() -> None:
    """Import and run once what the served commands use, then keep the collector off
    those objects (children would copy the pages it touches)."""
    import gc

    import pygit2  # noqa: F401  (``b4-check`` in a repository, ``--repo``)

    from bot import basefind  # noqa: F401
    from bot.budget import Budget, run_within
    from bot.c import parse, verdict  # noqa: F401  (``paths``)
    from bot.checks import chosen_rules
    from bot.cli import build_parser
    from bot.model import api, interp, load, scenario  # noqa: F401
    from bot.report import render
    from bot.report.options import RenderOptions
    from bot.source import mbox  # noqa: F401
    from bot.warmup import warm_up

    for name in SERVED:
        build_parser(name)
    run_within(Budget(), int)  # what forking a budgeted child imports
    review = warm_up(chosen_rules(None), with_tree=True)
    for form in ("text", "json"):
        render(review, form, RenderOptions(False, False))
    gc.collect()
    gc.freeze()


def private_folder(folder: Path) -> Path:
    """``folder`` made if missing (0700); an error unless it is ours alone."""
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{folder}: cannot make the server's folder: {exc.strerror}") from None
    if not private(str(folder)):
        raise InputError(f"{folder}: not a folder of this user's that only it may enter")
    return folder


@dataclass
class Server:
    """The listening socket and what ``status`` tells about it."""

    folder: Path
    idle_minutes: float = DEFAULT_IDLE_MINUTES
    started: float = field(default_factory=time.time)
    pid: int = field(default_factory=os.getpid)
    served: int = 0
    children: set[int] = field(default_factory=set)
    stopping: bool = False
    files: list = field(default_factory=fingerprint)

    @property
    def path(self) -> Path:
        return self.folder / SOCKET

    def listen(self) -> None:
        """Bind the socket (a stale one left by a dead server is replaced) and write the
        pid file."""
        from bot.liveness import identity as process

        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(self.path))
            raise BusyError(f"a lorebot server already listens on {self.path}")
        except (FileNotFoundError, ConnectionRefusedError):
            self.path.unlink(missing_ok=True)
        finally:
            probe.close()
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(self.path))
        self.listener.listen(64)
        self.inode = self.path.stat().st_ino
        pid_file = self.folder / PID_FILE
        pid_file.write_text(json.dumps({"pid": os.getpid(), "process": process()}) + "\n")

    def serve(self) -> None:
        """Accept until SIGTERM (SIGINT in the foreground), staleness or idleness."""
        wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(wake_w)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._stop)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the select
        self.wake = (wake_r, wake_w)
        last = time.monotonic()
        while True:
            if self._reap():
                last = time.monotonic()
            idle = last + self.idle_minutes * 60 - time.monotonic()
            if self.stopping or (not self.children and idle <= 0):
                break
            ready, _, _ = select.select([self.listener, wake_r], [], [],
                                        None if self.children else idle)
            if wake_r in ready:
                while os.read(wake_r, 512) == 512:
                    pass
            if self.listener in ready and not self.stopping:
                last = time.monotonic()
                self._accept()
        self.close()

    def _stop(self, *_) -> None:
        self.stopping = True

    def _reap(self) -> bool:
        ended = False
        for pid in list(self.children):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                self.children.discard(pid)
                ended = True
                if os.WIFEXITED(status) and os.WEXITSTATUS(status) == STALE:
                    self.stopping = True
        return ended

    def _accept(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            if peer_uid(conn) != os.getuid():
                return
            if fingerprint() != self.files:
                conn.sendall(b"refused stale\n")
                self.stopping = True
                return
            self.served += 1
            pid = os.fork()
            if pid == 0:
                _child(self, conn)
            self.children.add(pid)

    def close(self) -> None:
        """The socket and pid file go (only if they are still this server's)."""
        self.listener.close()
        try:
            if self.path.stat().st_ino == self.inode:
                self.path.unlink()
        except OSError:
            pass
        pid_file = self.folder / PID_FILE
        try:
            if json.loads(pid_file.read_text()).get("pid") == os.getpid():
                pid_file.unlink()
        except (OSError, ValueError):
            pass

    def status(self) -> dict:
        from bot import __version__

        return {"pid": self.pid, "version": __version__, "started": self.started,
                "served": self.served, "idle_minutes": self.idle_minutes,
                "socket": str(self.path)}


def _child(server: Server, conn: socket.socket) -> None:
    """One request, in the forked child; never returns."""
    status = EXIT_INTERNAL
    try:
        signal.set_wakeup_fd(-1)
        for fd in server.wake:
            os.close(fd)
        server.listener.close()
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setpgid(0, 0)
        status = _request(server, conn)
    except BaseException:  # noqa: BLE001  the client sees no 'exit' line: one line, 70
        pass
    finally:
        os._exit(status)


def _read_request(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, flags, _ = socket.recv_fds(conn, 65536, 3)
    if flags & socket.MSG_CTRUNC:
        raise ValueError("descriptors cut off")
    while len(data) < 4 or len(data) < 4 + int.from_bytes(data[:4], "big"):
        if len(data) >= 4 and int.from_bytes(data[:4], "big") > MAX_REQUEST:
            raise ValueError("request too long")
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("request cut off")
        data += chunk
    return json.loads(data[4:]), fds


def _valid(request: dict, fds: list[int]) -> bool:
    strings = (request.get("argv"), request.get("environ", {}).values())
    return (len(fds) == 3 and isinstance(request.get("cwd"), str)
            and isinstance(request.get("environ"), dict) and isinstance(request.get("umask"), int)
            and all(isinstance(s, str) for group in strings for s in group)
            and len(request.get("stdio", ())) == 3
            and all(isinstance(x, str) for pair in request["stdio"] for x in pair))


def _request(server: Server, conn: socket.socket) -> int:
    conn.settimeout(REQUEST_SECONDS)
    request, fds = _read_request(conn)
    if request.get("status") is True:  # any lorebot may ask which one runs
        conn.sendall(b"status " + json.dumps(server.status()).encode() + b"\n")
        return 0
    if request.get("identity") != identity():
        conn.sendall(b"refused stale\n")
        return STALE
    if not _valid(request, fds) or request["argv"][:1] not in ([c] for c in SERVED):
        conn.sendall(b"refused request\n")
        return 0
    if request.get("locale") != locale_key():  # files would be decoded otherwise
        conn.sendall(b"refused locale\n")
        return 0
    try:
        os.chdir(request["cwd"])
    except OSError:
        conn.sendall(b"refused cwd\n")
        return 0
    conn.settimeout(None)
    _end_with_client(conn)
    _take_stdio(fds, request["stdio"])
    os.environ.clear()
    os.environ.update(request["environ"])
    os.umask(request["umask"])
    tempfile.tempdir = None  # it kept the server's $TMPDIR
    conn.sendall(b"running\n")
    code = _main(request["argv"])
    conn.sendall(f"exit {code}\n".encode())
    return 0


def _end_with_client(conn: socket.socket) -> None:
    """SIGIO to this process group when the client's end closes: its default action
    ends us and the budget child, whatever either is doing."""
    import fcntl

    fcntl.fcntl(conn.fileno(), fcntl.F_SETOWN, -os.getpgrp())
    flags = fcntl.fcntl(conn.fileno(), fcntl.F_GETFL)
    fcntl.fcntl(conn.fileno(), fcntl.F_SETFL, flags | os.O_ASYNC)
    try:  # gone before we asked?
        if conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
            os._exit(0)
    except BlockingIOError:
        pass


def _take_stdio(fds: list[int], stdio: list[list[str]]) -> None:
    """The client's descriptors as 0, 1, 2 and text streams over them as Python makes
    them at start-up: the client's encodings, line buffered on a terminal (stderr
    always), block buffered otherwise."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in set(fds) - {0, 1, 2}:
        os.close(fd)
    streams = []
    for fd, (encoding, errors) in enumerate(stdio):
        raw = io.FileIO(fd, "rb" if fd == 0 else "wb", closefd=False)
        buffered = io.BufferedReader(raw) if fd == 0 else io.BufferedWriter(raw)
        streams.append(io.TextIOWrapper(buffered, encoding, errors, newline="\n",
                                        line_buffering=fd == 2 or (fd == 1 and raw.isatty())))
    sys.stdin, sys.stdout, sys.stderr = streams
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams


def _main(argv: list[str]) -> int:
    """``lorebot ARGV`` as the interpreter would end it: its exit status."""
    from bot.cli import flushed, main

    sys.argv = ["lorebot", *argv]
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001  what the interpreter prints for an escaped error
        import traceback

        traceback.print_exc()
        code = 1
    return flushed(code or 0) & 0xFF


def start(folder: Path, idle_minutes: float, ready) -> None:
    """Warm up, listen, tell ``ready(pid)`` and serve until stopped."""
    server = Server(private_folder(Path(folder)), idle_minutes)
    warm()
    server.listen()
    ready(os.getpid())
    server.serve()


def detach(folder: Path, idle_minutes: float) -> int:
    """``start`` in a daemon (double fork, new session, stdio on /dev/null); the pid once
    it listens, or its start-up error raised here."""
    read_end, write_end = os.pipe()
    first = os.fork()
    if first == 0:
        os.close(read_end)
        _daemon(folder, idle_minutes, write_end)
    os.close(write_end)
    os.waitpid(first, 0)
    with open(read_end, "rb") as pipe:
        said = pipe.read().decode("utf-8", "replace")
    word, _, rest = said.partition(" ")
    if word == "ready" and rest.strip().isdigit():
        return int(rest)
    if word == "error":
        code, _, text = rest.partition(" ")
        error = LorebotError(text.strip())
        error.exit_code = int(code) if code.isdigit() else EXIT_INTERNAL
        raise error
    raise LorebotError("the server ended while starting")


def _daemon(folder: Path, idle_minutes: float, write_end: int) -> None:
    status = 0
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        os.chdir("/")
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)

        def ready(pid: int) -> None:
            os.write(write_end, f"ready {pid}".encode())
            os.close(write_end)

        start(folder, idle_minutes, ready)
    except BaseException as exc:  # noqa: BLE001  said to the starter in one line
        said = (f"{exc.exit_code} {exc}" if isinstance(exc, LorebotError)
                else f"{EXIT_INTERNAL} {type(exc).__name__}: {exc}")
        with contextlib.suppress(OSError):  # closed once it listened
            os.write(write_end, f"error {said}".encode())
        status = 1
    finally:
        os._exit(status)
