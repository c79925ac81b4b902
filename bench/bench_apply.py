"""Hunk placement: cost and memory of 1,000-10,000 patches to one file, and of hostile headers.

A series of N patches each changing one line of the pci-hyperv driver (each on
the file the previous one left) has its images built (``series_images``): the
figure is ms per patch and the peak of Python's allocations (tracemalloc) over
the parsed series. Then one hunk is placed with its header stated at line 10^k
(k = 3..11) or 60 lines off, to show the cost does not follow the stated line.
With ``--review N`` the same series is written as N patch mails and reviewed
end to end by ``lorebot review`` in a fresh process (every bundled rule): wall
time and peak RSS.

    .venv/bin/python bench/bench_apply.py [--sizes 1000 3000 10000] [--review 3000]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.errors import PatchApplyError  # noqa: E402
from bot.patchapply import apply_file_diff  # noqa: E402
from bot.series import (  # noqa: E402
    CommitLog,
    FileDiff,
    Hunk,
    HunkLine,
    Message,
    Patch,
    Prefix,
    Series,
)
from bot.source.patchmail import parse_diff  # noqa: E402
from bot.tree import FolderTree, series_images  # noqa: E402

FILE = "drivers/pci/controller/pci-hyperv.c"
BASE = (ROOT / "fixtures" / "pci-hyperv" / "base" / FILE).read_text()
COUNTER = "static int retries = {};"


def series_of(count: int) -> Series:
    """N patches, patch k turning ``retries = k-1`` into ``retries = k`` at the file's end."""
    lines = len(BASE.splitlines())
    tail = BASE.splitlines()[-3:]
    patches = []
    for k in range(1, count + 1):
        old, new = COUNTER.format(k - 1), COUNTER.format(k)
        hunk = Hunk(lines - 2, 4, lines - 2, 4, "", [
            *(HunkLine(" ", t, lines - 2 + i, lines - 2 + i) for i, t in enumerate(tail)),
            HunkLine("-", old, lines + 1, None), HunkLine("+", new, None, lines + 1)])
        fd = FileDiff(FILE, FILE, hunks=[hunk])
        message = Message(f"{k}@bench", f"[PATCH {k}/{count}] x", "B", "b@example.com", "")
        patches.append(Patch(message, Prefix(1, k, count, present=True), CommitLog("x", ""),
                             [fd]))
    return Series(1, count, patches)


def bench_series(sizes: list[int], tmp: Path) -> None:
    (tmp / FILE).parent.mkdir(parents=True, exist_ok=True)
    (tmp / FILE).write_text(BASE + COUNTER.format(0) + "\n")
    print(f"{'patches':>8} {'ms/patch':>9} {'peak MiB':>9}  (file {len(BASE) // 1024} KiB)")
    for size in sizes:
        series = series_of(size)
        tracemalloc.start()
        start = time.perf_counter()
        images = series_images(series, FolderTree(tmp))
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert images[-1].files[FILE].post.endswith(COUNTER.format(size) + "\n")
        print(f"{size:>8} {elapsed * 1000 / size:>9.3f} {peak / 2**20:>9.1f}")


def bench_headers() -> None:
    diff = (ROOT / "fixtures" / "pci-hyperv" / "v2.mbox").read_text()
    diff = diff[diff.index("diff --git"):diff.index("base-commit:")]
    print(f"\n{'stated line':>14} {'ms':>8}  outcome")
    for stated in [96 + 60, *(10 ** k for k in range(3, 12))]:
        fd = parse_diff(diff.replace("@@ -96,6 +96,15 @@", f"@@ -{stated},6 +{stated},15 @@"),
                        "bench")[0]
        start = time.perf_counter()
        try:
            placed = apply_file_diff(BASE, fd, "bench").placements[0]
            outcome = f"placed at {placed.line} (offset {placed.offset:+d})"
        except PatchApplyError as exc:
            outcome = "refused: " + str(exc).split(": ", 2)[2][:60]
        print(f"{stated:>14} {(time.perf_counter() - start) * 1000:>8.2f}  {outcome}")


def patch_mails(count: int) -> str:
    """The series of ``series_of`` as an mbox a list would carry."""
    tail = BASE.splitlines()[-3:]
    start = len(BASE.splitlines()) - 2
    mails = []
    for k in range(1, count + 1):
        context = "".join(f" {t}\n" for t in tail)
        mails.append(
            "From mboxrd@z Thu Jan  1 00:00:00 1970\nFrom: Ann Author <ann@example.com>\n"
            f"Subject: [PATCH {k}/{count}] PCI: hv: Allow {k} retries\n"
            f"Date: Mon, 1 Jun 2020 10:00:00 +0000\nMessage-ID: <{k}@bench.example.com>\n\n"
            f"The hypercall is retried {k - 1} times, one fewer than the host needs\n"
            "under load, so the device loses its interrupt.\n\n"
            "Signed-off-by: Ann Author <ann@example.com>\n---\n"
            f"diff --git a/{FILE} b/{FILE}\n--- a/{FILE}\n+++ b/{FILE}\n"
            f"@@ -{start},4 +{start},4 @@\n{context}-{COUNTER.format(k - 1)}\n"
            f"+{COUNTER.format(k)}\n\n")
    return "".join(mails)


def bench_review(count: int, tmp: Path) -> None:
    import resource
    import subprocess

    (tmp / "series.mbox").write_text(patch_mails(count))
    start = time.perf_counter()
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "lorebot"), "review", "--mbox",
                           str(tmp / "series.mbox"), "--tree", str(tmp), "--format", "json",
                           "--fail-on", "never"], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nlorebot review of {count} patches to one file: exit {proc.returncode}, "
          f"{elapsed:.1f} s, peak RSS {rss:.0f} MiB {proc.stderr.strip()[:100]}")


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--review", type=int, metavar="N",
                        help="also review N patch mails end to end with lorebot review")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_series(args.sizes, Path(tmp))
        if args.review:
            bench_review(args.review, Path(tmp))
    bench_headers()


if __name__ == "__main__":
    main()
