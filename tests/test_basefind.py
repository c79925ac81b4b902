"""Which base a posted series is reviewed on: blobs, base-commit, a guessed base, HEAD.

Every output names the base and why; code rules run on a fallback base (the
hunks placed by their context, offsets and fuzz reported) and are skipped only
where nothing applies.
"""

import email
import json
import mailbox
import subprocess
from datetime import UTC, datetime

import pygit2
import pytest
from kernel_repo import FIXTURES, HV_FILE, build_kernel_repo
from mails import mbox, patch_mail, write

from bot.basefind import find_base
from bot.cli import main
from bot.source.mbox import read_series

BASE_TEXT = (FIXTURES / "base" / HV_FILE).read_text()
V2 = (FIXTURES / "v2.mbox").read_text()
V2_SENT = datetime(2020, 9, 12, 9, 30, 11, tzinfo=UTC)


def review_json(capsys, *args):
    assert main(["review", *map(str, args), "--format", "json", "--fail-on", "never"]) == 0
    return json.loads(capsys.readouterr().out)


def local_edit(text: str) -> str:
    """The file as another tree has it: lines added on top, a context line reworded."""
    return ("/* local notes */\n" * 5 + text).replace(
        "\tpbus = pdev->bus;\n\thbus = container_of",
        "\tpbus = pdev->bus; /* the PCI bus */\n\thbus = container_of", 1)


def commit_files(repo: pygit2.Repository, when: datetime, subject: str,
                 files: dict[str, str]) -> str:
    """A commit on master at ``when`` holding exactly ``files``."""
    index = pygit2.Index()
    for path, text in files.items():
        index.add(pygit2.IndexEntry(path, repo.create_blob(text.encode()),
                                    pygit2.GIT_FILEMODE_BLOB))
    sig = pygit2.Signature("Base Author", "base@example.com", int(when.timestamp()), 0)
    parents = [] if repo.head_is_unborn else [repo.head.target]
    return str(repo.create_commit("HEAD", sig, sig, subject + "\n", index.write_tree(repo),
                                  parents))


def test_the_v2_posting_against_a_repository_lacking_its_blob_reviews_on_head(tmp_path,
                                                                              capsys):
    """The acceptance case: neither blob nor base-commit nor a recent fit -> HEAD, said."""
    base = tmp_path / "other-base"
    (base / HV_FILE).parent.mkdir(parents=True)
    (base / HV_FILE).write_text(local_edit(BASE_TEXT))
    repo = tmp_path / "linux"
    head = build_kernel_repo(repo, base=base, history=[])
    doc = review_json(capsys, "--mbox", FIXTURES / "v2.mbox", "--repo", repo)
    assert doc["base"] == (
        f"repository {repo} at HEAD {head[:12]} ({HV_FILE} (blob c52c357) not in it; "
        "base-commit 943620c38f1f not in it; no commit of the 30 days before the series "
        "has its blobs): hunks placed by their context")
    assert doc["hunks_moved"] == [
        {"patch": 1, "file": HV_FILE, "hunk": 1, "stated_line": 96, "line": 101, "offset": 5,
         "fuzz": 1},
        {"patch": 1, "file": HV_FILE, "hunk": 2, "stated_line": 201, "line": 206, "offset": 5,
         "fuzz": 0},
        {"patch": 1, "file": HV_FILE, "hunk": 3, "stated_line": 226, "line": 231, "offset": 5,
         "fuzz": 0}]
    unmask = [f for f in doc["findings"] if f["rule"] == "hv-unmask-every-exit"]
    assert unmask and unmask[0]["line"] == 154 + 5 and unmask[0]["function"] == "hv_irq_unmask"
    assert not [s for s in doc["skipped"] if "code rules" in s]
    assert main(["review", "--mbox", str(FIXTURES / "v2.mbox"), "--repo", str(repo)]) == 1
    text = capsys.readouterr().out
    assert f"  base: repository {repo} at HEAD {head[:12]} (" in text
    assert f"  patch 1: hunk 1 of {HV_FILE} applied at line 101 (offset +5 lines, fuzz 1)" in text


