"""Since the previous revision on a two-patch series with a cover letter, not pci-hyperv.

A small sensor driver (our own code): patch 1 waits for the part under a new lock
and, on v1, returns with the lock held; patch 2 takes a gain from firmware and does
not change between revisions (only the lines around it move with patch 1). v1 gets a
reviewer's reply raising the lock and a typo in one point and approving the rest, a
tester's report on the cover letter with a Tested-by, and an Acked-by on patch 2.
v2 fixes the typo, and in one variant the lock too; its changelog claims a rename
that did not happen, and git's shortlog follows it.
"""

from __future__ import annotations

import difflib
import json

import pytest
from mails import mbox, patch_mail, write

from bot.cli import main

PATH = "drivers/iio/light/demo.c"
BASE = """\
static int sensor_read(struct sensor *s)
{
\tint ret;

\tret = bus_read(s->bus, REG_DATA);
\tif (ret < 0)
\t\treturn ret;

\ts->value = ret;
\treturn 0;
}

static int sensor_probe(struct sensor *s)
{
\ts->gain = 1;
\treturn sensor_read(s);
}
"""
LEAKS = """\
\tint ret;

\t/* Wait for the calibraton to settle. */
\tmutex_lock(&s->lock);
\tret = sensor_wait(s);
\tif (ret < 0)
\t\treturn ret;

\tret = bus_read(s->bus, REG_DATA);
\tif (ret < 0)
\t\tgoto out;

\ts->value = ret;
\tret = 0;
out:
\tmutex_unlock(&s->lock);
\treturn ret;
}
"""
READ = BASE[BASE.index("\tint ret;"):BASE.index("static int sensor_probe")]
GAIN = """\
static void sensor_read_gain(struct sensor *s)
{
\tif (device_property_read_u32(s->dev, "vendor,gain", &s->gain))
\t\ts->gain = 1;
}

static int sensor_probe(struct sensor *s)
{
\tsensor_read_gain(s);
"""


def patch_one(fixed_typo: bool, fixed_lock: bool) -> str:
    text = LEAKS.replace("calibraton", "calibration") if fixed_typo else LEAKS
    if fixed_lock:
        text = text.replace("\tif (ret < 0)\n\t\treturn ret;\n\n\tret = bus_read",
                            "\tif (ret < 0)\n\t\tgoto out;\n\n\tret = bus_read")
    return BASE.replace(READ, text + "\n")


def patch_two(before: str) -> str:
    return before.replace("static int sensor_probe(struct sensor *s)\n{\n\ts->gain = 1;\n", GAIN)


def diff(old: str, new: str) -> str:
    body = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                        f"a/{PATH}", f"b/{PATH}"))
    return f"diff --git a/{PATH} b/{PATH}\nindex 1111111..2222222 100644\n{body}"


def reply(author: str, msgid: str, parent: str, subject: str, body: str) -> str:
    return (f"From: {author}\nSubject: Re: {subject}\nDate: Tue, 2 Jun 2020 09:00:00 +0000\n"
            f"Message-ID: <{msgid}>\nIn-Reply-To: <{parent}>\nReferences: <c{parent[1]}@x> "
            f"<{parent}>\nContent-Type: text/plain; charset=utf-8\n\n{body}")


SUBJECTS = ("iio: demo: Wait for the part before reading", "iio: demo: Take the gain from "
            "firmware")
LOGS = ("The part needs up to 100 ms after power-up before its data register\n"
        "holds a value, so the first read after probe returns zero.\n\n"
        "Wait for the ready bit in sensor_read() under a new lock.\n\n"
        "Signed-off-by: Ann Author <ann@example.com>\n",
        "Boards put the part behind glass of different transmission, so a gain\n"
        "of one reads too low: read an optional vendor,gain property in\n"
        "sensor_read_gain().\n\nSigned-off-by: Ann Author <ann@example.com>\n")


