"""lorebot as b4 review's check command, driven by the installed b4's own check runner.

A three-patch series (made with git format-patch, each patch building on the one
before) gets a row for every patch and one for the series; its review branch is
made by b4's own code (git am into b4's worktree, create_review_branch), whose
tracking data b4 hands to the check in B4_TRACKING_FILE.
"""

import email
import email.policy
import io
import json
import mailbox
import os
import subprocess
from pathlib import Path

import pytest
from kernel_repo import FIXTURES, HV_FILE, build_kernel_repo

ROOT = Path(__file__).resolve().parent.parent
LOREBOT = str(ROOT / ".venv" / "bin" / "lorebot")
V3 = (FIXTURES / "src" / "v3.c").read_text()
CHANGE_ID = "20200921-hv-msi-restore-4f2a91c3d8e7"
HELPER_START = "/*\n * Some drivers (nouveau, for one)"
CALL = "\n\n\t/* Re-compose the MSIs that drivers kept across hibernation. */\n" \
       "\thv_pci_restore_msi_state(hbus);"

LOGS = [
    ("PCI: hv: Unmask the MSI on every path of hv_irq_unmask()",
     "When the VM hibernates, the CPUs other than CPU0 go offline and their\n"
     "interrupts move: hv_set_affinity() calls hv_irq_unmask(). By then\n"
     "hv_pci_suspend() has closed the vmbus channel, so the retarget\n"
     "hypercall fails and hv_irq_unmask() returns without calling\n"
     "pci_msi_unmask_irq(). The MSI stays masked after resume and the device\n"
     "gets no more interrupts.\n\n"
     "The failure is expected while the bus is being removed: log it only\n"
     "when the bus is not in hv_pcibus_removing, and unmask the MSI on every\n"
     "path, as an irq_unmask callback must.\n\n"
     'Fixes: ac2cab9b9f9a ("PCI: hv: Add hibernation support")\n'),
    ("PCI: hv: Compose the MSI messages again on resume",
     "Some drivers keep their MSIs across hibernation instead of freeing and\n"
     "allocating them again, so nothing composes their MSI messages after\n"
     "resume and the host does not know where to deliver them: the device's\n"
     "interrupts are lost.\n\n"
     "Add hv_pci_restore_msi_state(), which walks the bus and composes every\n"
     "MSI message once more with hv_pci_restore_msi_msg(), and call it from\n"
     "hv_pci_resume().\n"),
    ("PCI: hv: Do not warn about an MSI without irq_data on resume",
     "hv_pci_restore_msi_msg() warns with a backtrace when an MSI descriptor\n"
     "has no irq_data, which fills the log of every resume on hosts where\n"
     "that is normal.\n\n"
     "Return -EINVAL quietly instead.\n"),
]


def series_files() -> list[str]:
    """The driver after each of the three patches."""
    before_helper, rest = V3.split(HELPER_START, 1)
    first = before_helper + "static int hv_pci_resume" + rest.split("static int hv_pci_resume",
                                                                     1)[1]
    first = first.replace(CALL, "")
    third = V3.replace("if (WARN_ON_ONCE(!irq_data)) {", "if (!irq_data) {")
    assert first != V3 and third != V3
    return [first, V3, third]


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dexter Quill",
           "GIT_AUTHOR_EMAIL": "dquill@example.com", "GIT_COMMITTER_NAME": "Dexter Quill",
           "GIT_COMMITTER_EMAIL": "dquill@example.com",
           "GIT_AUTHOR_DATE": "2020-09-21T15:44:02+00:00",
           "GIT_COMMITTER_DATE": "2020-09-21T15:44:02+00:00"}
    return subprocess.run(["git", *args], cwd=repo, input=stdin, capture_output=True, text=True,
                          env=env, timeout=60, check=True).stdout


def three_patch_mbox(tmp_path: Path) -> tuple[Path, str]:
    """The series as git format-patch mails it, with a cover letter; and its base commit."""
    work = tmp_path / "author"
    base = build_kernel_repo(work)
    for text, (subject, body) in zip(series_files(), LOGS, strict=True):
        (work / HV_FILE).write_text(text)
        git(work, "commit", "-q", "-a", "-F", "-",
            stdin=f"{subject}\n\n{body}\nSigned-off-by: Dexter Quill <dquill@example.com>\n")
    out = git(work, "format-patch", "--cover-letter", "--thread=shallow", "--stdout",
              f"--base={base}", f"{base}..HEAD")
    cover = ("PCI: hv: Fix hibernation in case interrupts are not re-created",
             "MSIs stay masked, and kept MSIs point nowhere, after a Hyper-V VM\n"
             "resumes from hibernation. Patch 1 unmasks on every path, patch 2\n"
             f"composes kept MSIs again, patch 3 quiets a warning.\n\nchange-id: {CHANGE_ID}")
    out = out.replace("*** SUBJECT HERE ***", cover[0]).replace("*** BLURB HERE ***", cover[1])
    path = tmp_path / "series.mbox"
    path.write_text(out)
    return path, base


