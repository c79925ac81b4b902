"""What grouping a thread with b4 costs: honest series and hostile threads.

``read_thread`` on decoded mails (decoding not counted): generated series of
N patches with a cover letter and one review reply per patch, two revisions of
one series, and the hostile shapes the bounds are for (a reply flooded with
``Key: value`` lines, a 300-deep reply chain, 30 partial rerolls, subjects that
would make b4's own parser hang). Prints wall time and CPU time including the
``git patch-id`` children b4 runs (one per patch).

    .venv/bin/python bench/bench_thread.py [--sizes 10 100 500]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.series import Message  # noqa: E402
from bot.source.thread import read_thread  # noqa: E402

DIFF = ("diff --git a/drivers/demo/d{n}.c b/drivers/demo/d{n}.c\n"
        "index 3b18e51..5c1a2f0 100644\n--- a/drivers/demo/d{n}.c\n+++ b/drivers/demo/d{n}.c\n"
        "@@ -10,6 +10,8 @@ static int demo_commit(struct demo *d, int arg)\n"
        " {{\n \tint ret;\n \n+\tif (arg < 0)\n+\t\treturn -EINVAL{v};\n \tret = demo_lock(d);\n"
        " \tif (ret)\n \t\treturn ret;\n")
LOG = ("A negative slot index makes demo_commit() write before the table.\n\n"
       "Reject negative values.\n\nSigned-off-by: Ann Author <ann@example.com>\n---\n")


def mail(msgid: str, subject: str, body: str, parent: str | None = None) -> Message:
    return Message(msgid, subject, "Ann Author", "ann@example.com",
                   "Mon, 1 Jun 2020 10:00:00 +0000", parent, [parent] if parent else [],
                   body=body)


def series(total: int, version: int = 1, replies: bool = True) -> list[Message]:
    tag = f"PATCH v{version}" if version > 1 else "PATCH"
    cover = f"v{version}.0@bench"
    mails = [mail(cover, f"[{tag} 0/{total}] demo: checks", "Cover.\n\n 1 file changed, "
                  "2 insertions(+)\n")]
    for n in range(1, total + 1):
        msgid = f"v{version}.{n}@bench"
        mails.append(mail(msgid, f"[{tag} {n}/{total}] demo: check slot {n}",
                          LOG + DIFF.format(n=n, v="" if version == 1 else " /* v2 */"),
                          cover))
        if replies:
            mails.append(mail(f"r{version}.{n}@bench", f"Re: [{tag} {n}/{total}] demo",
                              "> quoted\n\nReviewed-by: Rita <rita@example.com>\n", msgid))
    return mails


def flood() -> list[Message]:
    text = "".join(f"Key{n}: a@b.c {'x ' * 40}\n" for n in range(20000))
    return series(3) + [mail("flood@bench", "Re: [PATCH 1/3] demo", text, "v1.1@bench")]


def chain() -> list[Message]:
    mails, parent = series(3), "v1.2@bench"
    for n in range(300):
        mails.append(mail(f"c{n}@bench", "Re: [PATCH 2/3] demo",
                          f"Reviewed-by: R{n} <r{n}@example.com>\n", parent))
        parent = f"c{n}@bench"
    return mails


def rerolls() -> list[Message]:
    mails = series(3, replies=False)
    for v in range(2, 31):  # each resends 2/3 as a reply to the previous revision's 2/3
        previous = "v1.2@bench" if v == 2 else f"v{v - 1}.2@bench"
        mails.append(mail(f"v{v}.2@bench", f"[PATCH v{v} 2/3] demo: check slot 2",
                          LOG + DIFF.format(n=2, v=f" /* v{v} */"), previous))
    return mails


def hostile_subjects() -> list[Message]:
    return series(3) + [mail("h1@bench", "[a" * 1000 + "] x", LOG, "v1.0@bench"),
                        mail("h2@bench", f"[PATCH v{'9' * 5000}] x", LOG),
                        mail("h3@bench", "[PATCH 1/100000000] x", LOG + DIFF.format(n=1, v=""))]


def measure(name: str, mails: list[Message]) -> None:
    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    wall, start = time.perf_counter(), cpu()
    thread = read_thread(mails)
    wall, used = time.perf_counter() - wall, cpu() - start
    revisions = ", ".join(f"v{v}:{len(r.patches)}" for v, r in sorted(thread.revisions.items()))
    print(f"{name:<44} {len(mails):>6} mails {wall * 1000:>9.1f} ms wall "
          f"{used * 1000:>9.1f} ms CPU  ({revisions})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500])
    args = parser.parse_args()
    for size in args.sizes:
        measure(f"{size}-patch series, a reply to each", series(size))
    measure("100-patch series, v1 and v2", series(100) + series(100, 2))
    measure("reply of 20,000 'Key: a@b.c x x ...' lines", flood())
    measure("300-deep reply chain with trailers", chain())
    measure("30 partial rerolls", rerolls())
    measure("bracket bomb, 5,000-digit vN, 1/100000000", hostile_subjects())


if __name__ == "__main__":
    main()