def revision(version: int, fixed_typo: bool, fixed_lock: bool, cover_notes: str) -> list[str]:
    tag = "PATCH" if version == 1 else f"PATCH v{version}"
    one = patch_one(fixed_typo, fixed_lock)
    cover = patch_mail(f"[{tag} 0/2] iio: demo: Calibration and gain", msgid=f"c{version}@x",
                       log="Wait for the part, and take the gain from firmware.\n"
                           + cover_notes, diff="")
    first = patch_mail(f"[{tag} 1/2] {SUBJECTS[0]}", msgid=f"p{version}1@x",
                       reply_to=f"c{version}@x", log=LOGS[0], diff=diff(BASE, one))
    trailers = "" if version == 1 else ("Acked-by: Rex Reviewer <rex@example.org>\n"
                                        "Tested-by: Tess Ter <tess@example.com>\n")
    second = patch_mail(f"[{tag} 2/2] {SUBJECTS[1]}", msgid=f"p{version}2@x",
                        reply_to=f"c{version}@x", log=LOGS[1].replace(
                            "Signed-off-by", trailers + "Signed-off-by"),
                        diff=diff(one, patch_two(one)))
    return [cover, first, second]


REVIEW = """\
On Mon, Jun 01, 2020 at 10:00:00AM +0000, Ann Author wrote:
> +\t/* Wait for the calibraton to settle. */
> +\tmutex_lock(&s->lock);
> +\tret = sensor_wait(s);
>  \tif (ret < 0)
>  \t\treturn ret;

This returns with s->lock held: the next reader blocks for good. Jump to
out: as the read below does.

s/calibraton/calibration/

> +out:
> +\tmutex_unlock(&s->lock);

Otherwise looks fine.

Jon
"""
TESTED = """\
On Mon, 1 Jun 2020 at 10:00, Ann Author <ann@example.com> wrote:
> Wait for the part, and take the gain from firmware.

Both patches on the evaluation board: readings match the reference meter now.

Tested-by: Tess Ter <tess@example.com>
"""
CHANGELOG = ("\nChanges in v2:\n- Fix the typo in the comment\n"
             "- Rename sensor_gain() to sensor_read_gain()\n\n"
             "Ann Author (2):\n  iio: demo: Wait for the part before reading\n"
             "  iio: demo: Take the gain from firmware description\n\n"
             f" {PATH} | 4 ++--\n")


def thread(tmp_path, fixed_lock: bool):
    (tmp_path / "base" / PATH).parent.mkdir(parents=True)
    (tmp_path / "base" / PATH).write_text(BASE)
    v1 = revision(1, False, False, "")
    replies = [
        reply("Jon Keeper <jon@example.org>", "r1@x", "p11@x", f"[PATCH 1/2] {SUBJECTS[0]}",
              REVIEW),
        reply("Tess Ter <tess@example.com>", "r2@x", "c1@x", "[PATCH 0/2] iio: demo", TESTED),
        reply("Rex Reviewer <rex@example.org>", "r3@x", "p12@x", f"[PATCH 2/2] {SUBJECTS[1]}",
              "Acked-by: Rex Reviewer <rex@example.org>\n")]
    v2 = revision(2, True, fixed_lock, CHANGELOG)
    return write(tmp_path / "thread.mbox", mbox(*v1, *replies, *v2))


def since(capsys, tmp_path, fixed_lock: bool) -> dict:
    main(["review", "--mbox", str(thread(tmp_path, fixed_lock)), "--tree",
          str(tmp_path / "base"), "--format", "json", "--fail-on", "never"])
    return json.loads(capsys.readouterr().out)["since_previous"]


@pytest.mark.parametrize("fixed_lock", [False, True])
def test_one_point_with_a_typo_and_a_leak_is_addressed_only_when_both_are(
        tmp_path, capsys, fixed_lock):
    doc = since(capsys, tmp_path, fixed_lock)
    # "Otherwise looks fine." and the tester's report are no points to answer
    (point,) = doc["comments"]
    assert point["author"] == "Jon Keeper <jon@example.org>"
    assert point["target"]["function"] == "sensor_read"
    assert "'calibraton' is gone" in point["evidence"]
    if fixed_lock:
        assert point["status"] == "addressed"
        assert "on v1 pair-mutex failed" in point["evidence"]
    else:  # the typo alone does not answer it
        assert point["status"] == "unclear"
        assert "pair-mutex still fails" in point["evidence"]


