"""The states-problem rule against the labelled commit logs, and the cost per log.

Prints agreement with the hand labels of tests/data/commit_logs.toml (every
disagreement is explained there), the confusion counts, and the median time of
all commit-log content rules per log (target: well under 10 ms).

    .venv/bin/python bench/bench_log_rules.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from logset import context_for, flags, labelled_logs, rule  # noqa: E402

from bot.checks import load_rules  # noqa: E402
from bot.checks.commit_log import check  # noqa: E402
from bot.checks.log_content import misspellings  # noqa: E402


def main() -> None:
    logs = labelled_logs()
    states = rule("log-states-problem")
    confusion = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for entry in logs:
        predicted = not flags(states, entry)
        confusion[(entry.problem, predicted)] += 1
        if predicted != entry.problem:
            print(f"  disagree: {entry.subject}\n    why: {entry.disagreement or '(unexplained)'}")
    agree = confusion[(True, True)] + confusion[(False, False)]
    print(f"states-problem agrees with the labels on {agree}/{len(logs)} logs "
          f"({100 * agree / len(logs):.1f} %)")
    print(f"  logs that state a problem: {confusion[(True, True)]} pass, "
          f"{confusion[(True, False)]} flagged; logs that do not: "
          f"{confusion[(False, False)]} flagged, {confusion[(False, True)]} pass")
    t = time.perf_counter()
    misspellings()
    load_ms = 1000 * (time.perf_counter() - t)
    print(f"codespell dictionary load (once per process): {load_ms:.1f} ms")
    content = [r for r in load_rules() if r.kind == "commit-log"]
    samples = []
    for entry in logs:
        ctx = context_for(entry.subject, entry.text)
        t = time.perf_counter()
        for r in content:
            check(r, ctx)
        samples.append(time.perf_counter() - t)
    print(f"all {len(content)} commit-log rules: {1000 * statistics.median(samples):.2f} ms "
          f"median per log, {1000 * max(samples):.2f} ms max")


if __name__ == "__main__":
    main()