def mails(mbox: Path) -> list[tuple[str, email.message.EmailMessage]]:
    out = []
    for raw in mailbox.mbox(str(mbox)):
        msg = email.message_from_bytes(raw.as_bytes(), policy=email.policy.EmailPolicy())
        out.append((msg["Message-ID"].strip("<>"), msg))
    return out


@pytest.fixture
def b4_repo(tmp_path, monkeypatch):
    """A kernel repository configured for b4 review with lorebot as both checks."""
    import b4

    repo = tmp_path / "linux"
    build_kernel_repo(repo)
    for key, value in (("b4.review-perpatch-check-cmd", f"{LOREBOT} b4-check"),
                       ("b4.review-series-check-cmd", f"{LOREBOT} b4-check --series"),
                       ("user.name", "Maint Ainer"), ("user.email", "maint@example.org"),
                       ("b4.midmask", "http://127.0.0.1:9/all/%s")):
        git(repo, "config", key, value)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("LOREBOT_LORE_RETRIES", "0")
    b4._setup_main_config(None, str(repo))
    return repo


def run_checks(repo: Path, series: list, extra_env: dict | None = None):
    """b4's own runners: every patch, then the series on its cover letter."""
    from b4.review import checks as b4_checks

    perpatch, series_cmds = b4_checks.load_check_cmds()
    assert perpatch == [f"{LOREBOT} b4-check"]
    cover, patches = series[0], series[1:]
    per = b4_checks.run_perpatch_checks(patches, perpatch, str(repo), extra_env=extra_env)
    whole = b4_checks.run_series_checks(cover, series_cmds, str(repo), extra_env=extra_env)
    return [per[msgid] for msgid, _ in patches], whole


def by_tool(rows: list[dict]) -> dict[str, dict]:
    assert len({r["tool"] for r in rows}) == len(rows)  # b4 keeps one row per tool
    return {r["tool"]: r for r in rows}


def make_review_branch(repo: Path, mbox: Path, base: str) -> dict:
    """What `b4 review` does when it checks a series out: b4's code, the tracking data back."""
    import b4
    import b4.review

    lore_mailbox = b4.LoreMailbox()
    for _, msg in mails(mbox):
        lore_mailbox.add_message(msg)
    lser = lore_mailbox.get_series(1, codereview_trailers=False)
    am = lser.get_am_ready(noaddtrailers=True, addmysob=False, addlink=False, cherrypick=None,
                           copyccs=False, allowbadchars=False, showchecks=False)
    ambytes = io.BytesIO()
    b4.save_git_am_mbox(am, ambytes)
    link = "https://lore.example.org/r/%s"
    b4.git_fetch_am_into_repo(str(repo), ambytes=ambytes.getvalue(), at_base=base,
                              origin=link % lser.patches[1].msgid)
    branch = f"b4/review/{lser.change_id}"
    b4.review.create_review_branch(str(repo), branch, base, lser, link % lser.patches[1].msgid,
                                   link)
    return b4.review.load_tracking(str(repo), branch)[1]


def test_every_patch_and_the_series_get_rows_on_b4s_review_branch(tmp_path, b4_repo):
    mbox, base = three_patch_mbox(tmp_path)
    tracking = make_review_branch(b4_repo, mbox, base)
    assert tracking["series"]["change-id"] == CHANGE_ID
    tracking_file = tmp_path / "tracking.json"
    tracking_file.write_text(json.dumps(tracking))
    per_patch, whole = run_checks(b4_repo, mails(mbox),
                                  {"B4_TRACKING_FILE": str(tracking_file)})
    rows = [by_tool(r) for r in per_patch]
    assert [set(r) for r in rows] == [{"lorebot"}] * 3  # code rules ran on every patch
    first, second, third = (r["lorebot"] for r in rows)
    assert first["status"] == "pass" and first["summary"] == "no findings"
    for number, row in enumerate((first, second, third), 1):
        base_line = json.loads(row["details"])[0]["description"]
        assert f"(b4's review branch b4/review/{CHANGE_ID}" in base_line
        applied = {1: "", 2: " with patch 1 applied", 3: " with patches 1-2 applied"}[number]
        assert f"(b4's review branch b4/review/{CHANGE_ID}{applied})" in base_line
    series = by_tool(whole)
    assert set(series) == {"lorebot-series"}
    assert series["lorebot-series"]["status"] in ("pass", "warn", "fail")
    assert series["lorebot-series"]["summary"]


