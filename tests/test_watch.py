"""``lorebot watch`` against a real public-inbox server on loopback.

Each run is the installed command, as cron starts it, with its own HOME and XDG
folders. The server gains the fixture series between runs; a run is killed
with SIGKILL in the middle of a delivery; two workers share one PostgreSQL
database; lore fails and recovers.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from kernel_repo import FIXTURES
from mails import BASE_DEMO, DIFF, LOG, generated_file, patch_mail
from pg import fresh_database
from pi_server import PublicInbox, require_public_inbox
from smtp_server import SmtpServer

ROOT = Path(__file__).resolve().parent.parent
LOREBOT = str(ROOT / ".venv" / "bin" / "lorebot")
V1 = "20200905110823.1001-1-dquill@example.com"
V2 = "20200912093011.2210-1-dquill@example.com"
V3 = "20200921154402.3377-1-dquill@example.com"
HV_QUERY = "dfn:drivers/pci/controller/pci-hyperv.c"


@pytest.fixture
def lore(tmp_path):
    require_public_inbox()
    inbox = PublicInbox(tmp_path / "lore").start()
    yield inbox
    inbox.stop()


def environment(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_DATA_HOME": str(home / "data"), "XDG_RUNTIME_DIR": str(home / "run"),
            "PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1",
            "LOREBOT_LORE_BACKOFF": "0.05", "LOREBOT_LORE_TIMEOUT": "5",
            "LOREBOT_LORE_RETRIES": "1"}


def write_config(home: Path, midmask: str, *, smtp_port: int | None = None,
                 queries: tuple[str, ...] = (HV_QUERY,), store: str = "",
                 extra: str = "") -> Path:
    home.mkdir(parents=True, exist_ok=True)
    text = (f'[lore]\nmidmask = "{midmask}"\nqueries = {json.dumps(list(queries))}\n\n'
            f'[review]\ntree = "{FIXTURES / "base"}"\n\n'
            '[deliver]\noutbox = "outbox"\nfrom = "lorebot <lorebot@example.org>"\n')
    if smtp_port:
        text += f'\n[deliver.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\ntimeout = 60\n'
    if store:
        text += f"\n[store]\n{store}\n"
    text += extra
    path = home / "watch.toml"
    path.write_text(text)
    return path


def watch(home: Path, config: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([LOREBOT, "watch", "--config", str(config), *extra],
                          capture_output=True, text=True, env=environment(home), timeout=120)


def reviewed(proc: subprocess.CompletedProcess) -> list[str]:
    """'<message-id> vN' for each revision the run reviewed."""
    return [line.split()[1] + " " + line.split()[2].rstrip(":")
            for line in proc.stdout.splitlines() if line.startswith("reviewed ")]


def history(home: Path, *db: str) -> list[dict]:
    proc = subprocess.run([LOREBOT, "history", "--json", *db], capture_output=True,
                          text=True, env=environment(home), timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def outbox_mails(home: Path) -> list:
    return [message_from_bytes(p.read_bytes()) for p in sorted((home / "outbox").glob("*.eml"))]


def test_each_revision_is_reviewed_once_as_lore_gains_them(lore, tmp_path):
    config = write_config(tmp_path, lore.midmask)
    runs = []
    for name in ("v1.mbox", "v2.mbox", "v3.mbox", None):
        if name:
            lore.add_mbox(FIXTURES / name)
        proc = watch(tmp_path, config)
        assert proc.returncode == 0, proc.stderr
        runs.append(reviewed(proc))
    assert runs == [[f"<{V1}> v1"], [f"<{V2}> v2"], [f"<{V3}> v3"], []]
    rows = history(tmp_path)
    assert sorted((r["series_id"], r["version"], r["status"]) for r in rows) == [
        (V1, 1, "done"), (V2, 2, "done"), (V3, 3, "done")]
    # v1 and v2 got one reply each, threaded under the patch, in the outbox; v3 fixes
    # everything, so it gets none.
    mails = outbox_mails(tmp_path)
    assert sorted(m["In-Reply-To"] for m in mails) == sorted(f"<{i}>" for i in (V1, V2))
    v2_reply = next(m for m in mails if m["In-Reply-To"] == f"<{V2}>")
    assert v2_reply["Subject"].startswith("Re: [PATCH v2] PCI: hv:")
    body = v2_reply.get_payload(decode=True).decode()
    assert "\r" not in body and "[hv-unmask-every-exit]" in body
    body = " ".join(body.split())
    assert "without calling pci_msi_unmask_irq()" in body
    assert f"lorebot review {V2}" in body


def test_a_run_killed_mid_delivery_reports_nothing_twice(lore, tmp_path):
    for name in ("v1.mbox", "v2.mbox", "v3.mbox"):
        lore.add_mbox(FIXTURES / name)
    with SmtpServer(hold_first_rcpt=True) as smtp:
        config = write_config(tmp_path, lore.midmask, smtp_port=smtp.port)
        first = subprocess.Popen([LOREBOT, "watch", "--config", str(config)],
                                 env=environment(tmp_path), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            assert smtp.recorder.holding.wait(60), "the watcher never reached SMTP"
        finally:
            first.kill()  # SIGKILL, in the middle of the SMTP transaction
            first.wait(timeout=30)
        smtp.recorder.release.set()
        # The revision being delivered left a claim, no result (one without a reply,
        # v3, may have been done before it).
        rows = history(tmp_path)
        assert [r["status"] for r in rows if r["status"] != "done"] == ["claimed"]
        assert all(r["series_id"] == V3 for r in rows if r["status"] == "done")
        assert smtp.mails == []

        second = watch(tmp_path, config)
        assert second.returncode == 0, second.stderr
        done_first = {f"<{r['series_id']}> v{r['version']}" for r in rows
                      if r["status"] == "done"}
        assert sorted(reviewed(second)) == sorted(
            {f"<{i}> v{n}" for n, i in enumerate((V1, V2, V3), 1)} - done_first)
        third = watch(tmp_path, config)
        assert third.returncode == 0 and reviewed(third) == []

        targets = sorted(m["In-Reply-To"] for m in smtp.mails)  # v3 has nothing to fix
        assert targets == sorted(f"<{i}>" for i in (V1, V2))
        assert sorted(m["In-Reply-To"] for m in outbox_mails(tmp_path)) == targets
        assert [r["status"] for r in history(tmp_path)] == ["done"] * 3
        # What SMTP carried is the threaded reply, to the author with the lists in Cc.
        rcpts, v2_reply = next((r, m) for r, m in smtp.recorder.accepted
                               if m["In-Reply-To"] == f"<{V2}>")
        assert v2_reply["To"] == "Dexter Quill <dquill@example.com>"
        assert "linux-hyperv@vger.kernel.org" in v2_reply["Cc"]
        assert v2_reply["References"].split()[-1] == f"<{V2}>"
        assert {"dquill@example.com", "linux-hyperv@vger.kernel.org"} <= set(rcpts)


def _extra_series(count: int) -> list[bytes]:
    """Small single-patch series (commit-log rules only: the file is not in the base)."""
    return [patch_mail(f"[PATCH] lib: demo: Return the next value, take {n}",
                       msgid=f"demo-{n}@example.com").encode() for n in range(count)]


def test_two_workers_on_one_postgres_split_the_work(lore, tmp_path):
    for name in ("v1.mbox", "v2.mbox", "v3.mbox"):
        lore.add_mbox(FIXTURES / name)
    for raw in _extra_series(9):
        lore.add(raw)
    with fresh_database() as url, SmtpServer() as smtp:
        homes = [tmp_path / "host-a", tmp_path / "host-b"]
        configs = [write_config(home, lore.midmask, smtp_port=smtp.port,
                                queries=(HV_QUERY, "dfn:lib/demo.c")) for home in homes]
        workers = [subprocess.Popen([LOREBOT, "watch", "--config", str(config), "--db", url],
                                    env=environment(home), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
                   for home, config in zip(homes, configs, strict=True)]
        done = []
        for worker in workers:
            out, err = worker.communicate(timeout=180)
            assert worker.returncode == 0, err
            done.append(set(reviewed(subprocess.CompletedProcess([], 0, out, err))))
        everything = {f"<{i}> v{n}" for n, i in enumerate((V1, V2, V3), 1)} | {
            f"<demo-{n}@example.com> v1" for n in range(9)}
        assert not done[0] & done[1], "both workers reviewed the same revision"
        assert done[0] | done[1] == everything
        # The demo patches and v3 are clean (no reply); v1 and v2 got one each.
        targets = sorted(m["In-Reply-To"] for m in smtp.mails)
        assert targets == sorted(f"<{i}>" for i in (V1, V2))
        rows = history(tmp_path, "--db", url)
        assert len(rows) == len(everything) and {r["status"] for r in rows} == {"done"}
        # A later run of either worker finds nothing left to do.
        again = watch(homes[0], configs[0], "--db", url)
        assert again.returncode == 0 and reviewed(again) == []


def test_a_postgres_worker_killed_mid_delivery_leaves_its_revision_to_the_next(lore, tmp_path):
    """The dead worker's claim goes with its session: another host's next pass, right
    after, reviews that revision and replies to each patch once."""
    for name in ("v1.mbox", "v2.mbox", "v3.mbox"):
        lore.add_mbox(FIXTURES / name)
    with fresh_database() as url, SmtpServer(hold_first_rcpt=True) as smtp:
        homes = [tmp_path / "host-a", tmp_path / "host-b"]
        configs = [write_config(home, lore.midmask, smtp_port=smtp.port) for home in homes]
        first = subprocess.Popen([LOREBOT, "watch", "--config", str(configs[0]), "--db", url],
                                 env=environment(homes[0]), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            assert smtp.recorder.holding.wait(60), "the watcher never reached SMTP"
        finally:
            first.kill()  # SIGKILL while it holds the claim of the revision it delivers
            first.wait(timeout=30)
        smtp.recorder.release.set()
        rows = history(tmp_path, "--db", url)
        assert [r["status"] for r in rows if r["status"] != "done"] == ["claimed"]
        claimed = next(r for r in rows if r["status"] == "claimed")

        second = watch(homes[1], configs[1], "--db", url)
        assert second.returncode == 0, second.stderr
        assert f"<{claimed['series_id']}> v{claimed['version']}" in reviewed(second)
        assert {r["status"] for r in history(tmp_path, "--db", url)} == {"done"}
        assert sorted(m["In-Reply-To"] for m in smtp.mails) == sorted(f"<{i}>" for i in (V1, V2))


class _FlakyLore(BaseHTTPRequestHandler):
    """A proxy in front of public-inbox that answers 503 to thread downloads on demand,
    and keeps what it was asked."""

    upstream = ""
    failing = False
    cut_searches = False  # send half of each search answer, as if lore's stream broke
    asked: list[str] = []

    def log_message(self, *args):
        pass

    def _forward(self, body: bytes | None) -> None:
        type(self).asked.append(f"{self.command} {self.path}")
        if type(self).failing and self.path.endswith("/t.mbox.gz"):
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        request = urllib.request.Request(type(self).upstream + self.path, data=body,
                                         method=self.command)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, data = answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            status, data = exc.code, exc.read()
        if type(self).cut_searches and self.command == "POST":
            data = data[:len(data) // 2]
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._forward(None)

    def do_POST(self):
        self._forward(self.rfile.read(int(self.headers.get("Content-Length") or 0)))


@contextmanager
def proxied(lore: PublicInbox, failing: bool = False) -> Iterator[str]:
    """A midmask for lore through _FlakyLore."""
    _FlakyLore.upstream, _FlakyLore.failing = f"http://127.0.0.1:{lore.port}", failing
    _FlakyLore.cut_searches, _FlakyLore.asked = False, []
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _FlakyLore)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{proxy.server_port}/linux-hyperv/%s"
    finally:
        proxy.shutdown()
        proxy.server_close()


def mails_read(proc: subprocess.CompletedProcess) -> int:
    """How many mails of lore's search answers the run read (its summary says)."""
    return int(proc.stdout.splitlines()[-1].rsplit(", ", 1)[1].split()[0])


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_pass_reads_lore_only_down_to_what_the_previous_pass_read(lore, tmp_path, engine):
    """lore sends a search answer newest indexed first: a pass with nothing new reads
    it down to the mail the previous pass read first, and on through the mails
    received recheck_minutes before that pass, then stops; it fetches no thread,
    however many the look-back window holds. A mail indexed after that pass but
    received before it is above that mail, and reviewed."""
    with ExitStack() as stack:
        db = ("--db", stack.enter_context(fresh_database())) if engine == "postgresql" else ()
        midmask = stack.enter_context(proxied(lore))
        patches = _extra_series(14)
        lore.add_bulk(patches[:12], datetime.now(UTC) - timedelta(minutes=30))
        lore.add_bulk(patches[12:], datetime.now(UTC))
        config = write_config(tmp_path, midmask, queries=("dfn:lib/demo.c",))
        first = watch(tmp_path, config, *db)
        assert first.returncode == 0, first.stderr
        assert len(reviewed(first)) == 14 and mails_read(first) == 14

        _FlakyLore.asked = []
        again = watch(tmp_path, config, *db)
        assert again.returncode == 0, again.stderr
        assert reviewed(again) == [] and mails_read(again) == 2  # received just now
        assert [a.split()[0] for a in _FlakyLore.asked] == ["POST"]  # the search alone

        late = patch_mail("[PATCH] lib: demo: Return the next value, late",
                          msgid="late@example.com").encode()
        lore.add_bulk([late], datetime.now(UTC) - timedelta(minutes=40))
        _FlakyLore.asked = []
        found = watch(tmp_path, config, *db)
        assert found.returncode == 0, found.stderr
        assert reviewed(found) == ["<late@example.com> v1"] and mails_read(found) == 1 + 2
        assert sum(a.endswith("/t.mbox.gz") for a in _FlakyLore.asked) == 1


