"""Behavioural model cost: ms per scenario on hv_irq_unmask, and against function size.

    .venv/bin/python bench/bench_model.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.c.parse import CSource  # noqa: E402
from bot.checks import load_rules  # noqa: E402
from bot.model.interp import Interpreter  # noqa: E402
from bot.model.load import load_model  # noqa: E402
from bot.model.scenario import run_scenario  # noqa: E402
from bot.model.values import Obj  # noqa: E402

FIXTURES = ROOT / "fixtures" / "pci-hyperv"


def per_scenario() -> None:
    rule = next(r for r in load_rules() if r.id == "hv-unmask-behaviour")
    model = load_model((rule.pack.folder / rule.params["model"]).resolve())
    for name, path in (("base", FIXTURES / "base/drivers/pci/controller/pci-hyperv.c"),
                       ("v2", FIXTURES / "src/v2.c"), ("v3", FIXTURES / "src/v3.c")):
        src = CSource(path.read_text())
        cells = []
        for scenario in model.scenarios:
            samples = []
            for _ in range(20):
                t = time.perf_counter()
                outcome = run_scenario(model, src, scenario)
                samples.append(time.perf_counter() - t)
            cells.append(f"{scenario.id} {1000 * statistics.median(samples):.2f} ms "
                         f"({outcome.verdict}, {outcome.paths} path(s))")
        print(f"{name}: " + "; ".join(cells))


def straight_function(statements: int) -> str:
    body = "".join(f"\tacc = acc * 3 + {n};\n\tif (acc > {n * 7})\n\t\tacc -= {n};\n"
                   for n in range(statements // 3))
    return f"int f(void)\n{{\n\tu32 acc = 1;\n\n{body}\treturn acc;\n}}\n"


def per_size() -> None:
    print("statements  ms per run (one concrete path)  us per statement")
    for statements in (30, 300, 3000):
        src = CSource(straight_function(statements))
        interp = Interpreter(src, src.function("f"), {})
        samples = []
        for _ in range(5):
            t = time.perf_counter()
            interp.explore(lambda: Obj("st"), lambda st: [])
            samples.append(time.perf_counter() - t)
        ms = 1000 * statistics.median(samples)
        print(f"{statements:10d}  {ms:10.2f}{' ' * 24}{1000 * ms / statements:8.1f}")


if __name__ == "__main__":
    per_scenario()
    per_size()
