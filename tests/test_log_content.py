"""Commit-log content rules: on the pci-hyperv series, on labelled logs, on small cases."""

import json

import pytest
from kernel_repo import FIXTURES, build_kernel_repo
from logset import context_for, flags, labelled_logs, rule

from bot.checks.commit_log import check
from bot.cli import main

CONTENT = {"log-states-problem", "log-covers-changes", "log-impact", "log-imperative",
           "log-self-contained", "log-fixes-tag-expected", "log-subject-prefix",
           "log-spelling"}


def findings(capsys, mbox, *base):
    main(["review", "--mbox", str(FIXTURES / mbox), *base, "--format", "json",
          "--fail-on", "never"])
    return [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] in CONTENT]


def test_v1_v2_fail_states_problem_and_v3_passes_everything(capsys, tmp_path):
    build_kernel_repo(tmp_path)
    for version in (1, 2):
        found = findings(capsys, f"v{version}.mbox", "--repo", str(tmp_path))
        (problem,) = [f for f in found if f["rule"] == "log-states-problem"]
        assert "what goes wrong" in problem["message"]
        assert problem["evidence"][0].startswith('closest: "')
    assert findings(capsys, "v3.mbox", "--repo", str(tmp_path)) == []
    assert findings(capsys, "v3.mbox", "--tree", str(FIXTURES / "base")) == []


def test_resume_only_log_misses_hv_irq_unmask(capsys):
    found = {f["rule"]: f for f in findings(capsys, "v2-resume-only.mbox", "--tree",
                                            str(FIXTURES / "base"))}
    assert "log-states-problem" not in found
    message = found["log-covers-changes"]["message"]
    assert message.startswith("The log discusses hv_pci_resume()")
    assert "never mentions hv_irq_unmask()" in message
    # without the base files the hunk headers would be guesses: no finding
    assert "log-covers-changes" not in {f["rule"] for f in findings(
        capsys, "v2-resume-only.mbox")}


def test_labelled_logs_agree_in_both_directions_or_explain():
    states = rule("log-states-problem")
    logs = labelled_logs()
    assert len(logs) >= 100 and 0.4 < sum(e.problem for e in logs) / len(logs) < 0.6
    passed = {True: 0, False: 0}  # enough -> how many the rule passed
    for entry in logs:
        predicted = not flags(states, entry)
        passed[entry.enough] += predicted
        if predicted == entry.enough:
            assert not entry.disagreement, f"{entry.subject}: explained but agrees"
        else:
            assert entry.disagreement, f"unexplained disagreement: {entry.subject}"
    for enough in (True, False):
        group = sum(e.enough == enough for e in logs)
        agreed = passed[True] if enough else group - passed[False]
        assert group >= 30 and agreed / group >= 0.9, (enough, agreed, group)


def _run(rule_id, subject, log):
    return check(rule(rule_id), context_for(subject, log))


@pytest.mark.parametrize("rule_id, bad, good", [
    ("log-imperative", "This patch adds a flush of the cache on reset.",
     "Flush the cache on reset."),
    ("log-imperative", "I changed the timeout to 50 ms.", "Change the timeout to 50 ms."),
    ("log-self-contained", "v2 of the earlier fix, see the cover letter.",
     "The cache is stale after reset, so reads fail. Flush it."),
    ("log-fixes-tag-expected", "The crash started with commit 0123456789ab (\"x: y\").",
     "Flush the cache on reset."),
    ("log-fixes-tag-expected", "KASAN: use-after-free in demo_read+0x1c/0x40",
     "Reads fail after reset because the cache is stale."),
    ("log-spelling", "Flush the cahce on reset so that reads are not stale.",
     "Flush the cache on reset so that reads are not stale."),
])
def test_rule_on_small_logs(rule_id, bad, good):
    assert _run(rule_id, "demo: Flush the cache", bad)
    assert not _run(rule_id, "demo: Flush the cache", good)


