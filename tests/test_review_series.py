"""A long series is reviewed patch by patch, each file's parse released when no
later patch reads it: every patch still gets the verdicts of its own files."""

import difflib
import re
from pathlib import Path

from mails import mbox, patch_mail, write

from bot.checks import load_rules
from bot.report import render
from bot.review import review_series
from bot.source.mbox import read_series
from bot.tree import FolderTree

BASE = """\
static int op(struct demo *d, int arg)
{
\tunsigned long flags;

\tspin_lock_irqsave(&d->lock, flags);
\td->last = arg;
\tspin_unlock_irqrestore(&d->lock, flags);
\treturn 0;
}
"""
LEAKS = BASE.replace("\td->last = arg;\n", "\tif (arg < 0)\n\t\treturn -EINVAL;\n"
                     "\td->last = arg;\n")
CLAMPS = BASE.replace("\td->last = arg;\n", "\tif (arg < 0)\n\t\targ = 0;\n\td->last = arg;\n")
FIXED = LEAKS.replace("\t\treturn -EINVAL;\n",
                      "\t\tgoto unlock;\n").replace("\tspin_unlock", "unlock:\n\tspin_unlock")
LOG = ("A negative argument is stored as the last slot, and the next lookup then\n"
       "reads before the table and returns garbage to the caller.\n\n"
       "Check the argument before storing it.\n\n"
       "Signed-off-by: Ann Author <ann@example.com>\n")


def diff(path: str, before: str, after: str) -> str:
    body = difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                f"a/{path}", f"b/{path}")
    return f"diff --git a/{path} b/{path}\n" + "".join(body)


def test_each_patch_is_judged_on_its_own_files_after_earlier_parses_are_released(tmp_path):
    """Ten files with a function of the same name; patch 11 comes back to the first."""
    total = 11
    mails = []
    folder = tmp_path / "tree" / "drivers" / "demo"
    folder.mkdir(parents=True)
    for n in range(1, 11):
        head = f"/* demo driver {n} */\n"  # every file's text differs: no parse is shared
        write(folder / f"d{n}.c", head + BASE)
        after = LEAKS if n % 2 else CLAMPS
        mails.append(patch_mail(f"[PATCH {n}/{total}] demo: Check the argument of op in d{n}",
                                log=LOG, msgid=f"{n}@example.com",
                                diff=diff(f"drivers/demo/d{n}.c", head + BASE, head + after)))
    head = "/* demo driver 1 */\n"
    mails.append(patch_mail(f"[PATCH 11/{total}] demo: Unlock on the error path of op in d1",
                            log=LOG, msgid="11@example.com",
                            diff=diff("drivers/demo/d1.c", head + LEAKS, head + FIXED)))
    series = read_series(write(tmp_path / "series.mbox", mbox(*mails)))
    review = review_series(series, load_rules(), FolderTree(tmp_path / "tree"))
    found = [(f.patch, f.file, f.status) for f in review.findings
             if f.rule == "pair-spinlock-irqsave"]
    assert found == [(n, f"drivers/demo/d{n}.c", "introduced") for n in (1, 3, 5, 7, 9)] + [
        (11, "drivers/demo/d1.c", "fixed")]
    # Kept for the report: only the texts a finding quotes (a fixed one from the pre-image).
    kept = [(n, side) for n, images in enumerate(review.images, 1)
            for files in images.files.values() for side in ("pre", "post")
            if getattr(files, side) is not None]
    assert kept == [(1, "post"), (3, "post"), (5, "post"), (7, "post"), (9, "post"),
                    (11, "pre")]


def test_email_still_quotes_lines_outside_the_diff_from_the_kept_text():
    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "pci-hyperv"
    review = review_series(read_series(fixtures / "v2.mbox"), load_rules(),
                           FolderTree(fixtures / "base"))
    mail = render(review, "email")
    after = (fixtures / "src" / "v2.c").read_text().split("\n")
    (quoted,) = re.findall(r"outside the diff \(pci-hyperv\.c:(\d+)\):\n(?:.*\n)*?\s+\1  (.*)",
                           mail)
    assert after[int(quoted[0]) - 1].expandtabs(8).strip() == quoted[1].strip()
