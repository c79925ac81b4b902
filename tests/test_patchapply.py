"""The hunk applier: offsets and fuzz as GNU patch places them, moved hunks reported,
hostile hunk headers refused with one line."""

import json
import re
import shutil
import subprocess

import pytest
from kernel_repo import FIXTURES, HV_FILE
from mails import write

from bot.cli import main
from bot.errors import PatchApplyError
from bot.patchapply import apply_file_diff
from bot.source.mbox import read_series

V2 = (FIXTURES / "v2.mbox").read_text()
BASE_TEXT = (FIXTURES / "base" / HV_FILE).read_text()


def v2_diff() -> str:
    return V2[V2.index("diff --git"):V2.index("base-commit:")]


def base_folder(tmp_path, text: str):
    root = tmp_path / "base"
    (root / HV_FILE).parent.mkdir(parents=True, exist_ok=True)
    (root / HV_FILE).write_text(text)
    return root


def review_json(capsys, mbox, tree):
    assert main(["review", "--mbox", str(mbox), "--tree", str(tree), "--format", "json",
                 "--fail-on", "never"]) == 0
    return json.loads(capsys.readouterr().out)


def comparable(findings):
    return [(f["rule"], f["file"], f["line"], f["function"], f["message"], f["status"])
            for f in findings]


def test_a_header_60_lines_off_is_placed_reported_and_renumbered(tmp_path, capsys):
    """The hunk lands where its lines are; findings keep the file's real lines."""
    shifted = write(tmp_path / "v2.mbox", V2.replace("@@ -96,6 +96,15 @@",
                                                     "@@ -156,6 +156,15 @@"))
    tree = FIXTURES / "base"
    honest = review_json(capsys, FIXTURES / "v2.mbox", tree)
    moved = review_json(capsys, shifted, tree)
    assert comparable(moved["findings"]) == comparable(honest["findings"])
    assert "hv-unmask-every-exit" in {f["rule"] for f in moved["findings"]}
    assert honest["hunks_moved"] == []
    assert moved["hunks_moved"] == [{"patch": 1, "file": HV_FILE, "hunk": 1, "stated_line": 156,
                                     "line": 96, "offset": -60, "fuzz": 0}]
    assert main(["review", "--mbox", str(shifted), "--tree", str(tree)]) == 1
    text = capsys.readouterr().out
    assert f"  patch 1: hunk 1 of {HV_FILE} applied at line 96 (offset -60 lines)\n" in text
    main(["review", "--mbox", str(shifted), "--tree", str(tree), "--format", "patchwork"])
    exit_paths = [c for c in json.loads(capsys.readouterr().out)
                  if c["context"] == "lorebot-exit-paths"]
    assert exit_paths[0]["description"].startswith(
        f"patch 1: hunk 1 of {HV_FILE} applied at line 96 (offset -60 lines); ")
    for fmt in ("email", "sarif", "json", "text"):
        main(["review", "--mbox", str(shifted), "--tree", str(tree), "--format", fmt])
        out = " ".join(capsys.readouterr().out.split())
        assert "applied at line 96 (offset -60 lines)" in out or '"offset": -60' in out, fmt
        assert f"folder {tree}" in out, fmt  # the base, named in every format


