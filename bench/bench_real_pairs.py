"""Exit-path rules on real fix pairs, and their noise on a real driver history.

Pairs (bench/pairs/*.toml, our reproductions of real kernel fixes): each becomes
a git history and is reviewed the way a maintainer's bot would see it, one
commit at a time with ``lorebot review --range C^..C --repo``:

- before: the buggy function, added to its file, must get an exit-path finding;
- after: the fixed function, added to its file, must get none;
- fixed: the fix commit (buggy -> fixed) must say ``fixed`` and leave nothing;
- introduced: where the introducing commit is known, its review must flag the
  function ``introduced``.

History (``--history REPO --last N``): every non-merge commit of a real tree,
reviewed alone; prints the exit-path findings (paired-calls, must-call) that
accepted commits get, by rule.

``--code DIR`` reviews with another checkout of lorebot (e.g. the commit before
a change, for before/after figures); the default is this one.

    .venv/bin/python bench/bench_real_pairs.py
    .venv/bin/python bench/bench_real_pairs.py --history PATH/TO/rtw89 --last 300
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from history_repo import history_repo  # noqa: E402

from bot.c.parse import CSource  # noqa: E402

EXIT_KINDS = {"paired-calls", "must-call"}
ACTIVE = {"introduced", "preexisting"}
REVIEW = ("import sys\nfrom bot.cli import main\n"
          "sys.exit(main(['review', '--range', sys.argv[1], '--repo', sys.argv[2],"
          " '--format', 'json', '--fail-on', 'never']))\n")


def review(code: Path, repo: Path, commit: str) -> list[dict]:
    """The exit-path findings of one commit reviewed alone by the lorebot in ``code``."""
    proc = subprocess.run([sys.executable, "-c", REVIEW, f"{commit}^..{commit}", str(repo)],
                          capture_output=True, text=True, cwd=code, timeout=300,
                          env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin",
                               "HOME": str(repo)})
    if proc.returncode not in (0, 1):
        return [{"kind": "error", "message": proc.stderr.strip()[-300:], "function": None,
                 "status": None, "rule": "review-failed"}]
    return [f for f in json.loads(proc.stdout)["findings"] if f["kind"] in EXIT_KINDS]


def without_function(text: str, name: str) -> str:
    """``text`` with the definition of ``name`` cut out (the file before it was added)."""
    fn = CSource(text).function(name)
    if fn is None:
        raise SystemExit(f"{name}() not found")
    lines = text.split("\n")
    return "\n".join(lines[:fn.start_line - 1] + lines[fn.end_line:])


def judge_pair(code: Path, pair: dict, work: Path) -> dict:
    """Each verdict counts the findings of the pair's own rule, as ``lorebot paths`` with
    that pair would; findings of other rules on the fixed function are counted apart."""
    name, rule = pair["function"], pair["rule"]
    extra = {e["path"]: e["text"] for e in pair.get("extra", [])}
    base = {pair["file"]: without_function(pair["before"], name), **extra}
    ids = history_repo(work / "fix", [("demo: base", base),
                                      ("demo: the bug", {pair["file"]: pair["before"]}),
                                      ("demo: the fix", {pair["file"]: pair["after"]})])


    def of_pair(findings: list[dict]) -> list[dict]:
        return [f for f in findings if f["function"] == name and f["rule"] == rule]

    added_bug = of_pair(review(code, work / "fix", ids[1]))
    fix = of_pair(review(code, work / "fix", ids[2]))
    ids_ok = history_repo(work / "ok", [("demo: base", base),
                                        ("demo: fixed", {pair["file"]: pair["after"]})])
    on_fixed = [f for f in review(code, work / "ok", ids_ok[1]) if f["function"] == name]
    added_ok = [f for f in on_fixed if f["rule"] == rule]
    result = {
        "others": sum(1 for f in on_fixed if f["rule"] != rule and f["status"] in ACTIVE),
        "before": any(f["status"] in ACTIVE for f in added_bug),
        "after": not any(f["status"] in ACTIVE for f in added_ok),
        "fixed": any(f["status"] == "fixed" for f in fix) and
        not any(f["status"] in ACTIVE for f in fix),
    }
    if "introduced_by" in pair:
        if "introducing_before" in pair:
            intro = history_repo(work / "intro", [
                ("demo: before", {pair["file"]: pair["introducing_before"], **extra}),
                ("demo: the bug", {pair["file"]: pair["before"]})])
            got = of_pair(review(code, work / "intro", intro[1]))
        else:
            got = added_bug
        result["introduced"] = any(f["status"] == "introduced" for f in got)
    return result


def run_pairs(code: Path, only: list[str]) -> None:
    files = sorted((ROOT / "bench" / "pairs").glob("*.toml"))
    totals: Counter = Counter()
    print(f"{'pair':42} before after fixed introduced other-rules-on-fixed")
    for path in files:
        if only and not any(o in path.stem for o in only):
            continue
        pair = tomllib.loads(path.read_text())
        with tempfile.TemporaryDirectory() as tmp:
            got = judge_pair(code, pair, Path(tmp))
        others = got.pop("others")
        marks = {k: ("ok" if v else "MISS") for k, v in got.items()}
        print(f"{path.stem:42} {marks['before']:6} {marks['after']:5} {marks['fixed']:5} "
              f"{marks.get('introduced', '-'):10} {others or ''}")
        totals["others"] += others
        for key, value in got.items():
            totals[key, "n"] += 1
            totals[key, "ok"] += value
    verdicts = totals["before", "ok"] + totals["after", "ok"]
    print(f"\nverdicts right: {verdicts}/{totals['before', 'n'] + totals['after', 'n']} "
          f"(bug found {totals['before', 'ok']}/{totals['before', 'n']}, fixed code clean "
          f"{totals['after', 'ok']}/{totals['after', 'n']})")
    print(f"fix commits reported fixed: {totals['fixed', 'ok']}/{totals['fixed', 'n']}")
    print(f"introducing commits flagged: {totals['introduced', 'ok']}/"
          f"{totals['introduced', 'n']}")
    print(f"findings of other exit-path rules on the fixed functions: {totals['others']}")


def run_history(code: Path, repo: Path, last: int) -> None:
    commits = subprocess.run(["git", "-C", str(repo), "rev-list", "--no-merges", f"-{last}",
                              "HEAD"], capture_output=True, text=True, check=True).stdout.split()
    by_rule: Counter = Counter()
    flagged = []
    start = time.monotonic()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    for commit in commits:
        parents = subprocess.run(["git", "-C", str(repo), "rev-list", "--parents", "-1", commit],
                                 capture_output=True, text=True, check=True).stdout.split()
        if len(parents) < 2:
            continue
        found = [f for f in review(code, repo, commit) if f["status"] in ACTIVE or
                 f["rule"] == "review-failed"]
        if found:
            subject = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%s",
                                      commit], capture_output=True, text=True).stdout.strip()
            flagged.append((commit[:12], subject, found))
        by_rule.update(f["rule"] for f in found)
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    print(f"{len(commits)} commits of {repo} in {time.monotonic() - start:.0f} s "
          f"({seconds:.0f} s CPU); {len(flagged)} with an active exit-path finding")
    for rule, count in by_rule.most_common():
        print(f"  {rule:28} {count}")
    for commit, subject, found in flagged:
        print(f"{commit} {subject[:70]}")
        for f in found:
            print(f"    {f['rule']} {f.get('file')}:{f.get('line')} {f['function']}() "
                  f"[{f['status']}] {f['message'][:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="the lorebot checkout to run")
    parser.add_argument("--history", type=Path, help="a git repository to review commit by "
                                                      "commit instead of the pairs")
    parser.add_argument("--last", type=int, default=300)
    parser.add_argument("only", nargs="*", help="only the pairs whose name contains these")
    args = parser.parse_args()
    if args.history:
        run_history(args.code.resolve(), args.history.resolve(), args.last)
    else:
        run_pairs(args.code.resolve(), args.only)


if __name__ == "__main__":
    main()
