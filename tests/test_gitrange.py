"""A git range reviewed exactly as the same commit posted by mail."""

import json

import pytest
from github_repo import pull_request_repo
from kernel_repo import FIXTURES

from bot.cli import main
from bot.errors import InputError, NotFoundError
from bot.source.gitrange import read_range


def findings(capsys, *args):
    assert main(["review", *args, "--format", "json", "--fail-on", "never"]) == 0
    doc = json.loads(capsys.readouterr().out)
    return [(f["rule"], f["file"], f["line"], f["status"], f["message"])
            for f in doc["findings"]]


def test_range_review_equals_mbox_review(tmp_path, capsys):
    base, head = pull_request_repo(tmp_path, 2)
    by_range = findings(capsys, "--range", f"{base}..{head}", "--repo", str(tmp_path))
    by_mail = findings(capsys, "--mbox", str(FIXTURES / "v2.mbox"), "--tree",
                       str(FIXTURES / "base"))
    assert by_range == by_mail
    assert ("hv-unmask-every-exit", "drivers/pci/controller/pci-hyperv.c", 154,
            "preexisting") in [f[:4] for f in by_range]


def test_series_of_commits(tmp_path):
    base, head = pull_request_repo(tmp_path, 3)
    series = read_range(tmp_path, f"{base}~2..{head}")
    assert [p.subject.split("]")[0] for p in series.patches] == ["[PATCH 1/3", "[PATCH 2/3",
                                                                 "[PATCH 3/3"]
    assert series.patches[2].message.author_email == "dquill@example.com"
    assert series.patches[2].log.trailer_values("Fixes")


@pytest.mark.parametrize("spec, error", [("HEAD", InputError), ("nope..HEAD", NotFoundError),
                                         ("HEAD..HEAD", InputError)])
def test_bad_ranges(tmp_path, spec, error):
    pull_request_repo(tmp_path, 2)
    with pytest.raises(error):
        read_range(tmp_path, spec)


def test_range_needs_repo(capsys):
    assert main(["review", "--range", "a..b"]) == 2
    assert "--range needs --repo" in capsys.readouterr().err
