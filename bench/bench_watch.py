"""Cost of one ``lorebot watch`` pass against a real public-inbox server on loopback.

The inbox holds M messages: old patches and replies that lore received ten
days ago, and P new patches (series of five with a cover letter) received
now. The pass is the installed command, as cron runs it: search with ``rt:``,
fetch each new thread, review every revision (every bundled rule, pre-images
from a folder), write the replies to the outbox. A second pass, with nothing
new, shows the steady cost. Prints wall and CPU time per pass and per new
patch, first for M = 1,000 and P = 50, then as M grows and as P grows. Last,
the steady cost alone: a pass with nothing new after H single-patch threads,
all still inside the pass's look-back window, were handled (H = 10 ... 4,000;
median of three passes); they were received 30 minutes before, and with
``--steady-now`` just before the first pass (then a pass reads them all again,
see bot/source/lore_search.py).

    .venv/bin/python bench/bench_watch.py      (needs Debian's public-inbox)
    .venv/bin/python bench/bench_watch.py --steady [H ...]   (the steady cost alone)
    .venv/bin/python bench/bench_watch.py --steady-now [H ...]   (H received just now)
    .venv/bin/python bench/bench_watch.py --steady-pg [H ...]    (the store on PostgreSQL)
    .venv/bin/python bench/bench_watch.py --one    (M = 1,000 and P = 50 alone)
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_review import c_file  # noqa: E402
from pg import fresh_database  # noqa: E402
from pi_server import PublicInbox  # noqa: E402

LIST = "demo.lists.bench"
SERIES_LENGTH = 5
# Older than what a pass reads again past the previous pass's first mail (the
# watch's recheck_minutes, 10), younger than its look-back (overlap_minutes, 60).
STEADY_AGE = 30.0
LOG = ("A negative slot index makes demo_commit() write before the table, which\n"
       "corrupts the lock word next to it and hangs the next caller.\n\n"
       "Reject negative values before committing them.\n\n"
       "Signed-off-by: Ann Author <ann@example.com>\n")


# Words for each mail's own paragraph: lore's mails differ from each other, and
# how well an answer compresses decides when public-inbox's gzip stream first
# sends bytes (a thousand near-identical mails come out as one late block).
_WORDS = ["".join(random.Random(n).choices("abcdefghijklmnopqrstuvwxyz", k=3 + n % 7))
          for n in range(3000)]


def prose(msgid: str) -> str:
    """A paragraph of its own for each mail (notes after ``---`` in a patch)."""
    words = random.Random(msgid).choices(_WORDS, k=80)
    return "\n".join(" ".join(words[i:i + 10]) for i in range(0, 80, 10)) + "\n"


def mail(subject: str, msgid: str, body: str, reply_to: str | None = None) -> bytes:
    headers = (f"From: Ann Author <ann@example.com>\nTo: demo@lists.bench\n"
               f"List-Id: Demo list <{LIST}>\nSubject: {subject}\n"
               f"Date: {datetime.now(UTC):%a, %d %b %Y %H:%M:%S +0000}\n"
               f"Message-ID: <{msgid}>\n")
    if reply_to:
        headers += f"In-Reply-To: <{reply_to}>\nReferences: <{reply_to}>\n"
    log, cut, rest = body.partition("---\n")  # the paragraph goes in a patch's notes
    body = f"{log}{cut}{prose(msgid)}\n{rest}" if cut else f"{body}\n{prose(msgid)}"
    return (headers + "\n" + body).encode()


def patch_body(name: str, base: str) -> str:
    """A patch to drivers/demo/<name>.c adding a check to its first function."""
    lines = base.split("\n")
    at = next(i for i, line in enumerate(lines) if "d->last = arg;" in line)
    diff = (f"diff --git a/drivers/demo/{name}.c b/drivers/demo/{name}.c\n"
            f"--- a/drivers/demo/{name}.c\n+++ b/drivers/demo/{name}.c\n"
            f"@@ -{at - 2},7 +{at - 2},9 @@\n"
            + "".join(f" {line}\n" for line in lines[at - 3:at])
            + "+\tif (arg < 0)\n+\t\treturn -EINVAL;\n"
            + "".join(f" {line}\n" for line in lines[at:at + 4]))
    return f"{LOG}---\n{diff}-- \n2.40.0\n"


def build(root: Path, messages: int, new_patches: int) -> tuple[PublicInbox, Path]:
    """The inbox (old and new mail) and the folder holding the base files."""
    tree = root / "tree" / "drivers" / "demo"
    tree.mkdir(parents=True)
    base = c_file(0)
    new: list[bytes] = []
    for s in range(new_patches // SERIES_LENGTH):
        cover = f"cover-{s}@bench"
        new.append(mail(f"[PATCH 0/{SERIES_LENGTH}] demo: Reject negative slots, part {s}",
                        cover, "Five drivers write before their slot table.\n"))
        for p in range(1, SERIES_LENGTH + 1):
            name = f"new{s}_{p}"
            (tree / f"{name}.c").write_text(base)
            new.append(mail(f"[PATCH {p}/{SERIES_LENGTH}] demo: {name}: Reject negative "
                            "slots", f"{p}.{s}@bench", patch_body(name, base), cover))
    old: list[bytes] = []
    for n in range(messages - len(new)):
        if n % 2 == 0:
            old.append(mail(f"[PATCH] demo: old{n}: Reject negative slots", f"old{n}@bench",
                            patch_body(f"old{n}", base)))
        else:
            old.append(mail(f"Re: [PATCH] demo: old{n - 1}: Reject negative slots",
                            f"re{n}@bench", "> Reject negative values.\n\nLooks good.\n",
                            f"old{n - 1}@bench"))
    inbox = PublicInbox(root / "lore")
    inbox.add_bulk(old, datetime.now(UTC) - timedelta(days=10))
    inbox.add_bulk(new, datetime.now(UTC))
    return inbox.start(), root / "tree"


def server_cpu(inbox: PublicInbox) -> float:
    """CPU seconds public-inbox-httpd has used (it answers in its one process, -W0)."""
    fields = Path(f"/proc/{inbox.server.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_pass(config: Path, env: dict[str, str],
             inbox: PublicInbox) -> tuple[float, float, float, str]:
    """Wall and CPU time of one pass, lore's CPU time answering it, its summary."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    served = server_cpu(inbox)
    wall = time.perf_counter()
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "lorebot"), "watch", "--config",
                           str(config)], capture_output=True, text=True, env=env, timeout=600)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"watch failed ({proc.returncode}): {proc.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, server_cpu(inbox) - served, proc.stdout.strip().splitlines()[-1]


