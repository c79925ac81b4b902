"""`lorebot review` end to end on the pci-hyperv fixtures: formats, exit codes, bases."""

import json

import pytest
from kernel_repo import FIXTURES, build_kernel_repo
from mails import DIFF, patch_mail, write

from bot.cli import main

BASE = str(FIXTURES / "base")


def review_json(capsys, *args):
    code = main(["review", *map(str, args), "--format", "json", "--fail-on", "never"])
    assert code == 0
    return json.loads(capsys.readouterr().out)


def test_repo_and_tree_give_the_same_findings(tmp_path, capsys):
    repo = tmp_path / "linux"
    build_kernel_repo(repo)
    mbox = FIXTURES / "v2.mbox"
    by_repo = review_json(capsys, "--mbox", mbox, "--repo", repo)
    by_tree = review_json(capsys, "--mbox", mbox, "--tree", BASE)
    assert by_repo["findings"] == by_tree["findings"]
    assert "log-line-length" in {f["rule"] for f in by_tree["findings"]}
    assert by_repo["series"]["version"] == 2 and by_repo["base"].startswith("repository")


def test_v3_has_no_structure_findings(capsys):
    doc = review_json(capsys, "--mbox", FIXTURES / "v3.mbox", "--tree", BASE)
    structure = {"log-description", "log-signed-off-by", "log-fixes-format", "log-line-length",
                 "log-commit-reference", "log-subject-shape", "log-changelog"}
    assert not [f for f in doc["findings"] if f["rule"] in structure]


def test_json_schema_fields(capsys):
    doc = review_json(capsys, "--mbox", FIXTURES / "all.mbox")
    assert doc["schema"] == "lorebot-review/1"
    assert doc["series"]["versions_seen"] == [1, 2, 3] and doc["series"]["version"] == 3
    assert doc["series"]["message_id"] == "20200921154402.3377-1-dquill@example.com"
    assert doc["patches"][0]["author"] == "Dexter Quill <dquill@example.com>"
    assert set(doc["summary"]) == {"info", "warning", "error"}


@pytest.mark.parametrize("fail_on, expected", [("error", 0), ("warning", 1), ("never", 0)])
def test_fail_on(tmp_path, capsys, fail_on, expected):
    long_line = ("demo() returns its argument unchanged, so callers that expect the next value "
                 "read past the table.\n\nReturn x + 1.\n\n")
    mail = write(tmp_path / "p.eml", patch_mail(log=long_line +
                                                "Signed-off-by: Ann Author <ann@example.com>\n"))
    assert main(["review", "--mbox", str(mail), "--fail-on", fail_on]) == expected
    assert "log-line-length" in capsys.readouterr().out


def test_error_exit(tmp_path, capsys):
    # no description on a change of more than one line is an error (one line: a warning)
    diff = DIFF.replace("@@ -1,5 +1,5 @@", "@@ -1,5 +1,7 @@").replace(
        "+\treturn x + 1;\n", "+\tif (x < 0)\n+\t\treturn 0;\n+\treturn x + 1;\n")
    mail = write(tmp_path / "p.eml", patch_mail(log="Signed-off-by: X <x@example.com>\n",
                                                diff=diff))
    assert main(["review", "--mbox", str(mail)]) == 1
    out = capsys.readouterr().out
    assert "error: log-description" in out and "error: log-signed-off-by" in out
