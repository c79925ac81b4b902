"""Build realistic patch mails and mboxes for tests."""

from __future__ import annotations

from pathlib import Path

DIFF = """\
diff --git a/lib/demo.c b/lib/demo.c
index 3b18e51..5c1a2f0 100644
--- a/lib/demo.c
+++ b/lib/demo.c
@@ -1,5 +1,5 @@
 int demo(int x)
 {
-\treturn x;
+\treturn x + 1;
 }
 /* end */
"""

BASE_DEMO = "int demo(int x)\n{\n\treturn x;\n}\n/* end */\n"

LOG = """\
demo() returns its argument unchanged, so callers that expect the next
value index one element too early and read past the table.

Return x + 1 as the callers expect.

Signed-off-by: Ann Author <ann@example.com>
"""


def generated_file(functions: int) -> str:
    """BASE_DEMO and a generated register file after it, as drivers carry by the hundred
    thousand lines (8 lines a function)."""
    return BASE_DEMO + "".join(
        f"int reg_{n}(struct dev *d)\n{{\n\tif (d->n > {n})\n\t\treturn -EINVAL;\n"
        f"\td->r[{n}] = {n};\n\treturn 0;\n}}\n\n" for n in range(functions))


def patch_mail(subject: str = "[PATCH] lib: demo: Return the next value", *,
               log: str = LOG, diff: str = DIFF, notes: str = "",
               msgid: str = "1@example.com", author: str = "Ann Author <ann@example.com>",
               extra_headers: str = "", reply_to: str | None = None) -> str:
    headers = (f"From: {author}\nSubject: {subject}\nDate: Mon, 1 Jun 2020 10:00:00 +0000\n"
               f"Message-ID: <{msgid}>\n")
    if reply_to:
        headers += f"In-Reply-To: <{reply_to}>\nReferences: <{reply_to}>\n"
    headers += extra_headers or "Content-Type: text/plain; charset=utf-8\n"
    body = log + "---\n" + notes + diff if diff else log
    return headers + "\n" + body + "-- \n2.30.0\n"


def mbox(*mails: str) -> str:
    return "".join(f"From mboxrd@z Thu Jan  1 00:00:00 1970\n{m.rstrip()}\n\n" for m in mails)


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path