def measure(messages: int, new_patches: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inbox, tree = build(root, messages, new_patches)
        try:
            config = root / "watch.toml"
            config.write_text(f'[lore]\nmidmask = "{inbox.midmask}"\nlists = ["{LIST}"]\n'
                              "first_run_days = 1\n\n"
                              f'[review]\ntree = "{tree}"\n\n[deliver]\noutbox = "outbox"\n')
            env = {**os.environ, "HOME": str(root), "XDG_CACHE_HOME": str(root / "cache"),
                   "XDG_DATA_HOME": str(root / "data"), "XDG_RUNTIME_DIR": str(root)}
            wall, cpu, _, summary = one_pass(config, env, inbox)
            again, _, _, summary_again = one_pass(config, env, inbox)
        finally:
            inbox.stop()
        replies = len(list((root / "outbox").glob("*.eml")))
    print(f"M={messages:5d} P={new_patches:4d}: first pass {wall:6.2f} s wall, "
          f"{cpu:6.2f} s CPU ({1000 * wall / new_patches:5.1f} ms wall per new patch), "
          f"{replies} replies; second pass {again:5.2f} s  [{summary} | {summary_again}]")


def steady(handled: int, age: float = STEADY_AGE, postgres: bool = False) -> None:
    """A pass with nothing new after ``handled`` threads, received ``age`` minutes ago
    (inside the look-back window), were reviewed and answered; the store on SQLite,
    or on a fresh PostgreSQL database."""
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        store = f'\n[store]\ndb = "{stack.enter_context(fresh_database())}"\n' \
            if postgres else ""
        root = Path(tmp)
        inbox = PublicInbox(root / "lore")
        inbox.add_bulk([mail(f"[PATCH] demo: t{n}: Reject negative slots", f"t{n}@bench",
                             patch_body(f"t{n}", c_file(0))) for n in range(handled)],
                       datetime.now(UTC) - timedelta(minutes=age))
        inbox.start()
        try:
            config = root / "watch.toml"
            config.write_text(f'[lore]\nmidmask = "{inbox.midmask}"\nlists = ["{LIST}"]\n'
                              '\n[deliver]\noutbox = "outbox"\n' + store)
            env = {**os.environ, "HOME": str(root), "XDG_CACHE_HOME": str(root / "cache"),
                   "XDG_DATA_HOME": str(root / "data"), "XDG_RUNTIME_DIR": str(root)}
            first, _, _, summary = one_pass(config, env, inbox)
            passes = sorted(one_pass(config, env, inbox) for _ in range(3))
        finally:
            inbox.stop()
    wall, cpu, lore_cpu, again = passes[1]
    print(f"H={handled:5d} received {age:2.0f} min before{' (PostgreSQL)' * postgres}: "
          "pass with nothing new "
          f"{wall:5.2f} s wall, {cpu:5.2f} s CPU, lore {lore_cpu:4.2f} s CPU "
          f"(first pass {first:6.2f} s) "
          f"[{summary} | {again}]")


def main() -> None:
    if not shutil.which("public-inbox-httpd"):
        raise SystemExit("needs Debian's public-inbox (scripts/setup installs it as root)")
    if sys.argv[1:2] == ["--steady"]:
        for handled in [int(h) for h in sys.argv[2:]] or (10, 100, 1000, 4000):
            steady(handled)
        return
    if sys.argv[1:2] == ["--steady-now"]:
        for handled in [int(h) for h in sys.argv[2:]] or (1000,):
            steady(handled, age=0.0)
        return
    if sys.argv[1:2] == ["--steady-pg"]:
        for handled in [int(h) for h in sys.argv[2:]] or (10, 1000):
            steady(handled, postgres=True)
        return
    if sys.argv[1:] == ["--one"]:
        measure(1000, 50)
        return
    print("one watch pass (search, fetch threads, review, outbox) against public-inbox")
    measure(1000, 50)
    print("as the archive grows (50 new patches):")
    for messages in (250, 500, 2000, 4000):
        measure(messages, 50)
    print("as the new patches grow (1,000 messages):")
    for new_patches in (10, 100, 200):
        measure(1000, new_patches)
    print("a pass with nothing new after H handled threads in the look-back window:")
    for handled in (10, 100, 1000, 4000):
        steady(handled)


if __name__ == "__main__":
    main()
