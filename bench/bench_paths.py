"""Exit-path analysis cost against function size, and `lorebot paths` as a whole process.

Prints ms per function for functions of growing size (statements and branches,
up to 500 branches) to show the cost grows linearly, then the wall time of
`lorebot paths` on a generated 5,000-line file (target: <= 100 ms).

    .venv/bin/python bench/bench_paths.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.c.parse import CSource  # noqa: E402
from bot.c.paths import must_call, paired  # noqa: E402
from bot.checks.pathrule import verdict  # noqa: E402


def function(name: str, branches: int) -> str:
    body = ["\tint ret = 0;", "", "\tmutex_lock(&d->lock);"]
    for b in range(branches):
        kind = b % 4
        if kind == 0:
            body += [f"\tif (d->flag{b})", "\t\tgoto out;"]
        elif kind == 1:
            body += [f"\tret = step{b}(d);", "\tif (ret < 0 && !d->retry)", "\t\tgoto out;"]
        elif kind == 2:
            body += [f"\tswitch (d->mode{b}) {{", "\tcase 1:", f"\t\twork{b}(d);", "\t\tbreak;",
                     "\tdefault:", "\t\tbreak;", "\t}"]
        else:
            body += [f"\tfor (i = 0; i < d->n{b}; i++)", f"\t\td->v[i] = f{b}(i) ? 1 : 2;"]
    body += ["\tunmask(d);", "out:", "\tmutex_unlock(&d->lock);", "\treturn ret;"]
    return f"static int {name}(struct demo *d)\n{{\n" + "\n".join(body) + "\n}\n"


def time_function(branches: int) -> tuple[int, float]:
    text = function("f", branches)
    src = CSource(text)
    analyses = (partial(must_call, callee="unmask"),
                partial(paired, acquires={"mutex_lock"}, releases={"mutex_unlock"}))
    samples = []
    for _ in range(5):
        t = time.perf_counter()
        for analysis in analyses:
            verdict(src, "f", analysis, frozenset())
        samples.append(time.perf_counter() - t)
    return text.count("\n"), statistics.median(samples)


def main() -> None:
    print("branches  lines   ms/function (CFG + must-call + paired)  us/line")
    for branches in (10, 50, 100, 200, 500):
        lines, seconds = time_function(branches)
        print(f"{branches:8d} {lines:6d}   {1000 * seconds:10.2f}"
              f"{' ' * 30}{1e6 * seconds / lines:6.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.c"
        parts = []
        n = 0
        while sum(p.count("\n") for p in parts) < 5000:
            parts.append(function(f"fn{n}", 20))
            n += 1
        parts.append(function("target", 40))
        big.write_text("\n".join(parts))
        lines = big.read_text().count("\n")
        cmd = [str(ROOT / ".venv" / "bin" / "lorebot"), "paths", str(big), "--function",
               "target", "--acquire", "mutex_lock", "--release", "mutex_unlock"]
        runs = []
        for _ in range(7):
            t = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=False)
            runs.append(time.perf_counter() - t)
        print(f"lorebot paths on a {lines}-line file ({n + 1} functions): "
              f"{1000 * statistics.median(runs):.0f} ms median whole process")


if __name__ == "__main__":
    main()
