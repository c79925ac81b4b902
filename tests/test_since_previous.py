"""Since the previous revision: does vN answer the review vN-1 got?

On the pci-hyperv thread (fixtures/pci-hyperv): v1 got a typo pointed out and a
Tested-by, v2 a reviewer's question on the early return in hv_irq_unmask() and
on a log that does not explain the problem. v3 answers both; a v3 that only
rewrites the log leaves the code point open. From an mbox of the thread, by
Message-ID from a public-inbox server (b4 finds the earlier revision), and in
``watch``, where the store remembers the previous revision's findings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kernel_repo import FIXTURES
from mails import mbox, patch_mail, write
from pi_server import PublicInbox, require_public_inbox
from test_lore import lore, lorebot  # noqa: F401 (a module fixture: v1-v3 on lore)
from test_watch import V1, V2, V3, history, outbox_mails, watch, write_config

from bot.checks import load_rules
from bot.cli import main
from bot.review import review_series
from bot.since_previous.changes import changelog
from bot.since_previous.comments import locate, split_reply
from bot.source.mbox import read_series
from bot.store import Store
from bot.tree import FolderTree
from bot.watch import WatchConfig, Watcher

LOG_ONLY = "20200921160133.3391-1-dquill@example.com"
LORIN = "Lorin Pieris <lpieris@example.org>"


def since(capsys, *args) -> dict | None:
    main(["review", *args, "--tree", str(FIXTURES / "base"), "--format", "json",
          "--fail-on", "never"])
    return json.loads(capsys.readouterr().out)["since_previous"]


def by_target(comments: list[dict]) -> dict[str, dict]:
    """'log' or the function name -> the comment on it."""
    return {"log" if c["target"].get("log") else c["target"].get("function"): c
            for c in comments}


def check_v3(doc: dict) -> None:
    assert doc["revision"] == 2 and doc["message_id"] == V2
    comments = by_target(doc["comments"])
    assert set(comments) == {"log", "hv_irq_unmask"}
    code, log = comments["hv_irq_unmask"], comments["log"]
    assert code["author"] == log["author"] == LORIN
    assert code["target"] == {"patch": 1, "file": "drivers/pci/controller/pci-hyperv.c",
                              "line": 106, "function": "hv_irq_unmask"}
    assert code["excerpt"].startswith("Is this early return what we want?")
    assert code["status"] == "addressed" and log["status"] == "addressed"
    # lorebot's own verdicts before and after are the evidence
    assert "hv-unmask-every-exit" in code["evidence"] and "on v3 they pass" in code["evidence"]
    assert "log-states-problem" in log["evidence"]
    assert "names hv_irq_unmask()" in log["evidence"]


def test_v3_answers_the_code_and_the_log_point(capsys):
    doc = since(capsys, "--mbox", str(FIXTURES / "all.mbox"))
    check_v3(doc)
    changed = {(c["function"], c["in_changelog"]) for c in doc["changes"]}
    assert ("hv_irq_unmask", True) in changed and (None, True) in changed
    summary = next(c["summary"] for c in doc["changes"] if c["function"] == "hv_irq_unmask")
    assert "return statements 2 -> 0" in summary
    assert {c["status"] for c in doc["changelog"]} == {"matched"}


def test_v2_lists_the_v1_comment_and_the_dropped_tested_by(capsys):
    doc = since(capsys, "--mbox", str(FIXTURES / "all.mbox"), "-v", "2")
    assert doc["revision"] == 1
    (comment,) = doc["comments"]
    assert comment["author"] == "Bjorn Hale <bhale@example.org>"
    assert comment["target"]["function"] == "hv_irq_unmask"
    assert comment["status"] == "addressed"
    assert comment["evidence"] == "'hibernatin' is gone from hv_irq_unmask() on v2"
    (trailer,) = doc["trailers"]
    assert trailer == {"patch": 1, "trailer": "Tested-by: Mira Okafor <mokafor@example.net>",
                       "carried": False, "patch_changed": True,
                       "note": "dropped: the patch changed"}


def test_a_v3_that_only_rewrites_the_log_leaves_the_code_point_open(capsys):
    doc = since(capsys, "--mbox", str(FIXTURES / "all-log-only.mbox"))
    comments = by_target(doc["comments"])
    assert comments["log"]["status"] == "addressed"
    code = comments["hv_irq_unmask"]
    assert code["status"] == "open"
    assert code["evidence"].startswith("hv_irq_unmask() is unchanged since v2")
    assert "hv-unmask-every-exit" in code["evidence"]
    claims = {c["status"]: c["claim"] for c in doc["changelog"]}
    assert claims["unmatched"].startswith("Do not return early in hv_irq_unmask()")
    assert [c["function"] for c in doc["changes"]] == [None]  # the log alone


def test_the_reply_to_the_log_only_v3_says_what_is_still_open(capsys):
    main(["review", "--mbox", str(FIXTURES / "all-log-only.mbox"), "--tree",
          str(FIXTURES / "base"), "--format", "email"])
    body = capsys.readouterr().out
    since_block = " ".join(body.split("\nSince v2:\n", 1)[1].split("\n\n", 1)[0].split())
    assert "open: Lorin Pieris's point on hv_irq_unmask() (pci-hyperv.c:106)" in since_block
    assert 'the changelog says "Do not return early' in since_block


def test_the_real_v3_still_sends_nothing_and_text_has_the_section(capsys):
    assert main(["review", "--mbox", str(FIXTURES / "all.mbox"), "--tree",
                 str(FIXTURES / "base"), "--format", "email"]) == 0
    assert capsys.readouterr().out == ""
    main(["review", "--mbox", str(FIXTURES / "all.mbox"), "--tree", str(FIXTURES / "base")])
    text = capsys.readouterr().out
    assert f"since v2 <{V2}>:" in text
    assert text.count("  addressed: Lorin Pieris") == 2


def test_a_lone_revision_has_no_section(capsys):
    assert since(capsys, "--mbox", str(FIXTURES / "v3.mbox")) is None


def test_a_carried_trailer_on_a_changed_patch_is_flagged(tmp_path, capsys):
    text = (FIXTURES / "all.mbox").read_text()
    at = text.index("Signed-off-by: Dexter Quill", text.index("[PATCH v2]"))
    carried = text[:at] + "Tested-by: Mira Okafor <mokafor@example.net>\n" + text[at:]
    doc = since(capsys, "--mbox", str(write(tmp_path / "thread.mbox", carried)), "-v", "2")
    (trailer,) = doc["trailers"]
    assert trailer["carried"] and trailer["patch_changed"]
    assert trailer["note"] == "carried, though the patch changed since it was given"


def test_without_a_base_the_points_are_judged_on_the_diff(capsys):
    main(["review", "--mbox", str(FIXTURES / "all-log-only.mbox"), "--format", "json",
          "--fail-on", "never"])
    comments = by_target(json.loads(capsys.readouterr().out)["since_previous"]["comments"])
    code = next(c for k, c in comments.items() if k != "log")
    assert code["status"] == "open" and "still in v3's diff" in code["evidence"]


# the parts ------------------------------------------------------------------------

def test_a_reply_splits_into_points_after_their_quotes():
    body = """Hi Dexter,

