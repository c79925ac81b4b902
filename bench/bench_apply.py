"""Hunk placement: cost and memory of 1,000-10,000 patches to one file, and of hostile headers.

A series of N patches each changing one line of the pci-hyperv driver (each on
the file the previous one left) has its images built (``series_images``): the
figure is ms per patch and the peak of Python's allocations (tracemalloc) over
the parsed series. Then one hunk is placed with its header stated at line 10^k
(k = 3..11) or 60 lines off, to show the cost does not follow the stated line.

    .venv/bin/python bench/bench_apply.py [--sizes 1000 3000 10000]
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


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000, 10000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_series(args.sizes, Path(tmp))
    bench_headers()


if __name__ == "__main__":
    main()