def test_a_patch_that_did_not_change_is_not_reported_changed(tmp_path, capsys):
    doc = since(capsys, tmp_path, True)
    assert {c["patch"] for c in doc["changes"]} == {1}
    trailers = {(t["patch"], t["trailer"]): t for t in doc["trailers"]}
    assert set(trailers) == {(1, "Tested-by: Tess Ter <tess@example.com>"),
                             (2, "Tested-by: Tess Ter <tess@example.com>"),
                             (2, "Acked-by: Rex Reviewer <rex@example.org>")}
    tested = trailers[(1, "Tested-by: Tess Ter <tess@example.com>")]
    assert not tested["carried"] and tested["patch_changed"]
    for key in ((2, "Tested-by: Tess Ter <tess@example.com>"),
                (2, "Acked-by: Rex Reviewer <rex@example.org>")):
        assert trailers[key]["carried"] and not trailers[key]["patch_changed"]
        assert trailers[key]["note"] == ""


def test_the_changelog_ends_before_the_shortlog_and_an_unmade_rename_is_caught(tmp_path,
                                                                               capsys):
    doc = since(capsys, tmp_path, True)
    claims = {c["claim"]: c["status"] for c in doc["changelog"]}
    assert claims == {"Fix the typo in the comment": "unclear",
                      "Rename sensor_gain() to sensor_read_gain()": "unmatched"}


def test_a_claim_that_mentions_firmware_description_is_not_about_the_log():
    from bot.series import CommitLog, Message, Patch, Prefix, Series
    from bot.since_previous.changes import Change, check_claims

    notes = "v2:\n- Take the gain from the firmware description\n- Reword the commit log\n"
    patch = Patch(Message("p@x", "[PATCH v2] s", "Ann", "ann@example.com", ""),
                  Prefix(version=2), CommitLog(subject="s", body="b", notes=notes))
    log_change = Change(1, None, None, "commit log rewritten", log=True)
    claims = check_claims(Series(version=2, total=1, patches=[patch]), [log_change])
    assert [(c.text, c.status) for c in claims] == [
        ("Take the gain from the firmware description", "unclear"),
        ("Reword the commit log", "matched")]


def test_the_reply_to_a_v2_that_kept_the_leak(tmp_path, capsys):
    main(["review", "--mbox", str(thread(tmp_path, False)), "--tree", str(tmp_path / "base"),
          "--format", "email"])
    mails = capsys.readouterr().out
    assert mails.count("\nSubject: Re: ") == 1  # patch 2 has nothing left to say
    body = " ".join(mails.split())
    assert "Error [pair-mutex] (introduced by this patch): sensor_read() can reach the return " \
           "at line 9" in body
    assert "Path: line 8: ret < 0 is true (ret = sensor_wait())." in body
    assert "Since v1: - unclear: Jon Keeper's point on sensor_read() (demo.c:9): pair-mutex " \
           "still fails in sensor_read() at line 9; 'calibraton' is gone" in body
    assert 'the changelog says "Rename sensor_gain() to sensor_read_gain()", but nothing it ' \
           "names changed." in body


def test_text_counts_read_as_words_and_a_trailer_once(tmp_path, capsys):
    main(["review", "--mbox", str(thread(tmp_path, False)), "--tree", str(tmp_path / "base"),
          "--fail-on", "never"])
    text = capsys.readouterr().out
    assert "  v2, 2 patches, <c2@x>" in text
    assert "  trailer on patch 2: Acked-by: Rex Reviewer <rex@example.org>: carried\n" in text
    assert "  trailer on patch 1: Tested-by: Tess Ter <tess@example.com>: dropped: the patch " \
           "changed\n" in text
    assert text.rstrip().endswith("summary: 1 error, 0 warnings, 0 info")
