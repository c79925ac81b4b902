"""A fuzz campaign over ``lorebot review``: N hostile variants of the fixture mails.

The mutators of tests/fuzzing.py (the suite's fuzz test draws from them too),
run N times outside the suite: half mutate the whole mail (headers, MIME, diff,
hunk headers, subjects), half only the added C lines. Each variant is reviewed
in-process by ``bot.cli.main`` (its review in the budget child, 10 s), timed
(wall, and the child's CPU), and judged: exit 70 (a bug of ours) and exit 7
(over the budget) are failures, kept with their variant in OUT/. The budget is
wall time, so on a busy machine a review can pass it without being slow: each
exit 7 is replayed at the end and counts only if it goes over again. Prints exit
codes, the slowest runs and one line per failure signature.

    .venv/bin/python bench/fuzz_campaign.py [--runs 10000] [--seed 1] [--out DIR]
"""

from __future__ import annotations

import argparse
import collections
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fuzzing import SEEDS, mutate, mutate_c, review_exit_code  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"))
    args = parser.parse_args()
    codes: collections.Counter = collections.Counter()
    failures: dict[str, list[Path]] = collections.defaultdict(list)
    slowest: list[tuple[float, int, str]] = []
    started = time.monotonic()
    seeds = sorted(SEEDS)
    with tempfile.TemporaryDirectory() as tmp:
        mail = Path(tmp) / "variant.mbox"
        for run in range(args.runs):
            rng = random.Random(args.seed * 1_000_003 + run)
            seed = rng.choice(seeds)
            mutator = mutate if run % 2 == 0 else mutate_c
            variant = mutator(SEEDS[seed], rng)
            mail.write_bytes(variant)
            began, cpu = time.monotonic(), _children_cpu()
            code, stderr = review_exit_code(mail)
            took, cpu = time.monotonic() - began, _children_cpu() - cpu
            if code == 7:  # over the wall-time budget: slow, or a busy machine?
                code, stderr = review_exit_code(mail)
            codes[code] += 1
            slowest = sorted([*slowest, (took, cpu, run, f"{mutator.__name__} {seed}")])[-5:]
            if code in (7, 70) or len(stderr.splitlines()) > 1:
                signature = " ".join(stderr.split())[:160]
                args.out.mkdir(parents=True, exist_ok=True)
                kept = args.out / f"run{run}-exit{code}.mbox"
                kept.write_bytes(variant)
                failures[signature].append(kept)
            if (run + 1) % 500 == 0:
                print(f"{run + 1} runs, {time.monotonic() - started:.0f} s, exits "
                      f"{dict(sorted(codes.items()))}, {sum(map(len, failures.values()))} "
                      "failures", flush=True)
    print(f"\n{args.runs} runs in {time.monotonic() - started:.0f} s; exit codes: "
          f"{dict(sorted(codes.items()))}")
    print("slowest: " + "; ".join(f"{t:.2f} s wall, {c:.2f} s CPU (run {r}, {what})"
                                  for t, c, r, what in slowest))
    for signature, kept in sorted(failures.items(), key=lambda item: -len(item[1])):
        print(f"{len(kept):5d} x {signature}  e.g. {kept[0]}")
    if not failures:
        print("no exit 70, no exit 7, no error of more than one line")


if __name__ == "__main__":
    main()
