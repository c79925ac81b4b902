"""The warm server's protocol and its client, light enough for every ``lorebot`` start.

A one-shot ``lorebot review`` spends most of its CPU importing b4, tree-sitter
and our rule kinds. ``lorebot server start`` (``bot.server_process``) pays that
once; a command the server runs then only connects to its Unix socket, hands
over its stdin, stdout and stderr (SCM_RIGHTS) with one JSON object ``{argv,
cwd, environ, umask, stdio, locale, identity}`` and waits for the exit code. The server
forks a child per request that runs the ordinary ``bot.cli.main(argv)`` on
those descriptors, so output, pipes and terminals behave as in-process.

Replies are text lines: ``running`` once the child starts the command, then
``exit N``; or ``refused REASON`` (the client then runs the command itself).
Anything odd before ``running`` means the same silent fallback; a child that
ends after ``running`` without ``exit`` is reported in one line (exit 70).

This module is imported on the client's fast path before argparse: standard
library C modules only (``_socket``, ``_json``), no ``socket``/``json`` packages.
"""

from __future__ import annotations

import os
import stat
import sys

SERVED = ("review", "b4-check", "paths")  # not server, watch, action: long-lived or CI
SOCKET = "server.sock"
PID_FILE = "server.pid"
MAX_REQUEST = 1 << 20  # bytes of JSON: an environment and a command line
EXIT_INTERNAL = 70  # bot.errors' value, not imported here (the fast path stays small)


def runtime_dir() -> str:
    """``$XDG_RUNTIME_DIR/lorebot``, else a per-user folder in /tmp (paths as strings:
    pathlib is one import more on the fast path)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    return os.path.join(base, "lorebot") if base else f"/tmp/lorebot-{os.getuid()}"


def private(folder: str) -> bool:
    """Whether ``folder`` is a real folder of ours that no one else may enter."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and info.st_mode & 0o077 == 0)


def identity() -> str:
    """What the client and the server must share: lorebot's version, the package on
    disk, the environment (venv) and the interpreter's version (not its file name:
    ``python`` and ``python3`` of one venv are the same)."""
    from bot import __version__

    return f"{__version__} {os.path.dirname(__file__)} {sys.prefix} {sys.version}"


def locale_key() -> str:
    """How this process decodes text it opens and names (set at start from the
    environment, so a server started under another locale would differ)."""
    import _locale

    return f"{_locale.getencoding()} {sys.getfilesystemencoding()} {sys.flags.utf8_mode}"


def peer_uid(sock) -> int:
    """The user id of the process at the other end of a Unix socket (SO_PEERCRED)."""
    import _socket

    creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
    return int.from_bytes(creds[4:8], sys.byteorder)


def connect(folder: str):
    """A connection to the server of this user, or None (none runs, or not ours)."""
    import _socket

    if not private(folder):
        return None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(os.path.join(folder, SOCKET))
        if peer_uid(sock) == os.getuid():
            return sock
    except OSError:
        pass
    sock.close()
    return None


def request_json(argv: list[str]) -> bytes:
    """The request as JSON, written with ``_json`` alone (the ``json`` package costs an
    import on every start)."""
    from _json import encode_basestring_ascii as quoted

    umask = os.umask(0o022)
    os.umask(umask)
    stdio = [[stream.encoding, stream.errors] for stream in (sys.stdin, sys.stdout, sys.stderr)]
    environ = ",".join(f"{quoted(k)}:{quoted(v)}" for k, v in os.environ.items())
    text = (f'{{"argv":[{",".join(map(quoted, argv))}],"cwd":{quoted(os.getcwd())},'
            f'"environ":{{{environ}}},"umask":{umask},'
            f'"stdio":[{",".join(f"[{quoted(e)},{quoted(r)}]" for e, r in stdio)}],'
            f'"locale":{quoted(locale_key())},"identity":{quoted(identity())}}}')
    return text.encode("ascii")


def send(sock, payload: bytes, fds: list[int]) -> None:
    """``payload`` behind its length, the descriptors riding on its first byte."""
    import _socket

    data = len(payload).to_bytes(4, "big") + payload
    rights = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in fds)
    sent = sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)]
                       if fds else [])
    if sent < len(data):
        sock.sendall(data[sent:])


def replies(sock):
    """The server's reply lines as they come, until it closes the connection."""
    pending = b""
    while chunk := sock.recv(4096):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from (line.decode("utf-8", "replace") for line in lines)


def ask(argv: list[str]) -> int | None:
    """Run ``lorebot ARGV`` in the user's warm server: its exit code, or None when no
    server takes it (the caller runs it in-process)."""
    try:
        payload = request_json(argv)
    except OSError:  # a removed working folder: in-process says so properly
        return None
    sock = connect(runtime_dir())
    if sock is None:
        return None
    running = False
    try:
        send(sock, payload, [0, 1, 2])
        for line in replies(sock):
            word, _, rest = line.partition(" ")
            if word == "running":
                running = True
            elif word == "exit" and running and rest.isdigit():
                return int(rest)
            elif not running:  # refused (stale, another version) or not understood
                return None
    except KeyboardInterrupt:  # our end closes: the server's child ends at once
        return 130
    except OSError:
        if not running:
            return None
    finally:
        sock.close()
    if not running:
        return None
    print("lorebot: error: the lorebot server's worker ended without an exit status",
          file=sys.stderr)
    return EXIT_INTERNAL
