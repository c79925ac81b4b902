"""Pre- and post-images from a real git repository and from a folder."""

import pygit2
import pytest
from kernel_repo import FIXTURES, HV_FILE, build_kernel_repo
from mails import BASE_DEMO, DIFF, mbox, patch_mail, write

from bot.basefind import find_base
from bot.errors import NotFoundError, PatchApplyError
from bot.source.mbox import read_series
from bot.tree import FolderTree, RepoTree, series_images


def test_repo_by_blob_id_and_by_base_commit(tmp_path):
    base = build_kernel_repo(tmp_path / "linux")
    series = read_series(FIXTURES / "v2.mbox")
    expected = (FIXTURES / "src" / "v2.c").read_text()
    by_blob = series_images(series, RepoTree(tmp_path / "linux"))[0].files[HV_FILE]
    by_base = RepoTree(tmp_path / "linux", base)
    by_base_images = series_images(series, by_base)[0].files[HV_FILE]
    assert by_blob.post == by_base_images.post == expected
    assert by_blob.pre == (FIXTURES / "base" / HV_FILE).read_text()
    # A blob id the repository lacks falls back to the file at base-commit.
    series.patches[0].files[0].old_blob = "0123456"
    assert series_images(series, by_base)[0].files[HV_FILE].post == expected
    # ... and without a base, the file is skipped with the reason.
    skipped = series_images(series, RepoTree(tmp_path / "linux"))[0].skipped
    assert "blob 0123456" in skipped[HV_FILE]


def test_unknown_base(tmp_path):
    build_kernel_repo(tmp_path)
    with pytest.raises(NotFoundError):
        RepoTree(tmp_path, "deadbeefdeadbeef")
    # A posted series' base-commit our tree lacks: the index lines' blobs still serve.
    series = read_series(FIXTURES / "v2.mbox")
    series.patches[0].log.base_commit = "deadbeefdeadbeef"
    tree = find_base(tmp_path, series)
    assert tree.description.endswith("the blobs named on the index lines (all 1 found)")
    images = series_images(series, tree)[0]
    assert images.files[HV_FILE].post == (FIXTURES / "src" / "v2.c").read_text()
    assert not images.moved and images.patch is series.patches[0]


def test_folder_and_cumulative_series(tmp_path):
    (tmp_path / "lib").mkdir()
    write(tmp_path / "lib" / "demo.c", BASE_DEMO)
    second = DIFF.replace("index 3b18e51..5c1a2f0", "index 5c1a2f0..6d2b3e1").replace(
        "-\treturn x;\n+\treturn x + 1;", "-\treturn x + 1;\n+\treturn x + 2;")
    new_file = ("diff --git a/lib/new.c b/lib/new.c\nnew file mode 100644\n"
                "index 0000000..1234567\n--- /dev/null\n+++ b/lib/new.c\n@@ -0,0 +1,1 @@\n"
                "+int fresh;\n")
    mails = [patch_mail("[PATCH 1/2] lib: one", msgid="1@x"),
             patch_mail("[PATCH 2/2] lib: two", msgid="2@x", diff=second + new_file)]
    images = series_images(read_series(write(tmp_path / "s.mbox", mbox(*mails))),
                           FolderTree(tmp_path))
    assert images[0].files["lib/demo.c"].post == BASE_DEMO.replace("x;", "x + 1;")
    assert images[1].files["lib/demo.c"].pre == images[0].files["lib/demo.c"].post
    assert images[1].files["lib/demo.c"].post == BASE_DEMO.replace("x;", "x + 2;")
    assert images[1].files["lib/new.c"].pre is None
    assert images[1].files["lib/new.c"].post == "int fresh;\n"


def test_offset_hunks_apply_and_bad_ones_are_named(tmp_path):
    (tmp_path / "lib").mkdir()
    write(tmp_path / "lib" / "demo.c", "/* moved */\n/* down */\n" + BASE_DEMO)
    mail = write(tmp_path / "p.eml", patch_mail())
    post = series_images(read_series(mail), FolderTree(tmp_path))[0].files["lib/demo.c"].post
    assert post.endswith("\treturn x + 1;\n}\n/* end */\n")
    (moved,) = series_images(read_series(mail), FolderTree(tmp_path))[0].moved
    assert moved.describe() == "patch 1: hunk 1 of lib/demo.c applied at line 3 (offset +2 lines)"
    # Context that differs near the ends is fuzz, as GNU patch allows; a removed line is not.
    write(tmp_path / "lib" / "demo.c", BASE_DEMO.replace("{", "{ /* changed */"))
    fuzzy = series_images(read_series(mail), FolderTree(tmp_path))[0]
    assert fuzzy.files["lib/demo.c"].post == BASE_DEMO.replace("{", "{ /* changed */").replace(
        "x;", "x + 1;")
    assert [m.describe() for m in fuzzy.moved] == [
        "patch 1: hunk 1 of lib/demo.c applied at line 1 (offset +0 lines, fuzz 2)"]
    write(tmp_path / "lib" / "demo.c", BASE_DEMO.replace("x;", "y;"))
    with pytest.raises(PatchApplyError, match=r"patch 1/1 .*lib/demo.c: hunk #1 .* does not "
                       r"apply: .*'return x;'"):
        series_images(read_series(mail), FolderTree(tmp_path))


def test_deleted_file(tmp_path):
    (tmp_path / "lib").mkdir()
    write(tmp_path / "lib" / "demo.c", BASE_DEMO)
    diff = ("diff --git a/lib/demo.c b/lib/demo.c\ndeleted file mode 100644\n"
            "index 3b18e51..0000000\n--- a/lib/demo.c\n+++ /dev/null\n@@ -1,5 +0,0 @@\n"
            + "".join(f"-{line}\n" for line in BASE_DEMO.splitlines()))
    images = series_images(read_series(write(tmp_path / "p.eml", patch_mail(diff=diff))),
                           FolderTree(tmp_path))
    assert images[0].files["lib/demo.c"].post is None
    assert images[0].files["lib/demo.c"].pre == BASE_DEMO


def test_repo_blob_lookup_uses_real_objects(tmp_path):
    build_kernel_repo(tmp_path)
    repo = pygit2.Repository(str(tmp_path))
    blob = repo.revparse_single(f"HEAD:{HV_FILE}")
    assert RepoTree(tmp_path).read(HV_FILE, str(blob.id)[:7]).text == blob.data.decode()