On Mon, Dexter wrote:
> > +	ret = foo();
> > +	if (ret)
> > +		return;

> Agreed with this.

Why return here without undoing foo()?

> +	bar();

s/bar/baz/

Reviewed-by: Lorin Pieris <lpieris@example.org>

Thanks,
Lorin
-- \nsig line
"""
    points, trailers = split_reply(body)
    assert [(q[-1], words) for q, words in points] == [
        ("Agreed with this.", "Why return here without undoing foo()?"),
        ("+\tbar();", "s/bar/baz/")]
    assert points[0][0][:3] == ["+\tret = foo();", "+\tif (ret)", "+\t\treturn;"]
    assert trailers == ["Reviewed-by: Lorin Pieris <lpieris@example.org>"]


def test_a_log_quote_wrapped_anew_by_the_mailer_is_still_the_log():
    series = read_series(FIXTURES / "v2.mbox")
    patch = series.patches[0]
    words = " ".join(patch.log.body.split()).split(" ")
    quote = [" ".join(words[i:i + 9]) for i in range(0, len(words), 9)]  # 9 words a line
    target = locate(quote, patch, {})
    assert target.log and target.lines == [3, 4, 5]
    assert not locate(["Thanks, this looks right to me."], patch, {}).log


@pytest.mark.parametrize("notes, claims", [
    ("Changes in v3:\n  - Fixed foo() (Ann).\n  - Reworded the\n    commit log.\n\n"
     "Changes in v2:\n  - Older.\n---\n a.c | 2 +-\n", ["Fixed foo() (Ann).",
                                                        "Reworded the commit log."]),
    ("v3: dropped bar()\nv2: older\n", ["dropped bar()"]),
    ("Changes since v2:\n- one\n- two\n", ["one", "two"]),
    ("v2 -> v3:\n* only this\n", ["only this"]),
    ("Changes in v2:\n- not ours\n", []),
])
def test_changelog_sections(notes, claims):
    assert changelog(notes, 3) == claims


def test_authors_own_replies_are_not_review(tmp_path, capsys):
    v1 = patch_mail("[PATCH] lib: demo: Return the next value", msgid="d1@example.com")
    own = patch_mail("Re: [PATCH] lib: demo: Return the next value", msgid="d1r@example.com",
                     reply_to="d1@example.com", diff="", log="> +\treturn x + 1;\n\nMe again.\n")
    v2 = patch_mail("[PATCH v2] lib: demo: Return the next value", msgid="d2@example.com")
    (tmp_path / "lib").mkdir()
    write(tmp_path / "lib" / "demo.c", "int demo(int x)\n{\n\treturn x;\n}\n/* end */\n")
    series = read_series(write(tmp_path / "t.mbox", mbox(v1, own, v2)))
    review = review_series(series, load_rules(), FolderTree(tmp_path))
    assert review.since_previous.comments == []
    assert review.since_previous.changes == []


# by Message-ID from a public-inbox server, and in watch -----------------------------

def by_message_id(tmp_path: Path, midmask: str, msgid: str) -> dict:
    tmp_path.mkdir()  # its own home and b4 cache
    proc = lorebot(tmp_path, midmask, "review", msgid, "--tree", str(FIXTURES / "base"),
                   "--format", "json", "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["since_previous"]


def test_by_message_id_b4_finds_the_previous_revision_and_its_review(lore, tmp_path):  # noqa: F811
    check_v3(by_message_id(tmp_path / "a", lore.midmask, V3))
    v2 = by_message_id(tmp_path / "b", lore.midmask, V2)
    assert v2["revision"] == 1 and [c["author"] for c in v2["comments"]] == [
        "Bjorn Hale <bhale@example.org>"]
    assert by_message_id(tmp_path / "c", lore.midmask, V1) is None


def test_watch_says_what_became_of_the_previous_review(tmp_path):
    require_public_inbox()
    inbox = PublicInbox(tmp_path / "lore").start()
    try:
        config = write_config(tmp_path, inbox.midmask)
        for name in ("v1.mbox", "v2.mbox", "v3-log-only.mbox"):
            inbox.add_mbox(FIXTURES / name)
            proc = watch(tmp_path, config)
            assert proc.returncode == 0, proc.stderr
    finally:
        inbox.stop()
    rows = {r["version"]: r for r in history(tmp_path)}
    assert "since_previous" not in rows[1]["result"]
    assert rows[2]["result"]["since_previous"] == {"addressed": 1, "open": 0, "unclear": 0}
    assert rows[3]["result"]["since_previous"] == {"addressed": 1, "open": 1, "unclear": 0}
    reply = next(m for m in outbox_mails(tmp_path) if m["In-Reply-To"] == f"<{LOG_ONLY}>")
    body = " ".join(reply.get_payload(decode=True).decode().split())
    assert "Since v2: - open: Lorin Pieris's point on hv_irq_unmask()" in body


def test_watch_judges_with_the_findings_the_store_remembers(tmp_path):
    """The store's record of v2's review is what v3's section is judged on: told that
    v2 had no findings, the code point has no rule to show it addressed."""
    store = Store(str(tmp_path / "store.sqlite3"))
    watcher = Watcher(WatchConfig(queries=["x"], tree=FIXTURES / "base"), store)
    series = read_series(FIXTURES / "all.mbox")
    previous = series.previous
    real = by_target(watcher.review(series, watcher.remembered(series), watcher.rules)
                     .since_previous.as_dict()["comments"])
    assert real["hv_irq_unmask"]["status"] == "addressed"
    assert store.claim(previous.message_id, 2, previous.subject, "w")
    store.finish(previous.message_id, 2, {}, findings=[])
    told = by_target(watcher.review(series, watcher.remembered(series), watcher.rules)
                     .since_previous.as_dict()["comments"])
    assert told["hv_irq_unmask"]["status"] == "unclear"
    assert "no lorebot rule speaks to this point" in told["hv_irq_unmask"]["evidence"]
