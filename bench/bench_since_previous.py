"""What the section on the previous revision costs: vN reviewed alone, with vN-1
reviewed again, and with vN-1's findings remembered (as ``watch`` has them).

The pci-hyperv v3 (v2 and its reviewer's reply in the thread), then generated
series of 20 and 100 patches in two revisions: v2 changes every patch's error
code and each v1 patch got a reviewer's reply quoting its new lines. CPU ms,
in-process, median of the runs.

    .venv/bin/python bench/bench_since_previous.py [--sizes 20 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_review import c_file  # noqa: E402

from bot.checks import load_rules  # noqa: E402
from bot.review import review_series  # noqa: E402
from bot.source.mbox import read_series  # noqa: E402
from bot.tree import FolderTree  # noqa: E402

FIXTURES = ROOT / "fixtures" / "pci-hyperv"


def patch_mail(n: int, total: int, version: int, base: str) -> str:
    lines = base.split("\n")
    at = next(i for i, line in enumerate(lines) if "d->last = arg;" in line)
    hunk = lines[at - 3:at + 4]
    code = "-EINVAL" if version == 1 else "-ERANGE"
    diff = (f"diff --git a/drivers/demo/d{n}.c b/drivers/demo/d{n}.c\n"
            f"--- a/drivers/demo/d{n}.c\n+++ b/drivers/demo/d{n}.c\n"
            f"@@ -{at - 2},7 +{at - 2},9 @@\n"
            + "".join(f" {line}\n" for line in hunk[:3])
            + f"+\tif (arg < 0)\n+\t\treturn {code};\n"
            + "".join(f" {line}\n" for line in hunk[3:]))
    tag = "PATCH" if version == 1 else f"PATCH v{version}"
    notes = "" if version == 1 else "Changes in v2:\n  - Return -ERANGE (Rex Viewer).\n\n"
    return (f"From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: Ann Author <ann@example.com>\n"
            f"Subject: [{tag} {n}/{total}] demo: Reject negative slots in op0\n"
            f"Message-ID: <{n}.{total}.v{version}@bench>\n\n"
            "A negative slot index makes demo_commit() write before the table, which\n"
            "corrupts the lock word next to it and hangs the next caller.\n\n"
            "Reject negative values before committing them.\n\n"
            f"Signed-off-by: Ann Author <ann@example.com>\n---\n{notes}{diff}-- \n2.40.0\n\n")


def reply_mail(n: int, total: int) -> str:
    return (f"From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: Rex Viewer <rex@example.org>\n"
            f"Subject: Re: [PATCH {n}/{total}] demo: Reject negative slots in op0\n"
            f"Message-ID: <r{n}.{total}@bench>\nIn-Reply-To: <{n}.{total}.v1@bench>\n"
            f"References: <{n}.{total}.v1@bench>\n\n"
            "On Mon, Ann Author wrote:\n> +\tif (arg < 0)\n> +\t\treturn -EINVAL;\n\n"
            "s/-EINVAL/-ERANGE/: an index out of range is not a bad argument.\n\n"
            "Rex\n\n")


def write_thread(folder: Path, total: int) -> tuple[Path, Path]:
    """(v2 alone, v1 with its replies and v2) of a ``total``-patch series; the tree."""
    (folder / "tree" / "drivers" / "demo").mkdir(parents=True)
    v1, replies, v2 = [], [], []
    for n in range(1, total + 1):
        base = c_file(n)
        (folder / "tree" / "drivers" / "demo" / f"d{n}.c").write_text(base)
        v1.append(patch_mail(n, total, 1, base))
        replies.append(reply_mail(n, total))
        v2.append(patch_mail(n, total, 2, base))
    alone, thread = folder / "v2.mbox", folder / "thread.mbox"
    alone.write_text("".join(v2))
    thread.write_text("".join(v1 + replies + v2))
    return alone, thread


def median_ms(run, runs: int) -> float:
    samples = []
    for _ in range(runs):
        cpu = time.process_time()
        run()
        samples.append(time.process_time() - cpu)
    return 1000 * statistics.median(samples)


def figures(label: str, alone: Path, thread: Path, tree: Path, rules, runs: int,
            expect: int) -> None:
    base = FolderTree(tree)
    lone, whole = read_series(alone), read_series(thread)
    remembered = review_series(whole.previous, rules, base).findings
    check = review_series(whole, rules, base, previous_findings=remembered).since_previous
    assert check.counts()["addressed"] == expect, check.counts()
    times = [median_ms(lambda: review_series(lone, rules, base), runs),
             median_ms(lambda: review_series(whole, rules, base), runs),
             median_ms(lambda: review_series(whole, rules, base,
                                             previous_findings=remembered), runs)]
    print(f"{label}: alone {times[0]:8.1f} ms; with vN-1 reviewed again {times[1]:8.1f} ms "
          f"(x{times[1] / times[0]:.2f}); with vN-1's findings remembered {times[2]:8.1f} ms "
          f"(x{times[2] / times[0]:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 100])
    options = parser.parse_args()
    rules = load_rules()
    figures("pci-hyperv v3, 1 patch", FIXTURES / "v3.mbox", FIXTURES / "all.mbox",
            FIXTURES / "base", rules, 10, 2)
    for total in options.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            alone, thread = write_thread(Path(tmp), total)
            figures(f"generated, {total:3d} patches", alone, thread, Path(tmp) / "tree",
                    rules, 5 if total <= 20 else 3, total)


if __name__ == "__main__":
    main()