def test_base_commit_serves_files_whose_blob_is_missing(tmp_path, capsys):
    head = build_kernel_repo(tmp_path / "linux")
    mbox = write(tmp_path / "v2.mbox", V2.replace("index c52c357..", "index 0123abc.."))
    series = read_series(mbox)
    assert series.base_commit == head  # the fixtures name the repository's base commit
    tree = find_base(tmp_path / "linux", series)
    assert tree.description == (f"repository {tmp_path / 'linux'} at base-commit {head[:12]} "
                                f"({HV_FILE} (blob 0123abc) not in it)")
    doc = review_json(capsys, "--mbox", mbox, "--repo", tmp_path / "linux")
    assert doc["base"] == tree.description and doc["hunks_moved"] == []
    honest = review_json(capsys, "--mbox", FIXTURES / "v2.mbox", "--tree", FIXTURES / "base")
    assert [f["line"] for f in doc["findings"]] == [f["line"] for f in honest["findings"]]


def two_file_series(tmp_path, y_blob: str) -> str:
    """v2's diff and a one-line change to lib/y.c whose pre-image is ``y_blob``."""
    diff = V2[V2.index("diff --git"):V2.index("base-commit:")]
    y_diff = (f"diff --git a/lib/y.c b/lib/y.c\nindex {y_blob}..89abcde 100644\n"
              "--- a/lib/y.c\n+++ b/lib/y.c\n@@ -1,4 +1,4 @@\n int y(void)\n {\n"
              "-\treturn 1;\n+\treturn 2;\n }\n")
    return patch_mail("[PATCH] PCI: hv: Two files", diff=diff + y_diff).replace(
        "Date: Mon, 1 Jun 2020 10:00:00 +0000", "Date: Sat, 12 Sep 2020 09:30:11 +0000")


Y_OLD = "int y(void)\n{\n\treturn 1;\n}\n"


@pytest.fixture
def history(tmp_path):
    """master: the driver at c52c357 on Aug 20; changed on Sep 5; HEAD (Oct 1) later."""
    repo = pygit2.init_repository(str(tmp_path / "linux"), initial_head="master")
    fit = commit_files(repo, datetime(2020, 8, 20, tzinfo=UTC), "PCI: hv: base",
                       {HV_FILE: BASE_TEXT, "lib/y.c": "/* y */\n" + Y_OLD})
    repo.references.create("refs/tags/v5.9-rc1", fit)  # git describe needs a tag below
    commit_files(repo, datetime(2020, 9, 5, tzinfo=UTC), "PCI: hv: later",
                 {HV_FILE: local_edit(BASE_TEXT), "lib/y.c": "/* y, later */\n" + Y_OLD})
    commit_files(repo, datetime(2020, 10, 1, tzinfo=UTC), "PCI: hv: after the series",
                 {HV_FILE: local_edit(local_edit(BASE_TEXT)), "lib/y.c": Y_OLD})
    return tmp_path / "linux", fit


def test_guessed_base_is_the_commit_b4_guesses(tmp_path, capsys, history, monkeypatch):
    import b4

    repo_path, fit = history
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(repo_path)
    b4._setup_main_config(None, str(repo_path))
    mbox = write(tmp_path / "two.mbox", "From mboxrd@z Thu Jan  1 00:00:00 1970\n"
                 + two_file_series(tmp_path, "1234567"))
    series = read_series(mbox)
    tree = find_base(repo_path, series)
    assert tree.description == (
        f"repository {repo_path} at {fit[:12]}, a guessed base (1 of 2 blobs match there, "
        "as b4 am --guess-base finds it; lib/y.c (blob 1234567) not in it; no base-commit); "
        "the other files' hunks placed by their context")
    # b4's own guess on the same mails and repository agrees.
    lore_mailbox = b4.LoreMailbox()
    for msg in mailbox.mbox(str(mbox)):
        lore_mailbox.add_message(email.message_from_bytes(msg.as_bytes()))
    lore_series = lore_mailbox.get_series(1, codereview_trailers=False)
    described, total, mismatches = lore_series.find_base(str(repo_path))
    found = subprocess.run(["git", "rev-parse", described], cwd=repo_path, capture_output=True,
                           text=True, timeout=30, check=True).stdout.strip()
    assert (found, total, mismatches) == (fit, 2, 1)
    doc = review_json(capsys, "--mbox", mbox, "--repo", repo_path)
    assert doc["base"] == tree.description
    assert {(m["file"], m["offset"], m["fuzz"]) for m in doc["hunks_moved"]} == {
        ("lib/y.c", 1, 0)}
    assert "hv-unmask-every-exit" in {f["rule"] for f in doc["findings"]}


