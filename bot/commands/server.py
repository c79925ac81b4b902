"""``lorebot server start|stop|status``: the warm server one-shot commands use when it
runs (``bot.server``); opt-in, never started by anything but this command."""

from __future__ import annotations

import argparse

HELP = "a warm server that runs review, b4-check and paths without start-up cost"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--foreground", action="store_true",
                        help="start: serve in this process (tests, systemd) instead of "
                             "detaching")
    parser.add_argument("--idle-minutes", type=float, default=30.0, metavar="N",
                        help="start: end after N minutes without a request (default 30)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.server import runtime_dir

    folder = Path(runtime_dir())
    return {"start": start, "stop": stop, "status": status}[args.action](folder, args)


def start(folder, args: argparse.Namespace) -> int:
    from bot.errors import InputError
    from bot.server_process import detach
    from bot.server_process import start as serve

    if not args.idle_minutes > 0:
        raise InputError("--idle-minutes must be above 0")
    if args.foreground:
        def ready(pid: int) -> None:
            print(f"lorebot server: pid {pid}, listening on {folder}", flush=True)

        serve(folder, args.idle_minutes, ready)
        return 0
    pid = detach(folder, args.idle_minutes)
    print(f"lorebot server: pid {pid}, listening on {folder}")
    return 0


def stop(folder, args: argparse.Namespace) -> int:
    import json
    import os
    import signal
    import time

    from bot.errors import LorebotError
    from bot.liveness import alive
    from bot.server import PID_FILE

    try:
        held = json.loads((folder / PID_FILE).read_text())
        pid, process = int(held["pid"]), str(held["process"])
    except (OSError, ValueError, KeyError, TypeError):
        print("lorebot server: not running")
        return 0
    if not alive(process):
        print("lorebot server: not running")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while alive(process):
        if time.monotonic() > deadline:
            raise LorebotError(f"the server (pid {pid}) did not end within 10 s of SIGTERM")
        time.sleep(0.02)
    print(f"lorebot server: stopped pid {pid}")
    return 0


def status(folder, args: argparse.Namespace) -> int:
    import json
    import time

    from bot.errors import EXIT_NOT_FOUND
    from bot.server import connect, identity, replies, send

    sock = connect(str(folder))
    said = {}
    if sock is not None:
        try:
            send(sock, json.dumps({"status": True, "identity": identity()}).encode(), [])
            for line in replies(sock):
                word, _, rest = line.partition(" ")
                if word == "status":
                    said = json.loads(rest)
        except (OSError, ValueError):
            pass
        finally:
            sock.close()
    if not said:
        print("lorebot server: not running")
        return EXIT_NOT_FOUND
    up = int(time.time() - said["started"])
    print(f"lorebot server: pid {said['pid']}, version {said['version']}, "
          f"up {up // 3600}h{up // 60 % 60:02d}m{up % 60:02d}s, {said['served']} "
          f"connections, idle exit after {said['idle_minutes']:g} min, socket {said['socket']}")
    return 0
