"""The commit-log structure rules on good and bad logs, Fixes: checked against a real repo."""

import pytest
from kernel_repo import build_kernel_repo, commit_by_subject
from mails import LOG, mbox, patch_mail, write

from bot.checks import load_rules
from bot.review import review_series
from bot.source.mbox import read_series
from bot.tree import RepoTree

SOB = "Signed-off-by: Ann Author <ann@example.com>\n"
PROSE = "demo() returns a stale value after reset, so the next read fails.\n\n"


STRUCTURE = [r for r in load_rules() if r.source.split(":")[0].endswith("commit-log.toml")]


def rule_ids(tmp_path, mail, repo=None, name="p.eml"):
    series = read_series(write(tmp_path / name, mail))
    tree = RepoTree(repo, None) if repo else None
    review = review_series(series, STRUCTURE, None, tree.repo if tree else None)
    return [f.rule for f in review.findings]


def test_good_log_has_no_structure_findings(tmp_path):
    assert len(STRUCTURE) == 7
    assert rule_ids(tmp_path, patch_mail()) == []


@pytest.mark.parametrize("log, subject, rule", [
    (SOB, None, "log-description"),
    (PROSE, None, "log-signed-off-by"),
    (PROSE + "Signed-off-by: Someone Else <else@example.com>\n", None, "log-signed-off-by"),
    (PROSE + "Co-developed-by: C <c@example.com>\n" + SOB, None, "log-signed-off-by"),
    (PROSE + 'Fixes: 0123456 ("lib: demo: Add demo")\n' + SOB, None, "log-fixes-format"),
    (PROSE + "Fixes: 0123456789ab lib: demo: Add demo\n" + SOB, None, "log-fixes-format"),
    ("x " * 50 + "\n\n" + SOB, None, "log-line-length"),
    ("This broke in commit 0123456.\n\n" + SOB, None, "log-commit-reference"),
    (LOG, "[PATCH] Return the next value", "log-subject-shape"),
    (LOG, "[PATCH] lib: demo: Return the next value.", "log-subject-shape"),
    (LOG, "lib: demo: Return the next value", "log-subject-shape"),
    (LOG, "[PATCH v2] lib: demo: Return the next value", "log-changelog"),
])
def test_bad_logs(tmp_path, log, subject, rule):
    mail = patch_mail(subject or "[PATCH] lib: demo: Return the next value", log=log)
    assert rule in rule_ids(tmp_path, mail)


@pytest.mark.parametrize("log", [
    PROSE + "    [  12.345678] a quoted kernel log line that is much longer than 75 columns\n\n"
    + "Link: https://example.com/a/very/long/url/that/goes/on/and/on/for/more/than/75/cols\n"
    + SOB,
    PROSE + "Co-developed-by: C <c@example.com>\nSigned-off-by: C <c@example.com>\n" + SOB,
])
def test_exemptions(tmp_path, log):
    assert rule_ids(tmp_path, patch_mail(log=log)) == []


def test_changelog_below_the_line_or_in_cover(tmp_path):
    v2 = "[PATCH v2] lib: demo: Return the next value"
    assert rule_ids(tmp_path, patch_mail(v2, notes="v2: fixed the typo\n\n")) == []
    cover = patch_mail("[PATCH v2 0/1] lib: demo", log="Changes since v1: more.\n", diff="",
                       msgid="c@x")
    one = patch_mail("[PATCH v2 1/1] lib: demo: Return the next value", msgid="1@x",
                     reply_to="c@x")
    assert rule_ids(tmp_path, mbox(cover, one), name="s.mbox") == []


def test_fixes_against_real_repository(tmp_path):
    repo = tmp_path / "linux"
    build_kernel_repo(repo)
    sha = commit_by_subject(repo, "PCI: hv: Add hibernation support")[:12]
    good = PROSE + f'Fixes: {sha} ("PCI: hv: Add hibernation support")\n' + SOB
    assert rule_ids(tmp_path, patch_mail(log=good), repo) == []
    wrong_subject = good.replace("Add hibernation support", "Add suspend")
    assert rule_ids(tmp_path, patch_mail(log=wrong_subject), repo) == ["log-fixes-format"]
    missing = good.replace(sha, "0123456789ab")
    assert rule_ids(tmp_path, patch_mail(log=missing), repo) == ["log-fixes-format"]
    reference = f'Since commit {sha}\n("PCI: hv: Add hibernation support") resume fails.\n\n'
    assert rule_ids(tmp_path, patch_mail(log=reference + SOB), repo) == []


def findings(tmp_path, mail, repo=None):
    series = read_series(write(tmp_path / "p.eml", mail))
    tree = RepoTree(repo, None) if repo else None
    return review_series(series, STRUCTURE, None, tree.repo if tree else None).findings


def test_trailer_block_with_notes_and_cherry_pick(tmp_path):
    log = (PROSE + SOB + "[mo: reworded the subject]\nSigned-off-by: Mo <mo@example.org>\n"
           "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\n\n")
    assert findings(tmp_path, patch_mail(log=log)) == []


def test_severities_follow_what_maintainers_reject(tmp_path):
    other_address = PROSE + "Signed-off-by: Ann Author <ann@work.example.org>\n"
    (found,) = findings(tmp_path, patch_mail(log=other_address))
    assert (found.rule, found.severity) == ("log-signed-off-by", "info")
    short = PROSE + 'Fixes: 0123456 ("lib: demo: Add demo")\n' + SOB
    (found,) = findings(tmp_path, patch_mail(log=short))
    assert (found.rule, found.severity) == ("log-fixes-format", "warning")
    malformed = PROSE + "Fixes: the commit that added demo\n" + SOB
    (found,) = findings(tmp_path, patch_mail(log=malformed))
    assert (found.rule, found.severity) == ("log-fixes-format", "error")
    one_line = patch_mail(log=SOB)  # an empty log on a one-line change
    assert [(f.rule, f.severity) for f in findings(tmp_path, one_line)] == \
        [("log-description", "warning")]
    steps = "".join(f"+\tdemo_step({n});\n" for n in range(6))
    diff = ("diff --git a/lib/demo.c b/lib/demo.c\n--- a/lib/demo.c\n+++ b/lib/demo.c\n"
            f"@@ -1,2 +1,8 @@\n int demo(int x)\n{steps} {{\n")
    assert [(f.rule, f.severity) for f in findings(tmp_path, patch_mail(log=SOB, diff=diff))] \
        == [("log-description", "error")]


def test_commits_the_repository_lacks_are_not_errors(tmp_path):
    repo = tmp_path / "linux"
    build_kernel_repo(repo)
    elsewhere = PROSE + 'Fixes: 0123456789ab ("lib: demo: Add demo")\n' + SOB
    (found,) = findings(tmp_path, patch_mail(log=elsewhere), repo)
    assert found.severity == "info" and "not in this repository" in found.message
    revert = ("This reverts commit 0123456789abcdef0123456789abcdef01234567.\n\n"
              "It stalls the bus on the slow boards.\n\n" + SOB)
    assert findings(tmp_path, patch_mail('[PATCH] Revert "lib: demo: Add demo"', log=revert),
                    repo) == []


def test_summary_phrase_length_and_tool_output(tmp_path):
    long_prefix = "[PATCH] wifi: demo99: 8899c: coex: Return the next value of the table every time"
    assert findings(tmp_path, patch_mail(long_prefix)) == []
    output = PROSE + ("lib/demo.c:18:9: warning: 'val' may be used uninitialized in this "
                      "function [-Wmaybe-uninitialized]\n\n") + SOB
    assert findings(tmp_path, patch_mail(log=output)) == []