def test_impact_only_for_stable_fixes_that_state_a_problem():
    stable = "\n\nCc: stable@vger.kernel.org\n"
    vague = "The reset path is wrong.\n\nCall demo_flush() in demo_reset()."
    assert _run("log-impact", "demo: Fix the reset", vague + stable)
    assert not _run("log-impact", "demo: Fix the reset", vague)  # not for stable
    assert not _run("log-impact", "demo: Fix the reset",
                    "Reads return stale data after a reset because the cache is kept." + stable)
    # no problem at all: that is states-problem's finding, not a second one
    assert not _run("log-impact", "demo: Fix the reset",
                    "Call demo_flush() in demo_reset()." + stable)


def test_spelling_in_added_comments(tmp_path, capsys):
    patch = (FIXTURES / "v3.mbox").read_text().replace("that is expected, so stay quiet",
                                                        "that has occured before")
    (tmp_path / "typo.mbox").write_text(patch)
    main(["review", "--mbox", str(tmp_path / "typo.mbox"), "--format", "json"])
    found = [f for f in json.loads(capsys.readouterr().out)["findings"]
             if f["rule"] == "log-spelling"]
    assert found and found[0]["file"] == "drivers/pci/controller/pci-hyperv.c"
    assert "occured" in found[0]["message"] and "occurred" in found[0]["message"]


def test_subject_prefix_from_history(tmp_path, capsys):
    build_kernel_repo(tmp_path / "linux")
    text = (FIXTURES / "v3.mbox").read_text().replace("PCI: hv: Fix", "hyperv: pci: Fix")
    (tmp_path / "p.mbox").write_text(text)
    main(["review", "--mbox", str(tmp_path / "p.mbox"), "--repo", str(tmp_path / "linux"),
          "--format", "json"])
    (found,) = [f for f in json.loads(capsys.readouterr().out)["findings"]
                if f["rule"] == "log-subject-prefix"]
    assert '"PCI: hv:"' in found["message"]


def test_spelling_skips_code_paths_quotes_and_jargon():
    quoted = ("Fix the \"notfify\" message.\n\ndum->lock and drivers/misc/dum_wrk.c are "
              "named as they are; the `recieve_fn` hook too.\n\n    if (dum->ownr)\n\n"
              "The boot-up path and the bootup path are the same.")
    assert not _run("log-spelling", "demo: Fix the message", quoted)
    assert _run("log-spelling", "demo: Fix the message", "It happend everytime.")
    assert not _run("log-spelling", "demo: Fix the root inode",
                    "On error we iput the root inode and return NULL.")


def test_kind_decides_what_the_log_must_say():
    what_only = "Call demo_flush() from demo_reset()."
    assert _run("log-states-problem", "demo: Flush the cache on reset", what_only)
    assert _run("log-states-problem", "demo: Flush the cache on reset",
                what_only + "\n\nFixes: 0123456789ab (\"demo: Add a cache\")")
    assert not _run("log-states-problem", "demo: Add a debugfs file for the cache",
                    "Add a debugfs file that prints the cache statistics.")
    assert not _run("log-states-problem", "demo: Convert to demo_io_read()",
                    "Convert the register reads to demo_io_read().")
    assert not _run("log-states-problem", "demo: Fix a NULL pointer dereference on reset",
                    what_only)  # the subject says what goes wrong
    assert not _run("log-states-problem", "demo: Flush the cache on reset",
                    what_only + " Otherwise the first read returns stale data.")
    splat = what_only + "\n\nFound with:\n\n    BUG: KASAN: use-after-free in demo_read+0x1c/0x40"
    assert not _run("log-states-problem", "demo: Flush the cache on reset", splat)


