"""One review of a patch of our own, so that a long-lived parent (``watch``, the warm
server) has loaded what a first review loads lazily (word lists, patterns, modules,
the C parser) and every child it forks inherits it instead of loading it again."""

from __future__ import annotations

import tempfile
from pathlib import Path

WARM_UP = b"""From: lorebot <lorebot@localhost>
Subject: [PATCH] lib: warm: Check the slot before writing it
Message-ID: <warm-up@lorebot>

A negative slot writes before the table and corrupts the lock next to it.

Signed-off-by: lorebot <lorebot@localhost>
---
diff --git a/lib/warm.c b/lib/warm.c
--- a/lib/warm.c
+++ b/lib/warm.c
@@ -1,2 +1,4 @@
 int warm(int slot)
 {
+\tif (slot < 0)
+\t\treturn -EINVAL;
"""
WARM_C = "int warm(int slot)\n{\n\tmutex_lock(&table_lock);\n\ttable[slot] = 1;\n" \
         "\tmutex_unlock(&table_lock);\n\treturn 0;\n}\n"


def warm_up(rules: list, with_tree: bool = False):
    """Review the warm-up patch with ``rules`` (``with_tree``: on a base folder holding
    its file, so that the C front end and the code rules run too); the review."""
    from bot.request import Request, review_request
    from bot.source.mail import parse_message
    from bot.source.thread import read_thread

    thread = read_thread([parse_message(WARM_UP)[0]], "warm-up")
    series = thread.series(thread.revisions[1])
    if not with_tree:
        return review_request(Request(series=series), rules)
    with tempfile.TemporaryDirectory(prefix="lorebot-warm-") as base:
        (Path(base) / "lib").mkdir()
        (Path(base) / "lib" / "warm.c").write_text(WARM_C)
        return review_request(Request(series=series, tree=Path(base)), rules)
