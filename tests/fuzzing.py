"""Hostile variants of the fixture mails, for tests/test_fuzz.py and bench/fuzz_campaign.py.

A variant is a seed (a fixture mbox) with a few mutations drawn from a
``random.Random``: bytes flipped, inserted, deleted or repeated; numbers made
huge, negative or long; tokens that broke parsers before (a non-ASCII ``From ``
line, punycode, deep MIME, huge hunk offsets and series totals, stray braces,
long ``&&`` chains, backward gotos). ``mutate_c`` changes only the added lines of
the diff, so the mail stays a patch and the C front end gets the hostility.
Each variant is reviewed by ``lorebot review`` (``bot.cli.main``) against the
fixture base, with a time budget: exit 70 (a bug of ours) or 7 (over budget)
is a failure, every other exit code is a verdict.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
from pathlib import Path

from kernel_repo import FIXTURES
from mails import mbox, patch_mail

from bot.cli import main

SEEDS = {name: (FIXTURES / name).read_bytes()
         for name in ("v1.mbox", "v2.mbox", "v3.mbox", "v2-resume-only.mbox")}
SEEDS["demo.mbox"] = mbox(patch_mail()).encode()
BASE = FIXTURES / "base"
BUDGET_SECONDS = 10

MAIL_TOKENS = [
    b"\xe9", b"\xff\xfe", b"\x00", b"\r", b"\n\n", b"From m\xe9l@x Mon Jun  1 10:00:00 2020\n",
    b"Content-Type: text/plain; charset=punycode\n", b"=?punycode?q?xn--?=",
    b"=?utf-8?b?////?=", b"Content-Type: multipart/mixed; boundary=b\n\n--b\n",
    b"Content-Transfer-Encoding: base64\n", b"@@ -99999999999,6 +99999999999,7 @@\n",
    b"@@ --96,6 +-96,15 @@\n", b"@@ -1 +1 @@\n", b"[PATCH 1/100000000] ",
    b"[PATCH v" + b"9" * 300 + b"] ", b"[PATCH 0/0] ", b"diff --git a/x b/x\n",
    b"--- a/\n+++ b/\n", b"index 0000000..ffffffff 100644\n", b"---\n", b"-- \n",
    b"Signed-off-by: \n", b"In-Reply-To: <" + b"x" * 500 + b">\n", b"References: <a@b> <a@b>\n",
]
C_TOKENS = [
    "{", "}", "(", ")", ";", "if (x) {", "} else if (y) {", "goto out;", "out:", "&& a",
    "|| !b", "return;", "return -EINVAL;", "while (1)", "for (;;)", "switch (v) {",
    "case 1:", "default:", "#if 0", "#endif", "/*", "*/", "\"", "'", "\\", "do {",
    "} while (0);", "spin_lock(&l);", "spin_unlock(&l);", "mutex_lock(&m);",
    "pci_msi_unmask_irq(data);", "scoped_guard(mutex, &m) {", "int x[] = { [0 ... 9] = 1 };",
]


def _splice(data: bytes, rng: random.Random, piece: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece + data[at:]


def _numbers(data: bytes, rng: random.Random) -> bytes:
    spots = list(re.finditer(rb"\d+", data))
    if not spots:
        return data
    spot = rng.choice(spots)
    number = rng.choice([b"0", b"-1", b"99999999999", b"4294967296", b"9" * 2000])
    return data[:spot.start()] + number + data[spot.end():]


def _lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    start = rng.randrange(len(lines))
    chunk = lines[start:start + rng.randint(1, 30)]
    if rng.random() < 0.5:
        return b"\n".join(lines[:start] + chunk * rng.randint(2, 200) + lines[start:])
    return b"\n".join(lines[:start] + lines[start + len(chunk):])


def mutate(data: bytes, rng: random.Random) -> bytes:
    """The seed with one to four mutations anywhere in it."""
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        if op == 0 and data:
            at = rng.randrange(len(data))
            data = data[:at] + bytes([rng.randrange(256)]) + data[at + 1:]
        elif op == 1:
            data = _splice(data, rng, rng.choice(MAIL_TOKENS))
        elif op == 2 and data:
            at = rng.randrange(len(data))
            data = data[:at] + data[at + rng.randint(1, 200):]
        elif op == 3:
            data = _numbers(data, rng)
        elif op == 4:
            data = _lines(data, rng)
        else:
            data = _splice(data, rng, bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))))
    return data


def mutate_c(data: bytes, rng: random.Random) -> bytes:
    """The seed with its added C lines mangled (a line each stays a line: the hunk fits)."""
    lines = data.split(b"\n")
    added = [n for n, line in enumerate(lines)
             if line.startswith(b"+") and not line.startswith(b"+++")]
    if not added:
        return mutate(data, rng)
    for _ in range(rng.randint(1, 6)):
        n = rng.choice(added)
        text = lines[n][1:].decode("utf-8", "replace")
        words = text.split(" ")
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randrange(len(words) + 1), rng.choice(C_TOKENS))
        if rng.random() < 0.2:  # a long chain or a deep nest in one line
            token = rng.choice(["&& x", "if (a) {", "(", "goto l;"])
            words.append(" ".join([token] * rng.randint(50, 1500)))
        lines[n] = b"+" + " ".join(words).encode()
    return b"\n".join(lines)


def review_exit_code(mail: Path, budget: float = BUDGET_SECONDS) -> tuple[int, str]:
    """``lorebot review`` of ``mail`` on the fixture base: its exit code and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["review", "--mbox", str(mail), "--tree", str(BASE), "--format", "json",
                     "--time-limit", str(budget), "--memory-limit", "1024"])
    return code, err.getvalue()
