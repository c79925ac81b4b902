"""One ``lorebot review`` of the v2 fixture in this fresh process, timed by phase.

Run by ``bench_startup.py --phases`` (one process per sample); prints the CPU ms
of each phase on one line as ``name=ms`` pairs. The phases import what the
command imports, in the order it does, so their sum is the review's cost above
the bare interpreter (less the interpreter's exit).
"""

import time

CLOCK = time.process_time
marks: list[tuple[str, float]] = [("start", CLOCK())]


def mark(name: str) -> None:
    marks.append((name, CLOCK()))


import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "pci-hyperv"
sys.path.insert(0, str(ROOT))
mark("python's_own_imports")

from bot import cli  # noqa: E402

args = cli.build_parser("review").parse_args(
    ["review", "--mbox", str(FIXTURES / "v2.mbox"), "--tree", str(FIXTURES / "base")])
mark("argparse_and_the_review_parser")

import bot.checks  # noqa: E402, F401
import bot.report  # noqa: E402, F401
import bot.request  # noqa: E402, F401
import bot.review  # noqa: E402, F401

mark("imports:_data_model,_rule_engine,_review,_reports")

rules = bot.checks.load_rules()
mark("load_rules_(warm_cache)")

import bot.source.mbox  # noqa: E402

mark("imports:_mail_parsing_(email,_unidiff)")

series = bot.source.mbox.read_series(args.mbox)
mark("reading_the_mbox")

import tree_sitter_c  # noqa: E402, F401

import bot.checks.behaviour  # noqa: E402, F401
import bot.checks.log_content  # noqa: E402, F401
import bot.checks.log_structure  # noqa: E402, F401
import bot.checks.pathrule  # noqa: E402, F401
import bot.model.scenario  # noqa: E402, F401

mark("imports:_C_front_end,_tree-sitter,_interpreter,_log_rules")

from bot.tree import FolderTree  # noqa: E402

review = bot.review.review_series(series, rules, FolderTree(args.tree))
mark("the_review_(first_use_costs_included)")

bot.report.render(review, "text")
mark("rendering_text")

print(" ".join(f"{name}={1000 * (at - before):.2f}"
               for (_, before), (name, at) in zip(marks, marks[1:], strict=False)))
