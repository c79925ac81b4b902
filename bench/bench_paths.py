"""``lorebot paths`` as a whole process: cost against function size, nesting and labels,
on big files, beside Coccinelle's spatch, and the C front end's parse coverage of a corpus.

Every figure is one fresh ``lorebot paths`` process (median of ``--runs``; CPU = user +
sys, which other work on a shared machine disturbs less than wall time), so an
internal error (exit 70, e.g. a RecursionError) or a hang (over ``--timeout``) shows as
such instead of stopping the bench. With ``--python PATH`` the same figures are taken
with another installation's interpreter (e.g. a venv whose ``bot`` is an older commit
unpacked with ``git archive``), to compare before and after.

    .venv/bin/python bench/bench_paths.py [--runs 5] [--python PATH] [--spatch]
        [--file PATH:FUNCTION ...] [--corpus DIR ...]

Growth series (one generated function each): ``branches`` (statements, ifs, gotos,
switches and loops in turn), ``nested ifs``, ``else ifs``, ``&& terms``, ``labels``
(each a retry target of a backward goto, one exit) and ``labels, an exit each`` (a
leaking return after every label: one violation and one witness path per label).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PAIR = ["--acquire", "mutex_lock", "--release", "mutex_unlock"]
SMPL = """@r exists@
expression E;
@@
mutex_lock(E);
... when != mutex_unlock(E)
* return ...;
"""


def branches(n: int) -> str:
    body = ["\tint ret = 0, i;", "", "\tmutex_lock(&d->lock);"]
    for b in range(n):
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
    return "\n".join(body)


def nested_ifs(n: int) -> str:
    return "\tmutex_lock(&d->lock);\n" + "".join(f"\tif (d->a{i})\n" for i in range(n)) + \
        "\t\twork(d);\n\tmutex_unlock(&d->lock);\n\treturn 0;"


def else_ifs(n: int) -> str:
    arms = "".join(f"\telse if (d->x == {i})\n\t\tstep{i}(d);\n" for i in range(1, n))
    return "\tmutex_lock(&d->lock);\n\tif (!d->x)\n\t\tstep0(d);\n" + arms + \
        "\tmutex_unlock(&d->lock);\n\treturn 0;"


def and_terms(n: int) -> str:
    cond = " &&\n\t    ".join(f"d->a{i}" for i in range(n))
    return "\tmutex_lock(&d->lock);\n\tif (" + cond + ")\n\t\twork(d);\n" \
        "\tmutex_unlock(&d->lock);\n\treturn 0;"


def labels(n: int) -> str:
    body = ["\tmutex_lock(&d->lock);"]
    for i in range(n):
        body += [f"l{i}:", f"\tif (step{i}(d))", f"\t\tgoto l{max(i - 1, 0)};"]
    return "\n".join([*body, "\tmutex_unlock(&d->lock);", "\treturn 0;"])


def labels_exits(n: int) -> str:
    body = ["\tmutex_lock(&d->lock);"]
    for i in range(n):
        body += [f"l{i}:", f"\tif (step{i}(d))", f"\t\tgoto l{max(i - 1, 0)};",
                 f"\tif (bad{i}(d))", f"\t\treturn -{i + 1};"]
    return "\n".join([*body, "\tmutex_unlock(&d->lock);", "\treturn 0;"])


SERIES: list[tuple[str, Callable[[int], str], list[int]]] = [
    ("branches", branches, [10, 100, 500, 2000]),
    ("nested ifs", nested_ifs, [100, 200, 1000, 3000]),
    ("else ifs", else_ifs, [100, 500, 2000, 5000]),
    ("&& terms", and_terms, [100, 1000, 5000]),
    ("labels", labels, [200, 1000, 5000]),
    ("labels, an exit each", labels_exits, [200, 1000, 5000]),
]


def c_function(name: str, body: str) -> str:
    return f"static int {name}(struct demo *d)\n{{\n{body}\n}}\n"


def run_bounded(args: list[str], env: dict[str, str],
                timeout: float) -> tuple[float, float, int | None]:
    """CPU ms (user + sys), wall ms and exit code of one run; exit None after ``timeout``."""
    wall = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=env, cwd=tempfile.gettempdir())  # no bot/ in the cwd
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return (1000 * (usage.ru_utime + usage.ru_stime),
                    1000 * (time.perf_counter() - wall), child.returncode)
        if time.perf_counter() - wall > timeout:
            child.kill()
            _, _, usage = os.wait4(child.pid, 0)
            return (1000 * (usage.ru_utime + usage.ru_stime),
                    1000 * (time.perf_counter() - wall), None)
        time.sleep(0.002)


def measure(args: list[str], env: dict[str, str], runs: int, timeout: float) -> str:
    samples = []
    for _ in range(runs):
        cpu, wall, code = run_bounded(args, env, timeout)
        if code is None:
            return f"over {timeout:.0f} s (killed)"
        if code not in (0, 1):
            return f"exit {code}" + (" (internal error)" if code == 70 else "")
        samples.append((cpu, wall))
    cpu = statistics.median(s[0] for s in samples)
    wall = statistics.median(s[1] for s in samples)
    return f"{cpu:8.1f} ms CPU {wall:8.1f} ms wall"


def lorebot(python: str) -> tuple[list[str], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="lorebot-bench-cache-")
    return [python, "-m", "bot.cli", "paths"], env


def growth(python: str, runs: int, timeout: float, work: Path) -> None:
    command, env = lorebot(python)
    empty = work / "empty.c"
    empty.write_text(c_function("f", "\tmutex_lock(&d->lock);\n\tmutex_unlock(&d->lock);"
                                     "\n\treturn 0;"))
    figure = measure([*command, str(empty), "--function", "f", *PAIR], env, runs, timeout)
    print(f"{'one function, empty':34s} {figure}")
    for label, make, sizes in SERIES:
        for n in sizes:
            path = work / f"{label.replace(' ', '_').replace(',', '')}_{n}.c"
            path.write_text(c_function("f", make(n)))
            figure = measure([*command, str(path), "--function", "f", *PAIR], env, runs,
                             timeout)
            print(f"{label + ' ' + str(n):34s} {figure}")


def generated_file(lines: int, work: Path) -> Path:
    parts, n = [], 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(c_function(f"fn{n}", branches(20)))
        n += 1
    parts.append(c_function("target", branches(40)))
    path = work / f"generated_{lines}.c"
    path.write_text("\n".join(parts))
    return path


def spatch_figure(path: Path, runs: int, timeout: float, work: Path) -> str:
    cocci = work / "mutex.cocci"
    cocci.write_text(SMPL)
    args = ["spatch", "--very-quiet", "--no-includes", "--sp-file", str(cocci), str(path)]
    env = {**os.environ, "HOME": str(work)}
    return measure(args, env, runs, timeout)


def files(python: str, runs: int, timeout: float, work: Path, extra: list[str],
          spatch: bool) -> None:
    command, env = lorebot(python)
    targets = [(generated_file(5000, work), "target"), (generated_file(10000, work), "target")]
    targets += [(Path(spec.rsplit(":", 1)[0]), spec.rsplit(":", 1)[1]) for spec in extra]
    for path, function in targets:
        lines = path.read_bytes().count(b"\n")
        label = f"{path.name} ({lines} lines) {function}()"
        figure = measure([*command, str(path), "--function", function, *PAIR], env, runs,
                         timeout)
        print(f"{label:50s} lorebot {figure}")
        if spatch:
            print(f"{'':50s} spatch  {spatch_figure(path, runs, timeout, work)}")


def coverage(python: str, corpus: Path) -> None:
    """Functions parsed with no error (before: no error line; after: no ``problem``)."""
    code = f"""
