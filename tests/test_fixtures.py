"""The committed fixture mboxes are what generate.py makes, and they apply for real."""

import importlib.util
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
    for name in ("v1.mbox", "v2.mbox", "v3.mbox", "all.mbox", "v2-resume-only.mbox"):
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
