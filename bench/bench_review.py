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
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOREBOT = str(ROOT / ".venv" / "bin" / "lorebot")
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
    """Review one series in this process; print the review's CPU ms per patch."""
    with tempfile.TemporaryDirectory() as tmp:
        mbox = write_series(Path(tmp), total)
        rules = load_rules()
        series = read_series(mbox)
        cpu = time.process_time()
        review = review_series(series, rules, FolderTree(Path(tmp) / "tree"))
        cpu = time.process_time() - cpu
        assert sum(f.rule == "pair-spinlock-irqsave" for f in review.findings) == total
    print(f"{1000 * cpu / total:.3f}")


def environment() -> dict[str, str]:
    """The caller's environment with bytecode caching on and a private rule cache."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="lorebot-bench-cache-")
    return env


def whole_process(args: list[str], env: dict[str, str], stdin: Path | None = None,
                  cwd: Path = ROOT) -> tuple[float, float, float]:
    """CPU ms (user + sys), wall ms and peak RSS in MB of one run of ``args``."""
    source = open(stdin, "rb") if stdin else subprocess.DEVNULL  # noqa: SIM115
    try:
        wall = time.perf_counter()
        child = subprocess.Popen(args, stdin=source, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        _, _, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - wall
        child.returncode = 0  # reaped by wait4
    finally:
        if stdin:
            source.close()
    return 1000 * (usage.ru_utime + usage.ru_stime), 1000 * wall, usage.ru_maxrss / 1024


def series_figures(total: int, runs: int, env: dict[str, str]) -> tuple[float, float, float]:
    """For ``lorebot review`` of a ``total``-patch series: median whole-process CPU ms per
    patch and peak MB, and the median CPU ms per patch of the review alone (in-process)."""
    with tempfile.TemporaryDirectory() as tmp:
        mbox = write_series(Path(tmp), total)
        args = [LOREBOT, "review", "--mbox", str(mbox), "--tree", f"{tmp}/tree", "--format",
                "json"]
        report = json.loads(subprocess.run(args, capture_output=True, text=True,
                                           env=env).stdout)
        assert sum(f["rule"] == "pair-spinlock-irqsave" for f in report["findings"]) == total
        runs_out = [whole_process(args, env) for _ in range(runs)]
    alone = [float(subprocess.run([sys.executable, __file__, "--child", str(total)], env=env,
                                  capture_output=True, text=True, check=True).stdout.split()[0])
             for _ in range(runs)]
    return (statistics.median(r[0] for r in runs_out) / total,
            statistics.median(r[2] for r in runs_out), statistics.median(alone))


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
          "lorebot review --mbox --tree, one process per run")
    env = environment()
    for total in options.sizes:
        per_patch, peak, alone = series_figures(total, 5 if total <= 100 else 3, env)
        print(f"N={total:4d}: whole process {per_patch:7.2f} ms CPU per patch, peak RSS "
              f"{peak:6.1f} MB; the review alone {alone:6.2f} ms CPU per patch")


if __name__ == "__main__":
    main()