import sys, time
from pathlib import Path
from bot.c.parse import CSource
found = clean = assumed = 0
kinds = {{}}
parse = 0.0
for path in sorted(Path({str(corpus)!r}).rglob("*.c")):
    text = path.read_text(encoding="utf-8", errors="replace")
    t = time.perf_counter()
    src = CSource(text)
    fns = src.functions()
    parse += time.perf_counter() - t
    lines = text.split("\\n")
    for fn in fns:
        found += 1
        problem = getattr(fn, "problem", None)
        bad = problem if problem is not None else fn.error_lines
        assumed += bool(getattr(fn, "assumed", ""))
        if not bad:
            clean += 1
        else:
            line = lines[fn.error_lines[0] - 1].strip()
            kinds[path.name + ":" + str(fn.error_lines[0])] = line[:70]
bodies = sum(p.read_bytes().count(b"\\n{{\\n") for p in Path({str(corpus)!r}).rglob("*.c"))
print(f"{{found}} functions found ({{bodies}} bodies opening at column 0), {{clean}} with no "
      f"parse problem, {{assumed}} of them parsed as one configuration; "
      f"parse {{1000 * parse:.0f}} ms")
for where, line in sorted(kinds.items()):
    print(f"  {{where}}: {{line}}")
"""
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=600,
                         cwd=tempfile.gettempdir())
    print(out.stdout.rstrip() or out.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--python", default=PYTHON,
                        help="the interpreter of the lorebot installation to measure")
    parser.add_argument("--spatch", action="store_true", help="also time Coccinelle's spatch")
    parser.add_argument("--file", action="append", default=[], metavar="PATH:FUNCTION",
                        help="a real C file and a function in it to time")
    parser.add_argument("--corpus", action="append", default=[], type=Path, metavar="DIR",
                        help="report the parse coverage of the .c files under DIR")
    parser.add_argument("--only", choices=("growth", "files", "coverage"), action="append")
    options = parser.parse_args()
    parts = set(options.only or ("growth", "files", "coverage"))
    python = options.python
    print(f"lorebot of {python}; medians of {options.runs} fresh processes")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if "growth" in parts:
            growth(python, options.runs, options.timeout, work)
        if "files" in parts:
            files(python, options.runs, options.timeout, work, options.file, options.spatch)
    if "coverage" in parts:
        for corpus in options.corpus:
            print(f"coverage of {corpus}:")
            coverage(python, corpus)


if __name__ == "__main__":
    sys.exit(main())