def test_a_search_answer_cut_short_is_one_line_and_the_next_pass_reads_it_all(lore, tmp_path):
    lore.add_bulk(_extra_series(3), datetime.now(UTC))
    with proxied(lore) as midmask:
        config = write_config(tmp_path, midmask, queries=("dfn:lib/demo.c",))
        _FlakyLore.cut_searches = True
        cut = watch(tmp_path, config)
        assert cut.returncode == 4 and len(cut.stderr.splitlines()) == 1, cut.stderr
        assert "lore sent a broken answer for search" in cut.stderr
        assert history(tmp_path) == []
        _FlakyLore.cut_searches = False
        whole = watch(tmp_path, config)
        assert whole.returncode == 0, whole.stderr
        assert len(reviewed(whole)) == 3 and mails_read(whole) == 3


def test_lore_failing_on_a_thread_is_retried_by_the_next_run(lore, tmp_path):
    lore.add_mbox(FIXTURES / "v2.mbox")
    with proxied(lore, failing=True) as midmask:
        config = write_config(tmp_path, midmask, store="max_attempts = 3")
        failed = watch(tmp_path, config)
        assert failed.returncode == 4
        assert failed.stderr.splitlines() == [
            f"lorebot: error: <{V2}>: lore answered HTTP 503 for thread <{V2}> "
            "(after retries) (will retry, attempt 1 of 3)"]
        assert history(tmp_path) == []
        _FlakyLore.failing = False
        recovered = watch(tmp_path, config)
        assert recovered.returncode == 0, recovered.stderr
        assert reviewed(recovered) == [f"<{V2}> v2"]