def test_without_a_cover_letter_the_series_row_leaves_the_first_patchs_own(tmp_path, b4_repo):
    """b4 gives the series check the first patch when there is no cover letter, and keeps one
    row per message and tool in its cache: the series' rows must not replace the patch's."""
    from b4.review import checks as b4_checks

    mbox, base = three_patch_mbox(tmp_path)
    tracking = make_review_branch(b4_repo, mbox, base)
    tracking_file = tmp_path / "tracking.json"
    tracking_file.write_text(json.dumps(tracking))
    env = {"B4_TRACKING_FILE": str(tracking_file)}
    patches = mails(mbox)[1:]
    perpatch, series_cmds = b4_checks.load_check_cmds()
    own = b4_checks.run_perpatch_checks(patches[:1], perpatch, str(b4_repo), extra_env=env)
    whole = b4_checks.run_series_checks(patches[0], series_cmds, str(b4_repo), extra_env=env)
    conn = b4_checks.get_db()
    b4_checks.store_results(conn, patches[0][0], own[patches[0][0]] + whole)
    cached = by_tool(b4_checks.get_cached_results(conn, [patches[0][0]])[patches[0][0]])
    assert set(cached) == {"lorebot", "lorebot-series"}
    assert cached["lorebot"]["status"] == "pass"  # patch 1 alone is clean
    assert cached["lorebot-series"]["details"] != cached["lorebot"]["details"]


def test_without_a_review_branch_patches_are_reviewed_alone_and_say_what_was_missed(
        tmp_path, b4_repo):
    mbox, _ = three_patch_mbox(tmp_path)
    per_patch, whole = run_checks(b4_repo, mails(mbox))
    first, second, third = (by_tool(r) for r in per_patch)
    assert set(first) == {"lorebot"} and first["lorebot"]["status"] == "pass"
    # Patch 3 changes lines patch 2 added: alone, its hunk has nothing to apply to.
    assert third["lorebot-code"]["status"] == "warn"
    assert third["lorebot-code"]["summary"].startswith(f"not checked: patch 3: {HV_FILE}: ")
    assert "does not apply" in third["lorebot-code"]["summary"]
    assert "the series' earlier patches are not applied" in third["lorebot"]["details"]
    # The series without b4's data: lore (unreachable here) is asked, and the row says so.
    (row,) = whole
    assert row["tool"] == "lorebot-series" and row["status"] == "warn"
    assert row["summary"].startswith("could not review: ")


@pytest.mark.parametrize("version, status", [(2, "fail"), (3, "pass")])
def test_one_patch_series_rows(b4_repo, version, status):
    (msgid, msg), = mails(FIXTURES / f"v{version}.mbox")[:1]
    (rows,), _ = run_checks(b4_repo, [("cover", msg), (msgid, msg)])
    row = by_tool(rows)["lorebot"]
    assert row["status"] == status
    details = json.loads(row["details"])
    assert details[0] == {"status": "pass", "description": f"base: repository {b4_repo}: the "
                          "blobs named on the index lines (all 1 found)"}
    assert (version == 2) == any("hv-unmask-every-exit" in d["description"] for d in details)


def test_a_series_row_says_which_patch_each_finding_is_about(tmp_path):
    from mails import mbox, patch_mail, write

    from bot.checks import chosen_rules
    from bot.commands.b4_check import rows
    from bot.review import review_series
    from bot.source.mbox import read_series

    good = patch_mail("[PATCH 1/2] lib: demo: Return the next value", msgid="1@example.com")
    bare = patch_mail("[PATCH 2/2] lib: demo: Return the next value again",
                      msgid="2@example.com", reply_to="1@example.com",
                      log="Signed-off-by: Ann Author <ann@example.com>\n")
    review = review_series(read_series(write(tmp_path / "s.mbox", mbox(good, bare))),
                           chosen_rules())
    row, code = rows(review, "lorebot-series")  # no --repo: code rules could not run
    assert code["tool"] == "lorebot-series-code"
    described = [d["description"] for d in json.loads(row["details"])[1:]]
    assert "[log-description] patch 2: " in "".join(described)
    assert all("] patch " in d for d in described)


def test_a_patch_whose_blobs_the_repository_has_needs_no_tracking_data(tmp_path, b4_repo):
    """Earlier patches applied somewhere in the repository (b4 shazam, a branch): the
    index line's blob is patch N-1's result, so patch N is reviewed on it exactly."""
    mbox, base = three_patch_mbox(tmp_path)
    make_review_branch(b4_repo, mbox, base)  # the commits exist; no B4_TRACKING_FILE given
    per_patch, _ = run_checks(b4_repo, mails(mbox))
    third = by_tool(per_patch[2])
    assert set(third) == {"lorebot"}  # code rules ran
    base_line = json.loads(third["lorebot"]["details"])[0]["description"]
    assert base_line == f"base: repository {b4_repo}: the blobs named on the index lines " \
                        "(all 1 found)"
