"""What a backtest found, per rule and per commit, as text or JSON.

Rates count active findings of severity warning or error (what a maintainer
would see in a reply); info findings ("could not analyse") are counted apart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.backtest.commits import CommitResult, FindingView
from bot.backtest.run import Backtest

COMMIT_LOG = "commit-log"


@dataclass
class RuleRow:
    rule: str
    findings: int = 0  # active warnings and errors
    commits: int = 0  # commits with at least one of them
    errors: int = 0  # of which severity error
    info: int = 0

    def share(self, counted: int) -> float:
        return self.commits / counted if counted else 0.0


def _noisy(view: FindingView) -> bool:
    return view.finding.severity != "info"


def rule_rows(results: list[CommitResult]) -> list[RuleRow]:
    rows: dict[str, RuleRow] = {}
    for result in results:
        hit: set[str] = set()
        for view in result.findings:
            row = rows.setdefault(view.finding.rule, RuleRow(view.finding.rule))
            if not _noisy(view):
                row.info += 1
                continue
            row.findings += 1
            row.errors += view.finding.severity == "error"
            hit.add(row.rule)
        for rule in hit:
            rows[rule].commits += 1
    return sorted(rows.values(), key=lambda r: (-r.commits, -r.info, r.rule))


def commit_counts(results: list[CommitResult]) -> dict[str, int]:
    """How many commits got any warning/error, any error, and the same for commit-log rules."""
    def count(pred) -> int:
        return sum(1 for r in results if any(_noisy(v) and pred(v.finding) for v in r.findings))

    return {
        "any": count(lambda f: True),
        "error": count(lambda f: f.severity == "error"),
        "commit_log": count(lambda f: f.kind == COMMIT_LOG),
        "commit_log_error": count(lambda f: f.kind == COMMIT_LOG and f.severity == "error"),
    }


def sample(results: list[CommitResult], n: int, seed: int,
           rules: list[str] | None = None) -> list[tuple[CommitResult, FindingView]]:
    """``n`` warnings/errors drawn at random (reproducible by ``seed``) for a person to judge."""
    pool = [(r, v) for r in results for v in r.findings
            if _noisy(v) and (not rules or v.finding.rule in rules)]
    picked = sorted(random.Random(seed).sample(range(len(pool)), min(n, len(pool))))
    return [pool[i] for i in picked]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def render_text(bt: Backtest, drawn: list[tuple[CommitResult, FindingView]]) -> str:
    counted = bt.counted
    total = len(counted)
    out = [f"backtest of {bt.repository}" + (f", range {bt.range}" if bt.range else "")
           + (f", paths {' '.join(bt.pathspecs)}" if bt.pathspecs else ""),
           f"{len(bt.results)} commits: {total} reviewed, {len(bt.left_out)} left out "
           f"(not kernel style: no \"subsystem: \" subject, no Signed-off-by or no "
           f"sign of a maintainer; --all-commits reviews them), {len(bt.failed)} could "
           "not be reviewed"]
    counts = commit_counts(counted)
    out.append(f"commits with a warning or error: {counts['any']} ({_pct(counts['any'], total)}), "
               f"with an error: {counts['error']} ({_pct(counts['error'], total)})")
    out.append(f"  from commit-log rules: {counts['commit_log']} "
               f"({_pct(counts['commit_log'], total)}), with an error: "
               f"{counts['commit_log_error']} ({_pct(counts['commit_log_error'], total)})")
    rows = rule_rows(counted)
    if rows:
        width = max(len(r.rule) for r in rows)
        out += ["", f"{'rule':{width}}  findings  commits   share  errors  info"]
        out += [f"{r.rule:{width}}  {r.findings:8}  {r.commits:7}  {_pct(r.commits, total):>6}"
                f"  {r.errors:6}  {r.info:4}" for r in rows]
    recall = bt.recall
    judged = recall.judged
    out += ["", f"Fixes: pairs with both commits in the repository: {len(recall.pairs)} "
                f"({recall.outside} Fixes: name commits not in it)"]
    if judged:
        out.append(f"  introducing commit flagged in a function the fix changes: "
                   f"{sum(p.flagged for p in judged)}/{len(judged)}")
        out.append(f"  fix review says fixed: {sum(p.fixed for p in judged)}/{len(judged)}")
    for pair in recall.pairs:
        verdict = pair.note or (f"flagged {'yes' if pair.flagged else 'no'}, "
                                f"fixed {'yes' if pair.fixed else 'no'}")
        out.append(f"  {pair.introducing[:12]} <- {pair.fix[:12]} {pair.subject}: {verdict}")
    if bt.failed:
        out += ["", "could not be reviewed:"]
        out += [f"  {r.sha[:12]} {r.subject}: {r.error}" for r in bt.failed]
    for n, (result, view) in enumerate(drawn, 1):
        f = view.finding
        if n == 1:
            out += ["", f"sample of {len(drawn)} findings to judge:"]
        out.append(f"[{n}] {result.sha[:12]} {result.subject}")
        out.append(f"    {f.rule} ({f.severity}): {f.message}")
        out += [f"    | {line}" for line in view.lines]
    return "\n".join(out) + "\n"


def to_json(bt: Backtest, drawn: list[tuple[CommitResult, FindingView]]) -> dict:
    counted = bt.counted
    total = len(counted)
    recall = bt.recall
    return {
        "repository": bt.repository,
        "range": bt.range,
        "pathspecs": bt.pathspecs,
        "commits": {"selected": len(bt.results), "reviewed": total,
                    "left_out": len(bt.left_out), "failed": len(bt.failed)},
        "with_findings": commit_counts(counted),
        "rules": [{"rule": r.rule, "findings": r.findings, "commits": r.commits,
                   "share": round(r.share(total), 4), "errors": r.errors, "info": r.info}
                  for r in rule_rows(counted)],
        "failed": [{"commit": r.sha, "subject": r.subject, "reason": r.error}
                   for r in bt.failed],
        "recall": {
            "pairs": len(recall.pairs), "judged": len(recall.judged),
            "flagged": sum(p.flagged for p in recall.judged),
            "fixed": sum(p.fixed for p in recall.judged), "outside": recall.outside,
            "list": [{"fix": p.fix, "introducing": p.introducing, "subject": p.subject,
                      "flagged": p.flagged, "fixed": p.fixed, "note": p.note}
                     for p in recall.pairs],
        },
        "sample": [{"commit": r.sha, "subject": r.subject, "rule": v.finding.rule,
                    "severity": v.finding.severity, "message": v.finding.message,
                    "lines": v.lines} for r, v in drawn],
        "per_commit": [{"commit": r.sha, "subject": r.subject,
                        "rules": sorted({v.finding.rule for v in r.findings if _noisy(v)})}
                       for r in counted],
    }
