"""``lorebot server``: commands through a real warm server on a socket folder of the
test's own, compared with the same commands in-process; real pipes, real kills."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kernel_repo import build_kernel_repo
from mails import patch_mail, write
from warm_server import LOREBOT, ROOT, children, gone, running_server, runtime_env

FIXTURES = ROOT / "fixtures" / "pci-hyperv"
REVIEW = ["review", "--mbox", str(FIXTURES / "v2.mbox"), "--tree", str(FIXTURES / "base")]
DEMO_C = ("static int demo(struct demo *d)\n{\n\tmutex_lock(&d->lock);\n\tif (d->bad)\n"
          "\t\treturn -5;\n\tmutex_unlock(&d->lock);\n\treturn 0;\n}\n")


def run(argv, env, stdin=None, cwd=None, command=(LOREBOT,)):
    """``lorebot ARGV`` (``command``: how lorebot is started)."""
    return subprocess.run([*command, *map(str, argv)], capture_output=True, env=env,
                          input=stdin, cwd=cwd, timeout=120)


def connections(env, command=(LOREBOT,)) -> int:
    """How many connections the server took (its status request included)."""
    out = run(["server", "status"], env, command=command, cwd="/").stdout.decode()
    return int(out.split(" connections")[0].rsplit(" ", 1)[1])


def group_alive(pgid: int) -> list[int]:
    """Processes of process group ``pgid`` still running."""
    alive = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


def test_commands_through_the_server_behave_as_in_process(tmp_path):
    alone = runtime_env(tmp_path / "none")  # no server there
    source = write(tmp_path / "demo.c", DEMO_C)
    repo = tmp_path / "linux"
    build_kernel_repo(repo)  # pygit2 in the server's children: opened after the fork
    accented = write(tmp_path / "e.eml", patch_mail("[PATCH] lib: d\u00e9mo: Return x"))
    ascii_out = {"PYTHONIOENCODING": "ascii:backslashreplace"}
    cases = [(REVIEW, None, {}), ([*REVIEW, "--format", "json"], None, {}),
             (["b4-check"], (FIXTURES / "v2.mbox").read_bytes(), {}),
             (["review", "--mbox", FIXTURES / "v2.mbox", "--repo", repo], None, {}),
             (["paths", source, "--function", "demo", "--acquire", "mutex_lock",
               "--release", "mutex_unlock"], None, {}),
             (["review", "--mbox", accented], None, ascii_out),  # the client's encoding
             (["review", "--mbox", accented], None, {"LC_ALL": "C"}),  # refused: locale
             (["review", "--mbox", tmp_path / "missing.mbox"], None, {}),
             (["review", "--no-such-option"], None, {})]
    with running_server(tmp_path / "run"):
        env = runtime_env(tmp_path / "run")
        before = connections(env)
        for argv, stdin, extra in cases:
            served = run(argv, {**env, **extra}, stdin, cwd=tmp_path)
            direct = run(argv, {**alone, **extra}, stdin, cwd=tmp_path)
            assert (served.returncode, served.stdout, served.stderr) == \
                (direct.returncode, direct.stdout, direct.stderr), argv
            if extra == ascii_out:
                assert b"d\\ufffd" in served.stdout  # what is not ASCII, backslashed
        assert served.returncode == 2 and direct.returncode == 2  # argparse's usage error
        assert connections(env) == before + len(cases) + 1


def test_a_request_runs_in_the_clients_environment(tmp_path):
    pack = tmp_path / "only" / "sob"
    pack.mkdir(parents=True)
    write(pack / "rules.toml", '[[rule]]\nid = "log-signed-off-by"\nkind = "commit-log"\n'
          'check = "signed-off-by"\nseverity = "error"\n'
          'description = "Signed-off-by is present."\n')
    mail = write(tmp_path / "p.eml", patch_mail(log="lib: demo: x\n\nNo sign-off here.\n"))
    with running_server(tmp_path / "run"):
        env = runtime_env(tmp_path / "run", XDG_CACHE_HOME=str(tmp_path / "cache"),
                          LOREBOT_RULES=str(tmp_path / "only"))
        proc = run(["review", "--mbox", mail, "--format", "json"], env, cwd=tmp_path)
        ids = {finding["rule"] for finding in json.loads(proc.stdout)["findings"]}
        assert ids == {"log-signed-off-by"}, proc.stderr
        assert list((tmp_path / "cache" / "lorebot" / "rules").glob("*.marshal"))


def _waiting_b4_check(env, tmp_path):
    """A ``b4-check`` through the server whose stdin never ends, and the server's child
    that runs it."""
    client = subprocess.Popen([LOREBOT, "b4-check"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                              cwd=tmp_path)
    return client


def _worker(server, client) -> int:
    """The server's child running ``client``'s command: reading the client's stdin."""
    deadline = time.monotonic() + 60
    pipe = os.readlink(f"/proc/{client.pid}/fd/0")
    while True:
        assert time.monotonic() < deadline and client.poll() is None, "no worker"
        for pid in children(server.pid):
            try:
                if os.readlink(f"/proc/{pid}/fd/0") == pipe:
                    time.sleep(0.2)  # past its 'running' line
                    return pid
            except OSError:
                pass
        time.sleep(0.02)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_client_that_goes_away_ends_its_worker(tmp_path, how):
    with running_server(tmp_path / "run") as server:
        env = runtime_env(tmp_path / "run")
        client = _waiting_b4_check(env, tmp_path)
        try:
            worker = _worker(server, client)
            client.send_signal(how)
            client.wait(timeout=30)
            assert gone(worker), "the worker outlived its client"
            assert not group_alive(worker)
            if how == signal.SIGINT:
                assert client.returncode == 130
            assert server.poll() is None  # the server goes on
            assert run(REVIEW, env).returncode == 1
        finally:
            client.kill()
            client.wait(timeout=30)
            client.stdin.close()
            client.stdout.close()
            client.stderr.close()


