"""Review cost per patch and peak memory for generated series of 1, 100 and 500 patches.

Each patch changes one function of a realistic C file (locks, gotos, loops) in
its own file, and the review runs everything: mail parsing, trees, every rule
of the bundled packs. Each series is reviewed in a fresh process, which prints
the CPU ms per patch of the review and its peak memory (max RSS, start-up
included). The pci-hyperv v2 patch (every rule fires, the model runs before and
after) is timed in-process first.

    .venv/bin/python bench/bench_review.py [--sizes 1 100 500]
"""

from __future__ import annotations

import argparse
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


def write_series(folder: Path, total: int) -> Path:
    """A tree of ``total`` driver files and an mbox of one patch to each."""
    tree = folder / "tree"
    (tree / "drivers" / "demo").mkdir(parents=True)
    mails = []
    for n in range(1, total + 1):
        base = c_file(n)
        (tree / "drivers" / "demo" / f"d{n}.c").write_text(base)
        mails.append(patch_mail(n, total, base))
    mbox = folder / "series.mbox"
    mbox.write_text("".join(mails))
    return mbox


def child(total: int) -> None:
    """Review one series in this process; print CPU ms per patch and peak RSS in MB."""
    with tempfile.TemporaryDirectory() as tmp:
        mbox = write_series(Path(tmp), total)
        rules = load_rules()
        series = read_series(mbox)
        cpu = time.process_time()
        review = review_series(series, rules, FolderTree(Path(tmp) / "tree"))
        cpu = time.process_time() - cpu
        assert sum(f.rule == "pair-spinlock-irqsave" for f in review.findings) == total
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{1000 * cpu / total:.3f} {peak:.1f}")


def series_figures(total: int, runs: int) -> tuple[float, float]:
    """Median CPU ms per patch and peak MB over ``runs`` fresh processes."""
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, __file__, "--child", str(total)],
                             capture_output=True, text=True, check=True).stdout.split()
        samples.append((float(out[0]), float(out[1])))
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


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
          f"{1000 * statistics.median(samples):.1f} ms CPU median, in-process")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 500])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child)
        return
    rules = load_rules()
    fixture_patch(rules)
    print(f"{len(rules)} rules; each patch touches its own {FUNCTIONS}-function file; "
          "one fresh process per series")
    for total in options.sizes:
        per_patch, peak = series_figures(total, 5 if total <= 100 else 3)
        print(f"N={total:4d}: {per_patch:7.2f} ms CPU per patch (review), "
              f"peak RSS {peak:6.1f} MB")


if __name__ == "__main__":
    main()