def test_a_fallback_base_too_far_off_skips_that_file_and_says_why(tmp_path, capsys):
    far = tmp_path / "far"
    (far / HV_FILE).parent.mkdir(parents=True)
    (far / HV_FILE).write_text(BASE_TEXT.replace("spin_lock_irqsave(&hbus->retarget",
                                                 "raw_spin_lock_irqsave(&hbus->retarget"))
    build_kernel_repo(tmp_path / "linux", base=far, history=[])
    doc = review_json(capsys, "--mbox", FIXTURES / "v2.mbox", "--repo", tmp_path / "linux")
    assert " at HEAD " in doc["base"]
    (why,) = [s for s in doc["skipped"] if s.startswith(f"patch 1: {HV_FILE}:")]
    assert "hunk #1 (@@ -96,6 +96,15 @@) does not apply" in why
    assert why.endswith(", on a fallback base (not the author's); code rules skipped")
    assert {f["kind"] for f in doc["findings"]} == {"commit-log"}


def _diff(old: str, new: str, old_blob: str) -> str:
    import difflib

    body = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                        f"a/{HV_FILE}", f"b/{HV_FILE}"))
    return f"diff --git a/{HV_FILE} b/{HV_FILE}\nindex {old_blob}..89abcde 100644\n{body}"


V2_TEXT = (FIXTURES / "src" / "v2.c").read_text()
V2_DIFF = V2[V2.index("diff --git"):V2.index("base-commit:")]
COMMENT = "\t/* No new work may be queued from now on. */\n"


def cover_series(tmp_path, base_commit: str) -> str:
    """v2 split as format-patch --cover-letter --base makes it: the base-commit: line in the
    cover letter only, and a second patch rewording a comment of the file."""
    cover = patch_mail("[PATCH v2 0/2] PCI: hv: Hibernation fixes", msgid="0@example.com",
                       log="Two fixes for resume.\n\n", diff="").replace(
        "-- \n2.30.0", f"base-commit: {base_commit}\n-- \n2.30.0")
    one = patch_mail("[PATCH v2 1/2] PCI: hv: Fix hibernation", msgid="1@example.com",
                     reply_to="0@example.com",
                     diff=V2_DIFF.replace("index c52c357..", "index 0123abc.."))
    two = patch_mail("[PATCH v2 2/2] PCI: hv: Say why nothing is queued", msgid="2@example.com",
                     reply_to="0@example.com", diff=_diff(
                         V2_TEXT, V2_TEXT.replace(COMMENT, "\t/* Nothing is queued now. */\n"),
                         "4567abc"))
    return write(tmp_path / "cover.mbox", mbox(cover, one, two))


def test_the_cover_letters_base_commit_is_the_base(tmp_path):
    head = build_kernel_repo(tmp_path / "linux")
    series = read_series(cover_series(tmp_path, head))
    assert series.base_commit == head
    tree = find_base(tmp_path / "linux", series)
    assert tree.description.startswith(f"repository {tmp_path / 'linux'} at base-commit "
                                       f"{head[:12]} ({HV_FILE} (blob 0123abc) not in it)")


def test_after_a_patch_that_does_not_apply_the_files_later_patches_are_skipped(tmp_path,
                                                                               capsys):
    """As git am stops there: patch 2 would otherwise be reviewed on a file without patch 1."""
    far = tmp_path / "far"
    (far / HV_FILE).parent.mkdir(parents=True)
    (far / HV_FILE).write_text(BASE_TEXT.replace("spin_lock_irqsave(&hbus->retarget",
                                                 "raw_spin_lock_irqsave(&hbus->retarget"))
    build_kernel_repo(tmp_path / "linux", base=far, history=[])
    doc = review_json(capsys, "--mbox", cover_series(tmp_path, "f" * 40),
                      "--repo", tmp_path / "linux")
    first, second = [s for s in doc["skipped"] if "code rules skipped" in s]
    assert first.startswith(f"patch 1: {HV_FILE}: hunk #1 (@@ -96,6 +96,15 @@) does not apply")
    assert second == (f"patch 2: {HV_FILE}: patch 1 did not apply to it, so this patch's "
                      "changes cannot be placed; code rules skipped")
    assert {f["kind"] for f in doc["findings"]} == {"commit-log"}