def test_bad_config_and_lore_down_are_one_line_errors(tmp_path):
    config = write_config(tmp_path, "http://127.0.0.1:9/linux-hyperv/%s")
    down = watch(tmp_path, config)  # nothing listens on port 9
    assert down.returncode == 4 and len(down.stderr.splitlines()) == 1
    assert "lore unreachable" in down.stderr and "Traceback" not in down.stderr

    typo = tmp_path / "typo.toml"
    typo.write_text('[lore]\nquerys = ["dfn:x.c"]\n')
    bad = watch(tmp_path, typo)
    assert bad.returncode == 2
    assert bad.stderr == f"lorebot: error: {typo}: unknown key 'querys' in [lore]\n"


def cron_environment(home: Path) -> dict[str, str]:
    """What cron gives a job: no XDG_* at all."""
    env = environment(home)
    for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR"):
        del env[name]
    return env


def test_a_running_pass_keeps_out_a_pass_from_another_environment(lore, tmp_path):
    lore.add_mbox(FIXTURES / "v2.mbox")
    db = str(tmp_path / "shared" / "lorebot.sqlite3")
    with SmtpServer(hold_first_rcpt=True) as smtp:
        shell, cron = tmp_path / "login-shell", tmp_path / "cron"
        configs = [write_config(home, lore.midmask, smtp_port=smtp.port,
                                store=f'db = "{db}"') for home in (shell, cron)]
        first = subprocess.Popen([LOREBOT, "watch", "--config", str(configs[0])],
                                 env=environment(shell), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        try:
            assert smtp.recorder.holding.wait(60), "the first pass never reached SMTP"
            second = subprocess.run([LOREBOT, "watch", "--config", str(configs[1])],
                                    capture_output=True, text=True, timeout=120,
                                    env=cron_environment(cron))
            assert second.returncode == 6
            assert second.stderr == (f"lorebot: error: another lorebot watch "
                                     f"({socket.gethostname()}:{first.pid}) is working on "
                                     f"{db}\n")
        finally:
            smtp.recorder.release.set()
            out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
        assert reviewed(subprocess.CompletedProcess([], 0, out, err)) == [f"<{V2}> v2"]
        again = subprocess.run([LOREBOT, "watch", "--config", str(configs[1])],
                               capture_output=True, text=True, timeout=120,
                               env=cron_environment(cron))
        assert again.returncode == 0 and reviewed(again) == []
        assert [m["In-Reply-To"] for m in smtp.mails] == [f"<{V2}>"]


def _series_with_a_finding(count: int) -> list[bytes]:
    """Single-patch series whose log lacks its Signed-off-by: each gets one reply."""
    log = LOG.replace("Signed-off-by: Ann Author <ann@example.com>\n", "")
    return [patch_mail(f"[PATCH] lib: demo: Return the next value, take {n}", log=log,
                       msgid=f"unsigned-{n}@example.com").encode() for n in range(count)]


def test_concurrent_passes_from_two_environments_send_every_reply_once(lore, tmp_path):
    lore.add_bulk(_series_with_a_finding(40), datetime.now(UTC))
    db = str(tmp_path / "shared" / "lorebot.sqlite3")
    homes = [tmp_path / "login-shell", tmp_path / "cron"]
    envs = [environment(homes[0]), cron_environment(homes[1])]
    with SmtpServer() as smtp:
        configs = [write_config(home, lore.midmask, smtp_port=smtp.port,
                                queries=("dfn:lib/demo.c",), store=f'db = "{db}"')
                   for home in homes]
        # Both users share one outbox, as a shared spool would be.
        for config in configs:
            config.write_text(config.read_text().replace(
                'outbox = "outbox"', f'outbox = "{tmp_path / "outbox"}"'))
        codes = []
        for _ in range(4):  # rounds of two passes started together
            passes = [subprocess.Popen([LOREBOT, "watch", "--config", str(config)],
                                       env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, text=True)
                      for config, env in zip(configs, envs, strict=True)]
            for one in passes:
                _, err = one.communicate(timeout=300)
                codes.append(one.returncode)
                assert one.returncode in (0, 6), err
        assert 0 in codes
        targets = [m["In-Reply-To"] for m in smtp.mails]
        expected = sorted(f"<unsigned-{n}@example.com>" for n in range(40))
        assert sorted(targets) == expected, "a reply went out twice, or not at all"
        outbox = [message_from_bytes(p.read_bytes())["In-Reply-To"]
                  for p in (tmp_path / "outbox").glob("*.eml")]
        assert sorted(outbox) == expected
        assert not list((tmp_path / "outbox").glob(".*"))  # no temp file left behind


def test_a_revision_over_its_budget_is_recorded_failed_and_the_pass_goes_on(lore, tmp_path):
    tree = tmp_path / "tree" / "lib"
    tree.mkdir(parents=True)
    (tree / "demo.c").write_text(generated_file(40_000))  # 320,000 lines: seconds to parse
    (tree / "next.c").write_text(BASE_DEMO)
    lore.add(patch_mail(msgid="slow@example.com").encode())
    log = LOG.replace("Signed-off-by: Ann Author <ann@example.com>\n", "")
    lore.add(patch_mail("[PATCH] lib: next: Return the next value", msgid="quick@example.com",
                        log=log, diff=DIFF.replace("lib/demo.c", "lib/next.c")).encode())
    config = write_config(tmp_path, lore.midmask, queries=("dfn:lib/demo.c", "dfn:lib/next.c"),
                          extra="[budget]\nseconds = 1\n")
    config.write_text(config.read_text().replace(str(FIXTURES / "base"), str(tree.parent)))
    proc = watch(tmp_path, config)
    assert proc.returncode == 7, proc.stderr
    assert proc.stderr == "lorebot: error: <slow@example.com> v1: over its time budget (1 s)\n"
    assert reviewed(proc) == ["<quick@example.com> v1"]
    rows = {r["series_id"]: r for r in history(tmp_path)}
    assert rows["slow@example.com"]["status"] == "failed"
    assert rows["slow@example.com"]["result"]["error"] == "over its time budget (1 s)"
    assert rows["quick@example.com"]["status"] == "done"
    assert [m["In-Reply-To"] for m in outbox_mails(tmp_path)] == ["<quick@example.com>"]
    again = watch(tmp_path, config)  # recorded once: neither is fetched again
    assert again.returncode == 0 and reviewed(again) == [], again.stderr
    assert "2 already done" in again.stdout


def test_a_thread_that_cannot_be_read_is_recorded_once_and_the_others_go_on(lore, tmp_path):
    opening = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n"
                      for i in range(300))
    closing = "".join(f"--b{i}--\n" for i in reversed(range(300)))
    deep = patch_mail(msgid="deep@example.com", extra_headers="MIME-Version: 1.0\n")
    head, body = deep.split("\n\n", 1)
    lore.add_bulk([f"{head}\n{opening}Content-Type: text/plain\n\n{body}{closing}".encode(),
                   *_series_with_a_finding(1)], datetime.now(UTC))
    config = write_config(tmp_path, lore.midmask, queries=("dfn:lib/demo.c",))
    proc = watch(tmp_path, config)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == ("lorebot: error: <deep@example.com>: thread <deep@example.com>: "
                           "a mail nests more than 64 multipart/message parts\n")
    assert reviewed(proc) == ["<unsigned-0@example.com> v1"]
    rows = {r["series_id"]: r for r in history(tmp_path)}
    assert rows["deep@example.com"]["status"] == "failed"
    assert rows["deep@example.com"]["version"] == 0
    again = watch(tmp_path, config)  # neither thread is fetched again
    assert again.returncode == 0 and again.stderr == "" and reviewed(again) == []


def test_the_example_config_loads():
    from bot.watch import load_config

    config = load_config(ROOT / "examples" / "watch.toml")
    assert config.queries == [HV_QUERY] and config.repo == Path("/srv/linux")
    assert config.outbox == Path("/var/lib/lorebot/outbox") and config.smtp is None


def test_an_incomplete_series_waits_for_its_missing_patch(lore, tmp_path):
    def part(n: int) -> bytes:
        return patch_mail(f"[PATCH {n}/2] lib: demo: Return the next value, part {n}",
                          msgid=f"part-{n}@example.com",
                          reply_to=None if n == 1 else "part-1@example.com").encode()

    config = write_config(tmp_path, lore.midmask, queries=("dfn:lib/demo.c",))
    lore.add(part(1))
    waiting = watch(tmp_path, config)
    assert waiting.returncode == 0, waiting.stderr
    assert reviewed(waiting) == []
    assert "waiting <part-1@example.com>: v1 is incomplete: patch 2/2 missing" in waiting.stdout
    lore.add(part(2))
    complete = watch(tmp_path, config)
    assert reviewed(complete) == ["<part-1@example.com> v1"]
