"""Whole-process cost of the commands kernel people run one patch at a time.

``lorebot review`` of one patch, ``lorebot b4-check`` (which b4 runs once per
patch) and ``lorebot --help``, each beside the bare interpreter start, as CPU
time (user + sys of the child, which other work on a shared machine disturbs
less than wall time) and wall time, medians of many runs. Bytecode is written
on a first run and used after, as for an installed copy. With ``--checkpatch
PATH`` (the kernel's scripts/checkpatch.pl, kept outside this repository)
checkpatch.pl runs on the same mail for comparison.

With ``--server`` the commands go to a warm ``lorebot server`` started on a
socket folder of the bench's own: each is given as the client's CPU alone
(median) and as the client plus what the server spent for it (its
utime + stime + cutime + cstime from /proc, whose clock ticks are too coarse for
one request: the mean over all runs), beside ``lorebot paths`` on a 10,000-line
file.

    .venv/bin/python bench/bench_startup.py [--runs 21] [--checkpatch PATH] [--phases]
        [--server]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_paths import generated_file  # noqa: E402
from bench_review import (  # noqa: E402
    LOREBOT,
    c_file,
    environment,
    patch_mail,
    whole_process,
)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
FIXTURES = ROOT / "fixtures" / "pci-hyperv"
MAIL = FIXTURES / "v2.mbox"
TARGET_ABOVE_BARE_MS = 60


def clean_patch(folder: Path) -> Path:
    """A generated one-patch mbox with no findings, its base file under ``folder``."""
    (folder / "drivers" / "demo").mkdir(parents=True)
    (folder / "drivers" / "demo" / "d1.c").write_text(c_file(1))
    clean = patch_mail(1, 1, c_file(1)).replace("+\t\treturn -EINVAL;", "+\t\targ = 0;") \
        .replace("Reject negative values", "Reject negative values in demo1_op0()")
    mbox = folder / "clean.mbox"
    mbox.write_text(clean)
    return mbox


def measure(args: list[str], runs: int, env: dict[str, str], stdin: Path | None = None,
            cwd: Path = ROOT) -> tuple[float, float]:
    """Median CPU ms and wall ms over ``runs`` runs, after one warm-up run."""
    whole_process(args, env, stdin, cwd)
    samples = [whole_process(args, env, stdin, cwd) for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def server_ticks(pid: int) -> int:
    """utime + stime + cutime + cstime of ``pid`` (its reaped children's CPU included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15])


def through_server(commands: list, runs: int, env: dict[str, str]) -> None:
    """Each command through a warm server: the client alone, and with the server's part."""
    runtime = Path(tempfile.mkdtemp(prefix="lorebot-bench-run-"))
    env = {**env, "XDG_RUNTIME_DIR": str(runtime)}
    started = subprocess.run([LOREBOT, "server", "start"], env=env, capture_output=True,
                             text=True, check=True).stdout
    pid = int(started.split()[3].rstrip(","))
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    try:
        print(f"through a warm server (pid {pid}); the server's part is a mean over "
              f"{runs + 1} runs")
        for label, args, stdin, cwd in commands:
            before = server_ticks(pid)
            client, wall = measure(args, runs, env, stdin, cwd)
            server = (server_ticks(pid) - before) * tick_ms / (runs + 1)
            print(f"{label:48s} client {client:6.1f} ms CPU, + server {server:6.1f} = "
                  f"{client + server:6.1f} ms CPU {wall:7.1f} ms wall")
    finally:
        subprocess.run([LOREBOT, "server", "stop"], env=env, capture_output=True, check=True)


def phases(runs: int, env: dict[str, str]) -> None:
    """Median CPU ms of each phase of the v2 review, each sample a fresh process."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        out = subprocess.run([PYTHON, str(ROOT / "bench" / "startup_phases.py")], env=env,
                             capture_output=True, text=True, check=True).stdout
        for pair in out.split():
            name, ms = pair.rsplit("=", 1)
            samples.setdefault(name.replace("_", " "), []).append(float(ms))
    print(f"the v2 review by phase, in one process (medians of {runs}):")
    for name, values in samples.items():
        print(f"  {name:62s} {statistics.median(values):6.1f} ms CPU")
    total = sum(statistics.median(v) for v in samples.values())
    print(f"  {'sum':62s} {total:6.1f} ms CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--checkpatch", type=Path, metavar="PATH",
                        help="the kernel's scripts/checkpatch.pl, to run on the same mail")
    parser.add_argument("--phases", action="store_true",
                        help="also time the v2 review by phase (imports, rules, mail, review)")
    parser.add_argument("--server", action="store_true",
                        help="also through a warm lorebot server (client alone, and with "
                             "the server's CPU for each request)")
    options = parser.parse_args()
    env = environment()
    if options.phases:
        phases(options.runs, env)
    outside = Path(tempfile.mkdtemp(prefix="lorebot-bench-"))  # not a git repository
    review = [LOREBOT, "review", "--mbox", str(MAIL), "--tree", str(FIXTURES / "base")]
    clean = [LOREBOT, "review", "--mbox", str(clean_patch(outside)), "--tree", str(outside)]
    assert "summary: 0 errors, 0 warnings, 0 info" in subprocess.run(
        clean, capture_output=True, text=True, env=env).stdout
    commands = [
        ("bare interpreter (python -c pass)", [PYTHON, "-c", "pass"], None, ROOT),
        ("python -c 'import b4' (series parsing loads it)", [PYTHON, "-c", "import b4"], None,
         ROOT),
        ("b4 as lorebot imports it (bot.b4lib)", [PYTHON, "-c", "from bot.b4lib import b4"],
         None, ROOT),
        ("lorebot --help", [LOREBOT, "--help"], None, ROOT),
        ("lorebot review v2.mbox --tree base", review, None, ROOT),
        ("lorebot review of a clean generated patch", clean, None, ROOT),
        ("lorebot b4-check < v2.mbox (no repository)", [LOREBOT, "b4-check"], MAIL, outside),
    ]
    big = generated_file(10_000, outside)
    paths = [LOREBOT, "paths", str(big), "--function", "target", "--acquire", "mutex_lock",
             "--release", "mutex_unlock"]
    commands.append(("lorebot paths, a 10,000-line file", paths, None, outside))
    if options.checkpatch:
        commands.append(("checkpatch.pl --no-tree v2.mbox",
                         ["perl", str(options.checkpatch), "--no-tree", str(MAIL)], None, ROOT))
    print(f"medians of {options.runs} runs; CPU = user + sys of the whole process")
    figures = {}
    for label, args, stdin, cwd in commands:
        cpu, wall = measure(args, options.runs, env, stdin, cwd)
        figures[label] = cpu
        print(f"{label:48s} {cpu:6.1f} ms CPU {wall:7.1f} ms wall")
    bare = figures["bare interpreter (python -c pass)"]
    above = figures["lorebot review v2.mbox --tree base"] - bare
    verdict = "met" if above <= TARGET_ABOVE_BARE_MS else "not met"
    print(f"review above the bare interpreter: {above:.1f} ms CPU "
          f"(target <= {TARGET_ABOVE_BARE_MS}: {verdict})")
    if options.server:
        through_server([c for c in commands if c[1][0] == LOREBOT and c[1][1] != "--help"],
                       options.runs, env)



if __name__ == "__main__":
    main()
