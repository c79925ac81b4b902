"""Review by Message-ID through b4 against a real public-inbox server on loopback."""

import gzip
import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kernel_repo import FIXTURES
from pi_server import PublicInbox, require_public_inbox

from bot import __version__

ROOT = Path(__file__).resolve().parent.parent
LOREBOT = str(ROOT / ".venv" / "bin" / "lorebot")
V2_ID = "20200912093011.2210-1-dquill@example.com"


def lorebot(tmp_path, midmask, *args, extra_env=None):
    """Run lorebot as a user would, with b4.midmask in its own git config."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin",
           "GIT_CONFIG_NOSYSTEM": "1", "LOREBOT_LORE_BACKOFF": "0.05",
           "LOREBOT_LORE_TIMEOUT": "2", "LOREBOT_LORE_RETRIES": "2", **(extra_env or {})}
    subprocess.run(["git", "config", "--global", "b4.midmask", midmask], env=env, check=True,
                   timeout=30)
    return subprocess.run([LOREBOT, *args], capture_output=True, text=True, env=env,
                          timeout=120)


@pytest.fixture(scope="module")
def lore(tmp_path_factory):
    require_public_inbox()
    inbox = PublicInbox(tmp_path_factory.mktemp("lore"))
    for name in ("v1.mbox", "v2.mbox", "v3.mbox"):
        inbox.add_mbox(FIXTURES / name)
    inbox.start()
    yield inbox
    inbox.stop()


def test_review_by_message_id_equals_mbox(lore, tmp_path):
    by_id = lorebot(tmp_path, lore.midmask, "review", V2_ID, "--tree",
                    str(FIXTURES / "base"), "--format", "json", "--fail-on", "never")
    assert by_id.returncode == 0, by_id.stderr
    by_mbox = subprocess.run([LOREBOT, "review", "--mbox", str(FIXTURES / "v2.mbox"),
                              "--tree", str(FIXTURES / "base"), "--format", "json",
                              "--fail-on", "never"], capture_output=True, text=True,
                             timeout=60)
    a, b = json.loads(by_id.stdout), json.loads(by_mbox.stdout)
    assert a["findings"] == b["findings"] and a["findings"]
    assert a["series"]["message_id"] == V2_ID and a["series"]["source"] == f"lore <{V2_ID}>"


def test_lore_url_and_unknown_message_id(lore, tmp_path):
    url = lorebot(tmp_path, lore.midmask, "review", f"{lore.url}/{V2_ID}/",
                  "--fail-on", "never")
    assert url.returncode == 0, url.stderr
    missing = lorebot(tmp_path, lore.midmask, "review", "nobody@example.com")
    assert missing.returncode == 3
    assert missing.stderr.startswith("lorebot: error: lore has no thread <nobody@example.com>")


class _Faulty(BaseHTTPRequestHandler):
    mode = "500"
    hits = 0
    methods: list = []
    agents: set = set()

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).hits += 1
        type(self).methods.append(self.command)
        type(self).agents.add(self.headers.get("User-Agent"))
        mode = type(self).mode
        if mode == "429-then-ok" and type(self).hits == 1:
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.end_headers()
            return
        if mode in ("500",):
            self.send_response(500)
            self.end_headers()
            return
        if mode == "slow":
            time.sleep(5)
        body = (FIXTURES / "v2.mbox").read_bytes()
        data = gzip.compress(body)
        if mode == "truncated":
            data = data[: len(data) // 2]
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, as it should

    do_POST = do_GET


@pytest.fixture
def faulty():
    _Faulty.hits = 0
    _Faulty.methods = []
    _Faulty.agents = set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Faulty)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/all/%s"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("mode, code, words", [
    ("500", 4, "HTTP 500"),
    ("slow", 4, "timed out"),
    ("truncated", 4, "broken answer"),
])
def test_lore_faults(faulty, tmp_path, mode, code, words):
    _Faulty.mode = mode
    proc = lorebot(tmp_path, faulty, "review", V2_ID)
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in proc.stderr
    if mode == "500":
        assert _Faulty.hits >= 3  # retried


def test_429_is_retried_after_retry_after(faulty, tmp_path):
    _Faulty.mode = "429-then-ok"
    started = time.monotonic()
    proc = lorebot(tmp_path, faulty, "review", V2_ID, "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    # the thread twice (429, then the answer); then the search for v1 (POST)
    assert _Faulty.methods[:2] == ["GET", "GET"] and time.monotonic() - started >= 1.0
    assert _Faulty.agents == {f"lorebot/{__version__}"}


def test_incomplete_thread_names_the_missing_patch(lore, tmp_path):
    from mails import patch_mail

    cover = ("From: Ann Author <ann@example.com>\nSubject: [PATCH 0/3] lib: demo: Fixes\n"
             "Message-ID: <gap-0@example.com>\n\nThree fixes.\n")
    lore.add(cover.encode())
    for n in (1, 3):
        lore.add(patch_mail(f"[PATCH {n}/3] lib: demo: Fix {n}", msgid=f"gap-{n}@example.com",
                            reply_to="gap-0@example.com").encode())
    proc = lorebot(tmp_path, lore.midmask, "review", "gap-1@example.com")
    assert proc.returncode == 5
    assert proc.stderr == "lorebot: error: v1 is incomplete: patch 2/3 missing\n"
