"""The states-problem rule against the labelled commit logs, codespell's dictionary
load, and the cost of the commit-log rules per log.

Prints agreement with the hand labels of tests/data/commit_logs.toml in both
directions (logs that say enough for their kind must pass, the others must be
flagged; every disagreement is explained there), the time to make codespell's
dictionary usable in a fresh process (as it was: a dict of every entry built
from the text; as it is: the precompiled buckets read from the cache, and the
first use that builds them), and the median time of all commit-log rules per log.

    .venv/bin/python bench/bench_log_rules.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from logset import context_for, flags, labelled_logs, rule  # noqa: E402

from bot.checks import load_rules  # noqa: E402
from bot.checks.commit_log import check  # noqa: E402

RUNS = 9
# the dictionary as every process built it before: 65,000 str.partition calls
OLD_LOAD = """
import time
t = time.perf_counter()
from importlib.resources import files
table = {}
text = files("codespell_lib").joinpath("data", "dictionary.txt").read_text("utf-8")
for entry in text.splitlines():
    wrong, _, right = entry.partition("->")
    if right and "disabled" not in right:
        table[wrong] = right.rstrip(", ").strip()
print(1000 * (time.perf_counter() - t))
"""
NEW_LOAD = """
import time
from bot.checks import codespell_table
t = time.perf_counter()
codespell_table.buckets()
codespell_table.suggestion("occured")
print(1000 * (time.perf_counter() - t))
"""


def fresh_process_ms(code: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip())


def dictionary_load() -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "XDG_CACHE_HOME": cache}
        old = statistics.median(fresh_process_ms(OLD_LOAD, env) for _ in range(RUNS))
        first = fresh_process_ms(NEW_LOAD, env)  # builds and stores the buckets
        warm = statistics.median(fresh_process_ms(NEW_LOAD, env) for _ in range(RUNS))
    print(f"codespell dictionary, fresh process, median of {RUNS}: "
          f"before (dict of every entry) {old:.1f} ms; now {warm:.1f} ms "
          f"(first use, building the cache: {first:.1f} ms)")


def agreement() -> None:
    logs = labelled_logs()
    states = rule("log-states-problem")
    passed = {True: 0, False: 0}
    for entry in logs:
        predicted = not flags(states, entry)
        passed[entry.enough] += predicted
        if predicted != entry.enough:
            print(f"  disagree: {entry.subject}\n    why: {entry.disagreement or '(unexplained)'}")
    enough = sum(e.enough for e in logs)
    short = len(logs) - enough
    agree = passed[True] + short - passed[False]
    print(f"states-problem agrees with the labels on {agree}/{len(logs)} logs "
          f"({100 * agree / len(logs):.1f} %)")
    flagged = short - passed[False]
    print(f"  logs that say enough for their kind: {passed[True]}/{enough} pass "
          f"({100 * passed[True] / enough:.1f} %); logs that do not: "
          f"{flagged}/{short} flagged ({100 * flagged / short:.1f} %)")


def rule_cost() -> None:
    logs = labelled_logs()
    content = [r for r in load_rules() if r.kind == "commit-log"]
    samples = []
    for entry in logs:
        ctx = context_for(entry.subject, entry.text)
        t = time.perf_counter()
        for r in content:
            check(r, ctx)
        samples.append(time.perf_counter() - t)
    print(f"all {len(content)} commit-log rules: {1000 * statistics.median(samples):.2f} ms "
          f"median per log, {1000 * max(samples):.2f} ms max (the first log pays for "
          "compiling the cue lists)")


def main() -> None:
    agreement()
    dictionary_load()
    rule_cost()


if __name__ == "__main__":
    main()
