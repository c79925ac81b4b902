"""The committed fixture mboxes are what generate.py makes, and they apply for real."""

import importlib.util
import mailbox
import re
import subprocess
import sys
from pathlib import Path

import pygit2
from kernel_repo import FIXTURES, HV_FILE, build_kernel_repo

from bot.source.mbox import read_series
from bot.tree import RepoTree, series_images


def _generator():
    spec = importlib.util.spec_from_file_location("generate", FIXTURES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_reproduces_committed_mboxes(tmp_path):
    _generator().generate(tmp_path)
    for name in ("v1.mbox", "v2.mbox", "v3.mbox", "all.mbox", "v2-resume-only.mbox",
                 "v3-log-only.mbox", "all-log-only.mbox"):
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


def test_each_version_applies_with_git_and_with_lorebot(tmp_path):
    repo_dir = tmp_path / "linux"
    base = build_kernel_repo(repo_dir)
    for version in (1, 2, 3):
        mbox = FIXTURES / f"v{version}.mbox"
        series = read_series(mbox)
        assert series.base_commit == base
        subprocess.run(["git", "apply", "--check", "-"], cwd=repo_dir, check=True,
                       input=series.patches[0].diff_text.encode(), timeout=30)
        images = series_images(series, RepoTree(repo_dir, series.base_commit))
        post = images[0].files[HV_FILE].post
        assert post == (FIXTURES / "src" / f"v{version}.c").read_text()


def test_fixes_tag_names_the_hibernation_commit(tmp_path):
    build_kernel_repo(tmp_path)
    series = read_series(FIXTURES / "v3.mbox")
    sha = series.patches[0].log.trailer_values("Fixes")[0].split()[0]
    commit = pygit2.Repository(str(tmp_path)).revparse_single(sha)
    assert commit.message.splitlines()[0] == "PCI: hv: Add hibernation support"


def test_generator_runs_as_a_script(tmp_path):
    subprocess.run([sys.executable, str(FIXTURES / "generate.py"), str(tmp_path)], check=True,
                   timeout=60)
    assert Path(tmp_path / "v2.mbox").read_bytes() == (FIXTURES / "v2.mbox").read_bytes()


def test_index_lines_name_real_blobs(tmp_path):
    build_kernel_repo(tmp_path)
    repo = pygit2.Repository(str(tmp_path))
    base_blob = (FIXTURES / "base" / HV_FILE).read_bytes()
    for version in (1, 2, 3):
        text = (FIXTURES / f"v{version}.mbox").read_text()
        (pre, post), = re.findall(r"^index ([0-9a-f]{7,})\.\.([0-9a-f]{7,}) 100644$", text,
                                 re.MULTILINE)
        blob = repo.revparse_single(pre)
        assert isinstance(blob, pygit2.Blob) and blob.data == base_blob
        want = (FIXTURES / "src" / f"v{version}.c").read_bytes()
        assert str(pygit2.hash(want)).startswith(post)


def test_mbox_shape():
    for name, count in (("v1.mbox", 3), ("v2.mbox", 2), ("v3.mbox", 1), ("all.mbox", 6),
                        ("all-log-only.mbox", 6)):
        raw = (FIXTURES / name).read_text(encoding="utf-8")
        assert raw.count("From mboxrd@z Thu Jan  1 00:00:00 1970\n") == count
        assert len(mailbox.mbox(str(FIXTURES / name))) == count
    reply = list(mailbox.mbox(str(FIXTURES / "v2.mbox")))[1]
    assert reply["In-Reply-To"] == "<20200912093011.2210-1-dquill@example.com>"
    body = (FIXTURES / "v3.mbox").read_text().split("\n\n", 1)[1].split("\n---\n", 1)[0]
    assert max(map(len, body.splitlines())) <= 75
    assert re.search(r"^Fixes: [0-9a-f]{12} \(", body, re.MULTILINE)


def test_custom_history_ends_in_exactly_the_base_tree(tmp_path):
    history = [("PCI: hv: First", {HV_FILE: "int x;\n", "README": "old\n"}),
               ("PCI: hv: Second", {HV_FILE: b"int y;\n"})]
    head = build_kernel_repo(tmp_path, history=history)
    repo = pygit2.Repository(str(tmp_path))
    subjects = [c.message.splitlines()[0] for c in repo.walk(repo.head.target)]
    assert subjects[1:] == ["PCI: hv: Second", "PCI: hv: First"]
    tree = repo[head].tree
    assert [e.name for e in tree] == ["drivers"]
    assert repo[tree[HV_FILE].id].data == (FIXTURES / "base" / HV_FILE).read_bytes()
    assert build_kernel_repo(tmp_path / "again", history=history) == head