def test_dictionary_cache_built_once_and_rebuilt_when_damaged(tmp_path, monkeypatch):
    from bot.checks import codespell_table

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    codespell_table.buckets.cache_clear()
    assert codespell_table.suggestion("occured") == "occurred"
    (stored,) = (tmp_path / "lorebot").glob("codespell-*.marshal")
    version = codespell_table._version(codespell_table._package())
    assert stored.name.startswith(f"codespell-{version}-")
    stored.write_bytes(b"not marshal data")
    codespell_table.buckets.cache_clear()
    assert codespell_table.suggestion("recieve") == "receive"
    assert codespell_table.suggestion("receive") is None
    assert stored.read_bytes() != b"not marshal data"
    codespell_table.buckets.cache_clear()


FIXES = "\n\nFixes: 0123456789ab (\"demo: Add a cache\")"


@pytest.mark.parametrize("log", [
    "The hardware reads the queue depth as a 16-bit field. Widen the member.",
    "Update the enable bit with demo_rmw() instead of writing the whole register.",
    "Drop the cached pointer in demo_remove() since the entry may already be gone.",
    "Add the missing range check for the header length in demo_parse().",
    "Program the divider in demo_set_rate() to report the correct rate.",
    "Avoid a second flush of the cache when the device is already idle.",
    "Adapt the reset path to the locking of commit 0123456789ab (\"demo: Lock it\").",
])
def test_states_problem_quiet_where_the_log_explains(log):
    """Each of these says what was wrong in its own way: a statement, the old
    behaviour, a cause, a missing or correct thing, what is avoided, a commit."""
    assert not _run("log-states-problem", "demo: Fix the reset path", log + FIXES)


@pytest.mark.parametrize("log", [
    "Zero d->cursor in demo_remove() when the removed entry is the first one.",
    "Take dev->lock in demo_work() around the call to demo_apply().\n"
    "Moreover clear d->last in demo_reset().",
    "Write 4 to DEMO_THRESHOLD in demo_start() before setting the enable bit.",
    "Switch to the spare queue in demo_remove() if the first one goes away.\n"
    "Moreover reset spare queue index when only one queue is left.",
])
def test_states_problem_speaks_on_bare_orders(log):
    """Orders whose object is a name from the code, joined by "Moreover", are still
    only orders: the fix does not say what goes wrong."""
    assert _run("log-states-problem", "demo: Reset the cursor", log + FIXES)


def test_additions_only_patch_is_new_behaviour_unless_it_says_fix():
    from bot.checks.log_kind import FEATURE, FIX, patch_kind
    from bot.source.mbox import read_series

    example = rule("log-states-problem").pack.folder / "examples" / "log-states-problem"
    (patch,) = read_series(example / "ok-only-adds-code.eml").patches
    settings = rule("log-states-problem").pack.shared
    assert patch_kind(patch, settings).name == FEATURE
    patch.log.subject = "lib: demo: fix the gain table on channel change"
    assert patch_kind(patch, settings).name == FIX


def test_impact_reads_a_freed_object_and_what_it_affects():
    stable = "\n\nCc: stable@vger.kernel.org\n"
    assert not _run("log-impact", "demo: Hold the device during a callback",
                    "The request could be freed after the device goes away. Take a "
                    "reference that is not dropped before the callback ends." + stable)
    assert not _run("log-impact", "demo: Fix an overflow in the timeout",
                    "A user may pass any interval. This affects the product of the interval "
                    "and the tick, which can overflow." + stable)


def test_static_cleanup_and_build_error_subjects_need_no_more():
    """"Make f() static" is a cleanup; "fix 'x' undeclared" names the build error."""
    assert not _run("log-states-problem", "demo: make demo_lookup() static",
                    "Make demo_lookup() static.")
    assert not _run("log-states-problem", "demo: fix 'demo_wait' undeclared",
                    "Include the header that declares demo_wait()." + FIXES)
    assert _run("log-states-problem", "demo: fix demo_wait() on resume",
                "Include the header that declares demo_wait()." + FIXES)


def test_a_stray_change_id_is_not_a_log():
    """A body holding only a Gerrit Change-Id says nothing of the fix."""
    assert _run("log-states-problem", "demo: Fix the date before 1980",
                "Change-Id: I0123456789abcdef0123456789abcdef01234567" + FIXES)