def test_a_worker_that_dies_without_an_exit_status_is_one_line_and_70(tmp_path):
    with running_server(tmp_path / "run") as server:
        env = runtime_env(tmp_path / "run")
        client = _waiting_b4_check(env, tmp_path)
        try:
            os.kill(_worker(server, client), signal.SIGKILL)
            _, err = client.communicate(timeout=30)
        finally:
            client.kill()
            client.wait(timeout=30)
        assert client.returncode == 70
        assert err.decode().count("\n") == 1 and err.startswith(b"lorebot: error: ")


def test_without_a_live_server_commands_run_in_process(tmp_path):
    """No folder, a stale socket file, a folder others may enter: the client runs the
    command itself, silently."""
    expected = run(REVIEW, runtime_env(tmp_path / "none"))
    stale = runtime_env(tmp_path / "stale")
    (tmp_path / "stale" / "lorebot").mkdir(mode=0o700)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(tmp_path / "stale" / "lorebot" / "server.sock"))
    dead.close()
    for env in (stale, {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path / "absent")}):
        proc = run(REVIEW, env)
        assert (proc.returncode, proc.stdout, proc.stderr) == \
            (expected.returncode, expected.stdout, expected.stderr)
    with running_server(tmp_path / "stale"):  # the stale socket is replaced
        assert run(["server", "status"], stale).returncode == 0
        os.chmod(tmp_path / "stale" / "lorebot", 0o755)
        proc = run(REVIEW, stale)
        assert proc.stdout == expected.stdout and proc.stderr == expected.stderr
        assert run(["server", "status"], stale).returncode == 3  # not trusted
        os.chmod(tmp_path / "stale" / "lorebot", 0o700)


def test_a_folder_others_may_enter_is_refused_at_start(tmp_path):
    env = runtime_env(tmp_path / "run")
    (tmp_path / "run" / "lorebot").mkdir(mode=0o755)
    os.chmod(tmp_path / "run" / "lorebot", 0o755)
    proc = run(["server", "start"], env)
    assert proc.returncode == 2
    assert proc.stderr.decode().count("\n") == 1
    assert "only it may enter" in proc.stderr.decode()


def test_a_server_whose_lorebot_changed_refuses_and_ends(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "bot", copy / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "rules", copy / "rules")
    env = runtime_env(tmp_path / "run", PYTHONPATH=str(copy))
    command = [sys.executable, "-m", "bot.cli"]  # run in tmp_path: the copy is imported
    expected = run(REVIEW, env, command=command, cwd=tmp_path)
    with running_server(tmp_path / "run", command=command, env=env) as server:
        assert connections(env, command) == 1
        run(REVIEW, env, command=command, cwd=tmp_path)
        assert connections(env, command) == 3  # the review went through it
        worktree = {k: v for k, v in env.items() if k != "PYTHONPATH"}
        other = run(REVIEW, worktree)  # the worktree's lorebot: another package
        assert (other.returncode, other.stdout) == (expected.returncode, expected.stdout)
        server.wait(timeout=30)
        assert not (tmp_path / "run" / "lorebot" / "server.sock").exists()
    with running_server(tmp_path / "run", command=command, env=env) as server:
        (copy / "bot" / "review.py").touch()
        os.utime(copy / "bot" / "review.py", (1, 1))
        proc = run(REVIEW, env, command=command, cwd=tmp_path)
        assert (proc.returncode, proc.stdout, proc.stderr) == \
            (expected.returncode, expected.stdout, expected.stderr)
        server.wait(timeout=30)