@pytest.mark.parametrize("header, message", [
    ("@@ -99999999999,6 +99999999999,15 @@",
     "names line 99999999999, but its lines are at 96: further off than the file is long "
     "(233 lines)"),
    ("@@ --96,6 +-96,15 @@", "malformed hunk header '@@ --96,6 +-96,15 @@"),
])
def test_hostile_hunk_headers_are_one_line_errors(tmp_path, capsys, header, message):
    mbox = write(tmp_path / "bad.mbox", V2.replace("@@ -96,6 +96,15 @@", header))
    assert main(["review", "--mbox", str(mbox), "--tree", str(FIXTURES / "base")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_a_hunk_whose_lines_are_apart_is_an_error_naming_it():
    """Each line of hunk 1 is somewhere in the file, but not together: no placement."""
    fd = read_series(FIXTURES / "v2.mbox").patches[0].files[0]
    broken = BASE_TEXT.replace("\tpbus = pdev->bus;\n\thbus = container_of",
                               "\tpbus = pdev->bus;\n\t/* ... */\n\thbus = container_of", 1)
    broken = broken.replace("sysdata);\n\n\tspin_lock_irqsave",
                            "sysdata);\n\t/* ... */\n\tspin_lock_irqsave", 1)
    with pytest.raises(PatchApplyError, match=r"^v2: drivers/pci/controller/pci-hyperv.c: "
                       r"hunk #1 \(@@ -96,6 \+96,15 @@\) does not apply: its lines are not "
                       r"together after the previous hunk, even ignoring 2 context lines"):
        apply_file_diff(broken, fd, "v2")


def _edit_lines(text: str, numbers: list[int], pad: int) -> str:
    """``pad`` lines added on top and the given (1-based) lines changed."""
    lines = text.split("\n")
    for n in numbers:
        lines[n - 1] += " /* local change */"
    return "\n".join(["/* local */"] * pad + lines)


GNU_HUNK = re.compile(r"Hunk #(\d+) (succeeded|FAILED) at \d+(?: with fuzz (\d+))?"
                      r"(?: \(offset (-?\d+) lines?\))?")


def gnu_patch(tmp_path, pre: str, diff: str):
    """What GNU patch (fuzz 2, its default) makes of ``diff``: post-image and per hunk
    (number, offset, fuzz), or None for the post-image if a hunk failed."""
    work = tmp_path / "gnu"
    (work / HV_FILE).parent.mkdir(parents=True, exist_ok=True)
    (work / HV_FILE).write_text(pre)
    proc = subprocess.run(["patch", "-p1", "-F2", "--no-backup-if-mismatch", "-r",
                           str(tmp_path / "rejects")], input=diff, capture_output=True,
                          text=True, cwd=work, timeout=60)
    hunks = []
    for number, outcome, fuzz, offset in GNU_HUNK.findall(proc.stdout):
        if outcome == "FAILED":
            return None, hunks
        hunks.append((int(number), int(offset or 0), int(fuzz or 0)))
    return (work / HV_FILE).read_text(), hunks


@pytest.mark.skipif(shutil.which("patch") is None, reason="GNU patch not installed")
@pytest.mark.parametrize("changed, pad", [
    ([], 10),  # offset only
    ([96, 101], 0),  # first and last context line of hunk 1: fuzz 1
    ([96, 97, 100, 101], 7),  # two at each end of hunk 1, and an offset: fuzz 2
    ([96, 97, 98, 101], 0),  # three leading context lines: too far off for fuzz 2
    ([201, 233], 3),  # hunk 2's first line, hunk 3's last: fuzz 1 each
])
def test_offset_and_fuzz_as_gnu_patch(tmp_path, changed, pad):
    pre = _edit_lines(BASE_TEXT, changed, pad)
    diff = v2_diff()
    expected, gnu_hunks = gnu_patch(tmp_path, pre, diff)
    fd = read_series(FIXTURES / "v2.mbox").patches[0].files[0]
    if expected is None:
        with pytest.raises(PatchApplyError):
            apply_file_diff(pre, fd, "v2")
        return
    applied = apply_file_diff(pre, fd, "v2")
    assert applied.text == expected
    # GNU patch names only the hunks that did not apply as stated.
    assert [(p.hunk, p.offset, p.fuzz) for p in applied.placements if p.moved] == gnu_hunks
    # The hunks as placed carry the post-image's real line numbers.
    post = applied.text.split("\n")
    for hunk in applied.hunks:
        for line in hunk.lines:
            if line.new_line is not None:
                assert post[line.new_line - 1] == line.text
