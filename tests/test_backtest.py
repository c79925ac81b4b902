"""`lorebot backtest` on a generated history with a planted lock leak and its fix."""

import json
import os

import pygit2
import pytest

from bot.backtest.run import Progress
from bot.cli import main

DRIVER = "drivers/misc/demo.c"
HEAD = """// SPDX-License-Identifier: GPL-2.0
#include <linux/mutex.h>

struct demo_dev {
\tstruct mutex lock;
\tbool present;
\tint value;
};

int demo_read(struct demo_dev *dev, int *out)
{
\tmutex_lock(&dev->lock);
"""
TAIL = """\t*out = dev->value;
\tmutex_unlock(&dev->lock);
\treturn 0;
}
"""
LEAK = "\tif (!dev->present)\n\t\treturn -ENODEV;\n"
REPAIR = "\tif (!dev->present) {\n\t\tmutex_unlock(&dev->lock);\n\t\treturn -ENODEV;\n\t}\n"
# applied by a maintainer: what makes a commit count as accepted kernel style
SOB = ("Signed-off-by: Ann Author <ann@example.com>\n"
       "Link: https://lore.example.org/r/demo@example.com")


def _commit(repo, files, message, when):
    index = pygit2.Index()
    for path, text in files.items():
        index.add(pygit2.IndexEntry(path, repo.create_blob(text.encode()),
                                    pygit2.GIT_FILEMODE_BLOB))
    sig = pygit2.Signature("Ann Author", "ann@example.com", 1700000000 + when * 3600, 0)
    parents = [] if repo.head_is_unborn else [repo.head.target]
    return str(repo.create_commit("HEAD", sig, sig, message, index.write_tree(repo), parents))


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """(path, {name: sha}): root, add, leak, unrelated README edit, fix with Fixes:."""
    path = tmp_path_factory.mktemp("demo")
    repo = pygit2.init_repository(str(path), bare=True, initial_head="master")
    files = {"README": "demo driver\n"}
    _commit(repo, files, "Import the tree\n", 0)  # a root commit: no parent to review on
    files[DRIVER] = HEAD + TAIL
    shas = {"add": _commit(repo, files, f"demo: Add the sensor driver\n\nThe board has a "
                           f"temperature sensor; expose its value.\n\n{SOB}\n", 1)}
    files[DRIVER] = HEAD + LEAK + TAIL
    shas["leak"] = _commit(repo, files, "demo: Refuse reads from an unplugged sensor\n\n"
                           "Reads from a sensor that was unplugged return the last value "
                           "as if it were fresh.\nReturn -ENODEV instead.\n\n" + SOB + "\n", 2)
    files["README"] = "demo driver, see the datasheet\n"
    shas["readme"] = _commit(repo, files, "Update README\n", 3)
    files[DRIVER] = HEAD + REPAIR + TAIL
    shas["fix"] = _commit(
        repo, files, "demo: Drop the lock when the sensor is gone\n\ndemo_read() returns "
        "-ENODEV with dev->lock held when the sensor is gone, so the next read\ndeadlocks. "
        "Unlock before returning.\n\n"
        f"Fixes: {shas['leak'][:12]} (\"demo: Refuse reads from an unplugged sensor\")\n"
        f"{SOB}\n", 4)
    return path, shas


def backtest(capsys, path, *args):
    assert main(["backtest", "--repo", str(path), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_recall_and_rates_on_planted_leak(history, capsys):
    path, shas = history
    doc = backtest(capsys, path, "--sample", "1", "--rule", "pair-mutex")
    assert doc["commits"] == {"selected": 4, "reviewed": 3, "left_out": 1, "failed": 0}
    assert doc["recall"]["pairs"] == doc["recall"]["judged"] == 1
    assert doc["recall"]["flagged"] == doc["recall"]["fixed"] == 1
    (pair,) = doc["recall"]["list"]
    assert (pair["fix"], pair["introducing"]) == (shas["fix"], shas["leak"])
    rows = {r["rule"]: r for r in doc["rules"]}
    assert rows["pair-mutex"] == {"rule": "pair-mutex", "findings": 1, "commits": 1,
                                  "share": 0.3333, "errors": 1, "info": 0}
    by_commit = {c["commit"]: c["rules"] for c in doc["per_commit"]}
    assert "pair-mutex" in by_commit[shas["leak"]]
    assert "pair-mutex" not in by_commit[shas["fix"]]
    (drawn,) = doc["sample"]
    assert drawn["commit"] == shas["leak"] and drawn["rule"] == "pair-mutex"
    assert any("return -ENODEV" in line for line in drawn["lines"])


def test_introducing_commit_outside_the_range_is_reviewed_for_recall(history, capsys):
    path, shas = history
    doc = backtest(capsys, path, "--range", f"{shas['readme']}..HEAD")
    assert doc["commits"]["reviewed"] == 1
    assert doc["recall"]["flagged"] == doc["recall"]["fixed"] == 1


def test_text_table_and_pathspec(history, capsys):
    path, shas = history
    assert main(["backtest", "--repo", str(path), "--all-commits", "--", "README"]) == 0
    out, err = capsys.readouterr()
    assert "1 commits: 1 reviewed, 0 left out" in out and err == ""
    assert main(["backtest", "--repo", str(path)]) == 0
    out = capsys.readouterr().out
    assert "introducing commit flagged in a function the fix changes: 1/1" in out
    assert "fix review says fixed: 1/1" in out
    assert [line.split()[:5] for line in out.splitlines() if line.startswith("pair-mutex ")] \
        == [["pair-mutex", "1", "1", "33.3", "%"]]


def test_commit_past_its_deadline_is_named_not_fatal(history, capsys):
    path, shas = history
    doc = backtest(capsys, path, "--timeout", "0.000001")
    assert doc["commits"]["failed"] == 4 and doc["commits"]["reviewed"] == 0
    assert {f["commit"] for f in doc["failed"]} == set(shas.values())
    assert all("took more than" in f["reason"] for f in doc["failed"])


@pytest.mark.parametrize("args, message", [
    (["--range", "nope..HEAD"], "nope is not a commit"),
    (["--rule", "no-such-rule"], "no-such-rule: no such rule"),
    (["--", "no/such/path"], "no commits"),
])
def test_bad_input_is_one_line(history, capsys, args, message):
    path, _ = history
    assert main(["backtest", "--repo", str(path), *args]) in (2, 3)
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_progress_only_on_a_terminal(history):
    main_fd, tty_fd = os.openpty()
    with open(tty_fd, "w") as tty:
        progress = Progress(300, tty)
        progress.show(41, pygit2.Repository(str(history[0])).head.peel(pygit2.Commit))
        progress.close()
    shown = os.read(main_fd, 4096).decode()
    os.close(main_fd)
    assert "[ 41/300] " in shown and "demo: Drop the lock" in shown