def test_start_stop_status_and_idle_exit(tmp_path):
    env = runtime_env(tmp_path / "run")
    assert run(["server", "status"], env).returncode == 3
    started = run(["server", "start", "--idle-minutes", "30"], env)
    try:
        assert started.returncode == 0, started.stderr
        pid = int(started.stdout.split()[3].rstrip(b","))
        status = run(["server", "status"], env)
        assert status.returncode == 0 and f"pid {pid}, version".encode() in status.stdout
        again = run(["server", "start"], env)
        assert again.returncode == 6 and b"already listens" in again.stderr
    finally:
        stopped = run(["server", "stop"], env)
    assert stopped.returncode == 0 and f"stopped pid {pid}".encode() in stopped.stdout
    assert gone(pid, 1)
    assert not list((tmp_path / "run" / "lorebot").iterdir())  # socket and pid file gone
    with running_server(tmp_path / "run", "--idle-minutes", "0.01") as server:
        assert server.wait(timeout=60) == 0
    assert not list((tmp_path / "run" / "lorebot").iterdir())


PEER = """
import socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(sys.argv[1])
sock.settimeout(30)
try:
    socket.send_fds(sock, [len(b"{}").to_bytes(4, "big") + b"{}"], [0, 1, 2])
    print(repr(sock.recv(100)))
except (BrokenPipeError, ConnectionResetError):  # closed before or after our request
    print("b''")
"""


@pytest.mark.skipif(os.geteuid() != 0 or not os.access("/usr/bin/python3", os.X_OK),
                    reason="needs root and a system python3 to connect as another user")
def test_a_connection_from_another_user_is_dropped_unanswered(tmp_path):
    import tempfile

    runtime = Path(tempfile.mkdtemp(prefix="lorebot-peer-"))  # outside root's 0700 tmp
    try:
        with running_server(runtime):
            env = runtime_env(runtime)
            before = connections(env)
            os.chmod(runtime, 0o711)
            os.chmod(runtime / "lorebot", 0o711)  # only for this test: others may pass
            os.chmod(runtime / "lorebot" / "server.sock", 0o777)
            proc = subprocess.run(["/usr/bin/python3", "-c", PEER,  # venv: root's only
                                   str(runtime / "lorebot" / "server.sock")],
                                  capture_output=True, text=True, timeout=60, cwd="/",
                                  user=65534, group=65534, extra_groups=[])
            assert proc.stdout == "b''\n", proc.stderr  # closed without a word
            os.chmod(runtime / "lorebot", 0o700)
            assert connections(env) == before + 1  # its own status request only
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def _on_a_terminal(argv, env, columns: int) -> bytes:
    """What ``lorebot ARGV`` writes to a terminal ``columns`` wide (a real pty)."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    try:
        proc = subprocess.Popen([LOREBOT, *argv], stdin=subprocess.DEVNULL, stdout=slave,
                                stderr=subprocess.DEVNULL, env=env)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's last writer has gone
                break
            if not chunk:
                break
            out += chunk
        proc.wait(timeout=60)
    finally:
        os.close(master)
    return out


def test_a_terminal_is_a_terminal_through_the_server(tmp_path):
    """argparse wraps help to the terminal's width, read from stdout: the server's child
    writes to the client's terminal itself."""
    with running_server(tmp_path / "run"):
        served = {columns: _on_a_terminal(["review", "--help"], runtime_env(tmp_path / "run"),
                                          columns) for columns in (50, 120)}
    direct = _on_a_terminal(["review", "--help"], runtime_env(tmp_path / "none"), 50)
    assert served[50] == direct
    assert served[50] != served[120]  # the width came from the client's terminal


def test_the_client_loads_nothing_of_a_command(tmp_path):
    """The fast path hands the command over before argparse, json, socket or any
    command module is imported (what the client costs is the interpreter's start)."""
    code = ("import os, sys\nimport bot.cli\n"
            "def leave(code):\n    sys.stderr.write(' '.join(sys.modules))\n"
            "    sys.stderr.flush()\n    os._exit(code)\n"
            f"bot.cli.leave = leave\nsys.argv = ['lorebot', *{REVIEW!r}]\nbot.cli.main()\n")
    with running_server(tmp_path / "run"):
        env = runtime_env(tmp_path / "run")
        before = connections(env)
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=120)
        assert proc.returncode == 1  # the v2 fixture has errors
        assert connections(env) == before + 2  # it went through the server
    mods = set(proc.stderr.split())
    assert "bot.server" in mods
    assert not mods & {"argparse", "json", "socket", "selectors", "typing", "b4",
                       "bot.commands", "bot.commands.review", "bot.budget"}
