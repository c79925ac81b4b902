"""Hostile C in a changed function, through a whole ``lorebot review``: the review ends
normally, the hostile function gets a verdict or one "could not analyse" line, and
the findings on the other functions of the patch stand."""

import difflib
import json

import pytest
from mails import patch_mail, write

from bot.cli import main

PATH = "drivers/demo/deep.c"
LEAKY = """
static int demo_leak(struct demo *d)
{
	mutex_lock(&d->lock);
	if (d->gone)
		return -ENODEV;
	mutex_unlock(&d->lock);
	return 0;
}
"""


def _deep(body: str) -> str:
    return ("static int demo_deep(struct demo *d)\n{\n\tmutex_lock(&d->lock);\n" + body
            + "\tmutex_unlock(&d->lock);\n\treturn 0;\n}\n")


def _diff(pre: str, post: str) -> str:
    lines = difflib.unified_diff(pre.splitlines(keepends=True), post.splitlines(keepends=True),
                                 f"a/{PATH}", f"b/{PATH}", n=3)
    return f"diff --git a/{PATH} b/{PATH}\n" + "".join(lines)


def _review(tmp_path, capsys, post_deep: str) -> dict:
    pre = _deep("\twork(d);\n") + LEAKY.replace("\t\treturn -ENODEV;\n", "\t\td->x = 1;\n")
    post = post_deep + LEAKY
    (tmp_path / "tree" / "drivers" / "demo").mkdir(parents=True)
    (tmp_path / "tree" / PATH).write_text(pre)
    mail = patch_mail("[PATCH] demo: deep: Check the device on the way in",
                      log="demo_deep() runs on a device that is already gone, which crashes.\n\n"
                          "Check it first.\n\nSigned-off-by: Ann Author <ann@example.com>\n",
                      diff=_diff(pre, post))
    code = main(["review", "--mbox", str(write(tmp_path / "p.mbox", mail)), "--tree",
                 str(tmp_path / "tree"), "--format", "json", "--fail-on", "never"])
    assert code == 0
    return json.loads(capsys.readouterr().out)


def _findings(doc: dict, function: str) -> list[dict]:
    return [f for f in doc["findings"] if f.get("function") == function]


DEEP = {
    "1000 nested ifs": _deep("".join(f"\tif (d->a{i})\n" for i in range(1000)) + "\t\twork(d);\n"),
    "2000 else ifs": _deep("\tif (!d->x)\n\t\tstep(d);\n" + "".join(
        f"\telse if (d->x == {i})\n\t\tstep{i}(d);\n" for i in range(1, 2000))),
    "3000 && terms": _deep("\tif (" + " &&\n\t    ".join(f"d->a{i}" for i in range(3000))
                           + ")\n\t\twork(d);\n"),
    "3000 labels with backward gotos": _deep("".join(
        f"l{i}:\n\tif (step{i}(d))\n\t\tgoto l{max(i - 1, 0)};\n" for i in range(3000))),
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_deep_function_is_analysed_and_the_rest_stands(tmp_path, capsys, name):
    doc = _review(tmp_path, capsys, DEEP[name])
    assert [f["rule"] for f in _findings(doc, "demo_leak")] == ["pair-mutex"]
    assert _findings(doc, "demo_deep") == []  # it releases on every exit


def test_extra_brace_gives_one_could_not_analyse_line_and_the_rest_stands(tmp_path, capsys):
    broken = _deep("\tif (d->fast) {\n\t\twork(d);\n\t}}\n")
    doc = _review(tmp_path, capsys, broken)
    (info,) = _findings(doc, "demo_deep")
    assert info["severity"] == "info" and "Could not analyse" in info["message"]
    assert "unbalanced brace" in info["message"]
    assert [f["rule"] for f in _findings(doc, "demo_leak")] == ["pair-mutex"]
