"""Review cost per patch for generated series of N = 1, 10, 100 patches.

Each patch changes one function of a realistic C file (locks, gotos, loops) in
its own file, and the review runs everything: mail parsing, trees, every rule
of the bundled packs. Prints median CPU ms per patch, total time, peak memory,
and the start-up time of `lorebot --help`.

    .venv/bin/python bench/bench_review.py
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.checks import load_rules  # noqa: E402
from bot.review import review_series  # noqa: E402
from bot.source.mbox import read_series  # noqa: E402
from bot.tree import FolderTree  # noqa: E402

FUNCTIONS = 40


def c_file(n: int) -> str:
    parts = [f"/* generated driver {n} */\n#include <linux/kernel.h>\n"]
    for f in range(FUNCTIONS):
        parts.append(f"""
static int demo{n}_op{f}(struct demo *d, int arg)
{{
	unsigned long flags;
	int ret = 0, i;

	spin_lock_irqsave(&d->lock, flags);
	for (i = 0; i < d->count; i++) {{
		if (d->slots[i] == arg) {{
			ret = -EBUSY;
			goto unlock;
		}}
	}}
	ret = demo_commit(d, arg);
	if (ret)
		goto unlock;
	d->last = arg;
unlock:
	spin_unlock_irqrestore(&d->lock, flags);
	return ret;
}}
""")
    return "".join(parts)


def patch_mail(n: int, total: int, base: str) -> str:
    lines = base.split("\n")
    at = next(i for i, line in enumerate(lines) if "d->last = arg;" in line)
    hunk = lines[at - 3:at + 4]
    diff = (f"diff --git a/drivers/demo/d{n}.c b/drivers/demo/d{n}.c\n"
            f"--- a/drivers/demo/d{n}.c\n+++ b/drivers/demo/d{n}.c\n"
            f"@@ -{at - 2},7 +{at - 2},9 @@\n"
            + "".join(f" {line}\n" for line in hunk[:3])
            + "+\tif (arg < 0)\n+\t\treturn -EINVAL;\n"
            + "".join(f" {line}\n" for line in hunk[3:]))
    return (f"From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: Ann Author <ann@example.com>\n"
            f"Subject: [PATCH {n}/{total}] demo: Reject negative slots in op0\n"
            f"Message-ID: <{n}.{total}@bench>\n\n"
            "A negative slot index makes demo_commit() write before the table, which\n"
            "corrupts the lock word next to it and hangs the next caller.\n\n"
            "Reject negative values before committing them.\n\n"
            f"Signed-off-by: Ann Author <ann@example.com>\n---\n{diff}-- \n2.40.0\n\n")


def run(total: int, rules) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        (tree / "drivers" / "demo").mkdir(parents=True)
        mails = []
        for n in range(1, total + 1):
            base = c_file(n)
            (tree / "drivers" / "demo" / f"d{n}.c").write_text(base)
            mails.append(patch_mail(n, total, base))
        mbox = Path(tmp) / "series.mbox"
        mbox.write_text("".join(mails))
        wall, cpu = time.perf_counter(), time.process_time()
        review = review_series(read_series(mbox), rules, FolderTree(tree))
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        assert any(f.rule == "pair-spinlock-irqsave" for f in review.findings)
    return cpu, wall


def fixture_patch(rules) -> None:
    """The v2 pci-hyperv patch: every rule fires, the behavioural model runs twice."""
    fixtures = ROOT / "fixtures" / "pci-hyperv"
    samples = []
    for _ in range(20):
        cpu = time.process_time()
        review = review_series(read_series(fixtures / "v2.mbox"), rules,
                               FolderTree(fixtures / "base"))
        samples.append(time.process_time() - cpu)
    assert any(f.rule == "hv-unmask-behaviour" for f in review.findings)
    print(f"pci-hyperv v2 (parse, trees, every rule, the model before and after): "
          f"{1000 * statistics.median(samples):.1f} ms CPU median")


def main() -> None:
    rules = load_rules()
    fixture_patch(rules)
    print(f"{len(rules)} rules loaded; each patch touches a {FUNCTIONS}-function file")
    for total in (1, 10, 100):
        samples = [run(total, rules) for _ in range(5 if total < 100 else 1)]
        cpu = statistics.median(s[0] for s in samples)
        wall = statistics.median(s[1] for s in samples)
        print(f"N={total:4d}: {1000 * cpu / total:7.2f} ms CPU per patch, "
              f"{wall:6.3f} s wall for the series")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process): {peak:.0f} MB")
    lorebot = str(ROOT / ".venv" / "bin" / "lorebot")
    print(f"lorebot --help: {whole_process([lorebot, '--help']):.0f} ms median whole process")
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "drivers" / "demo"
        tree.mkdir(parents=True)
        (tree / "d1.c").write_text(c_file(1))
        clean = patch_mail(1, 1, c_file(1)).replace("+\t\treturn -EINVAL;", "+\t\targ = 0;") \
            .replace("Reject negative values", "Reject negative values in demo1_op0()")
        (Path(tmp) / "clean.mbox").write_text(clean)
        args = [lorebot, "review", "--mbox", f"{tmp}/clean.mbox", "--tree", tmp]
        assert "summary: 0 error, 0 warning, 0 info" in subprocess.run(
            args, capture_output=True, text=True).stdout
        print(f"lorebot review of a patch with no findings: {whole_process(args):.0f} ms "
              "median whole process")


def whole_process(args: list[str]) -> float:
    """Median wall ms of a whole command, start-up included."""
    starts = []
    for _ in range(7):
        t = time.perf_counter()
        subprocess.run(args, capture_output=True)
        starts.append(time.perf_counter() - t)
    return 1000 * statistics.median(starts)


if __name__ == "__main__":
    main()
