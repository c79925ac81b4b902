"""The labelled commit logs of tests/data/commit_logs.toml, run through one log rule."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.checks import load_rules
from bot.checks.commit_log import check
from bot.checks.context import PatchContext
from bot.series import Message, Series
from bot.source.patchmail import parse_patch

DATA = Path(__file__).resolve().parent / "data" / "commit_logs.toml"
TRAILER = re.compile(r"^[A-Z][\w-]*: \S")


@dataclass
class LabelledLog:
    subject: str
    text: str
    kind: str
    problem: bool  # the log states a problem
    enough: bool  # the log says what its kind of patch must say: states-problem passes it
    disagreement: str


def labelled_logs() -> list[LabelledLog]:
    entries = tomllib.loads(DATA.read_text())["log"]
    return [LabelledLog(e["subject"], e["text"].strip() + "\n", e["kind"], e["problem"],
                        e.get("enough", e["problem"]), e.get("disagreement", ""))
            for e in entries]


def context_for(subject: str, log: str) -> PatchContext:
    """A one-patch series whose commit message is ``subject`` and ``log`` (which may
    end in its own trailers)."""
    last = log.rstrip("\n").rsplit("\n", 1)[-1]
    joint = "" if TRAILER.match(last) else "\n"  # join the log's own trailer block
    body = f"{log}{joint}Signed-off-by: Ann Author <ann@example.com>\n"
    message = Message("log@example.com", f"[PATCH] {subject}", "Ann Author", "ann@example.com",
                      "", body=body)
    patch = parse_patch(message)
    return PatchContext(Series(1, 1, [patch]), patch, None)


def rule(rule_id: str):
    return next(r for r in load_rules() if r.id == rule_id)


def flags(rule_obj, entry: LabelledLog) -> bool:
    return bool(check(rule_obj, context_for(entry.subject, entry.text)))
