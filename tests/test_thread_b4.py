"""Series read through b4: subjects, revisions, reply trailers, the thread API, bounds."""

import json
import subprocess
from pathlib import Path

import pytest
from mails import DIFF, mbox, patch_mail, write

from bot.errors import IncompleteSeriesError, InputError
from bot.source.mbox import read_messages, read_series
from bot.source.patchmail import parse_prefix
from bot.source.thread import read_thread

LOREBOT = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "lorebot")


def run(*args):
    """The real command, bounded in time: a hostile subject must not hang it."""
    proc = subprocess.run([LOREBOT, *map(str, args)], capture_output=True, text=True,
                          timeout=120)
    assert "Traceback" not in proc.stderr
    return proc


def one_error_line(proc, code: int) -> str:
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lorebot: error: "), proc.stderr
    return lines[0]


def series_mails(version: int, indices, total: int = 3, tag: str | None = None):
    tag = tag or (f"PATCH v{version}" if version > 1 else "PATCH")
    mails = [patch_mail(f"[{tag} 0/{total}] lib: cover", diff="", log="Cover.\n",
                        msgid=f"v{version}-0@x")]
    mails += [patch_mail(f"[{tag} {i}/{total}] lib: demo: step {i}", msgid=f"v{version}-{i}@x",
                         reply_to=f"v{version}-0@x") for i in indices]
    return mails


def reply(msgid: str, to: str, text: str, subject: str = "Re: [PATCH 2/3] lib: demo: step 2",
          author: str = "Rita Reviewer <rita@example.com>") -> str:
    return patch_mail(subject, diff="", log=text, msgid=msgid, reply_to=to, author=author)


@pytest.mark.parametrize("subject, expected", [
    ("[PATCHv3] x: y", (3, 1, 1)),
    ("[PATCHv3 2/4] x: y", (3, 2, 4)),
    ("[PATCH RESEND net-next v4 0/2] x: y", (4, 0, 2)),
    ("[PATCH] [RFC] x: y", (1, 1, 1)),
])
def test_prefix_as_b4_reads_it(subject, expected):
    prefix, summary = parse_prefix(subject)
    assert (prefix.version, prefix.index, prefix.total) == expected
    assert summary == "x: y"


def test_patchv3_is_reviewed_as_v3(tmp_path):
    mails = series_mails(1, [1, 2, 3]) + series_mails(3, [1, 2, 3], tag="PATCHv3")
    path = write(tmp_path / "s.mbox", mbox(*mails))
    series = read_series(path)
    assert series.version == 3 and series.versions_seen == [1, 3]
    assert [p.message.message_id for p in series.patches] == ["v3-1@x", "v3-2@x", "v3-3@x"]
    doc = json.loads(run("review", "--mbox", path, "--format", "json",
                         "--fail-on", "never").stdout)
    assert doc["series"]["version"] == 3


def test_thread_api_gives_every_revision_and_the_replies_to_each_patch(tmp_path):
    mails = series_mails(1, [1, 2, 3]) + series_mails(2, [1, 2, 3])
    mails += [reply("r1@x", "v1-2@x", "> quoted\nThis leaks on the error path.\n"),
              reply("r2@x", "r1@x", "Agreed, see above.\n", author="Al <al@example.com>"),
              reply("r3@x", "v2-1@x", "Looks fine.\n",
                    subject="Re: [PATCH v2 1/3] lib: demo: step 1")]
    thread = read_thread(read_messages(write(tmp_path / "s.mbox", mbox(*mails))))
    assert sorted(thread.revisions) == [1, 2]
    v2 = thread.select()
    assert v2.version == 2
    previous = thread.previous(2)
    assert previous is not None and previous.version == 1
    assert [m.message_id for m in thread.replies_to(previous.patches[2].message.message_id)] \
        == ["r1@x", "r2@x"]
    old = thread.series(previous)
    assert old.version == 1 and [m.message_id for m in old.replies] == ["r1@x", "r2@x"]
    series = thread.series(v2)
    assert [m.message_id for m in series.replies] == ["r3@x"]
    assert series.thread is thread and thread.previous(1) is None


def test_reply_trailers_reach_the_patch_and_the_json(tmp_path):
    mails = series_mails(1, [1, 2, 3])
    mails += [reply("r1@x", "v1-2@x",
                    "> quoted line\n\nReviewed-by: Rita Reviewer <rita@example.com>\n"),
              reply("r2@x", "v1-0@x", "Tested-by: Tom Tester <tom@example.com>\n",
                    subject="Re: [PATCH 0/3] lib: cover", author="Tom Tester <tom@example.com>")]
    path = write(tmp_path / "s.mbox", mbox(*mails))
    series = read_series(path)
    assert [(t.name, t.value, t.by, t.message_id) for t in series.reply_trailers[2]] == [
        ("Reviewed-by", "Rita Reviewer <rita@example.com>", "rita@example.com", "r1@x")]
    assert [t.name for t in series.reply_trailers[0]] == ["Tested-by"]
    assert 1 not in series.reply_trailers
    doc = json.loads(run("review", "--mbox", path, "--format", "json",
                         "--fail-on", "never").stdout)
    assert {(t["index"], t["name"]) for t in doc["series"]["reply_trailers"]} == {
        (0, "Tested-by"), (2, "Reviewed-by")}


def test_trailer_carried_to_an_unchanged_patch_of_the_next_revision(tmp_path):
    mails = series_mails(1, [1, 2, 3]) + series_mails(2, [1, 2, 3])
    mails.append(reply("r1@x", "v1-2@x", "Acked-by: Al <al@example.com>\n",
                       author="Al <al@example.com>"))
    series = read_series(write(tmp_path / "s.mbox", mbox(*mails)))
    assert series.version == 2  # v2's 2/3 has the same diff as v1's: b4 carries the ack
    assert [t.value for t in series.reply_trailers[2]] == ["Al <al@example.com>"]


def test_trailers_follow_patch_ids_without_git(tmp_path, monkeypatch):
    """b4 compares patches by patch-id; lorebot gives them, so grouping starts no git."""
    other = (DIFF.replace("x + 1", "x + 2"), DIFF + DIFF.replace("lib/demo.c", "lib/more.c"))
    mails = series_mails(1, [1, 2]) + series_mails(2, [1]) + [
        patch_mail("[PATCH v2 2/3] lib: demo: step 2", msgid="v2-2@x", reply_to="v2-0@x",
                   diff=other[0]),  # changed since v1: its ack is not carried
        patch_mail("[PATCH 3/3] lib: demo: step 3", msgid="v1-3@x", reply_to="v1-0@x",
                   diff=other[1]),
        patch_mail("[PATCH v2 3/3] lib: demo: step 3", msgid="v2-3@x", reply_to="v2-0@x",
                   diff=other[1][len(DIFF):] + DIFF)]  # the same files, in another order
    mails += [reply(f"r{i}@x", f"v1-{i}@x", "Acked-by: Al <al@example.com>\n",
                    subject=f"Re: [PATCH {i}/3] lib: demo: step {i}",
                    author="Al <al@example.com>") for i in (1, 2, 3)]
    monkeypatch.setenv("PATH", str(tmp_path))  # no git to be found
    series = read_series(write(tmp_path / "s.mbox", mbox(*mails)))
    assert series.version == 2
    assert {i for i, t in series.reply_trailers.items() if t} == {1, 3}


def test_partial_reroll_three_deep_names_the_first_revision(tmp_path):
    mails = series_mails(1, [1, 2, 3])
    mails.append(patch_mail("[PATCH v2 2/3] lib: demo: step 2", msgid="v2-2@x",
                            reply_to="v1-2@x"))
    mails.append(patch_mail("[PATCH v3 3/3] lib: demo: step 3", msgid="v3-3@x",
                            reply_to="v1-3@x"))  # b4: a reroll answers the same number
    thread = read_thread(read_messages(write(tmp_path / "s.mbox", mbox(*mails))))
    v3 = thread.select()
    assert v3.version == 3 and v3.cover is None
    assert v3.carried == {1: 1, 2: 2}
    assert [v3.patches[i].message.message_id for i in (1, 2, 3)] == [
        "v1-1@x", "v2-2@x", "v3-3@x"]


def test_huge_series_total_is_one_line_exit_2(tmp_path):
    path = write(tmp_path / "p.eml", patch_mail("[PATCH 1/100000000] lib: demo: x"))
    line = one_error_line(run("review", "--mbox", path), 2)
    assert "1/100000000" in line and "9999" in line


def test_five_thousand_digit_version_is_one_line_exit_2(tmp_path):
    path = write(tmp_path / "p.eml", patch_mail(f"[PATCH v{'9' * 5000}] lib: demo: x"))
    line = one_error_line(run("review", "--mbox", path), 2)
    assert "5000 digits" in line and len(line) < 300


def test_bracket_bomb_subject_is_one_line_exit_2(tmp_path):
    path = write(tmp_path / "p.eml", patch_mail("[a" * 1500 + "] lib: demo: x"))
    assert "'['" in one_error_line(run("review", "--mbox", path), 2)


def test_hostile_mails_in_a_thread_do_not_stop_its_series(tmp_path):
    mails = series_mails(1, [1, 2, 3])
    mails.append(patch_mail("[PATCH 1/100000000] lib: demo: x", msgid="h1@x",
                            reply_to="v1-0@x"))
    mails.append(patch_mail(f"Re: [PATCH v{'7' * 5000} 2/3] x", diff="", msgid="h2@x",
                            reply_to="v1-2@x"))
    series = read_series(write(tmp_path / "s.mbox", mbox(*mails)))
    assert series.version == 1 and len(series.patches) == 3
    assert {m.message_id for m in series.replies} == {"h1@x", "h2@x"}


def test_incomplete_big_series_names_ten_missing_and_counts_the_rest(tmp_path):
    path = write(tmp_path / "s.mbox", mbox(patch_mail("[PATCH 1/9999] lib: demo: x")))
    with pytest.raises(IncompleteSeriesError) as err:
        read_series(path)
    text = str(err.value)
    assert "2/9999, 3/9999" in text and "11/9999 and 9988 more missing" in text
    line = one_error_line(run("review", "--mbox", path), 5)
    assert "9988 more" in line


def test_replies_naming_each_other_end(tmp_path):
    mails = series_mails(1, [1, 2, 3])
    mails += [reply("a@x", "b@x", "Reviewed-by: A <a@example.com>\n"),
              reply("b@x", "a@x", "Reviewed-by: B <b@example.com>\n")]
    series = read_series(write(tmp_path / "s.mbox", mbox(*mails)))
    assert len(series.patches) == 3 and 2 not in series.reply_trailers


def test_deep_reply_chain_and_trailer_flood_are_bounded(tmp_path):
    mails = series_mails(1, [1, 2, 3])
    parent = "v1-2@x"
    for n in range(300):
        mails.append(reply(f"d{n}@x", parent, f"Reviewed-by: R{n} <r{n}@example.com>\n"))
        parent = f"d{n}@x"
    flood = "".join(f"Ab: a@b.c {'x ' * 40}\n" for _ in range(20000))
    mails.append(reply("f@x", "v1-1@x", flood + "Reviewed-by: F <f@example.com>\n"))
    path = write(tmp_path / "s.mbox", mbox(*mails))
    proc = run("review", "--mbox", path, "--format", "json", "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    trailers = json.loads(proc.stdout)["series"]["reply_trailers"]
    assert any(t["value"] == "R0 <r0@example.com>" for t in trailers)


def test_too_many_revisions_is_an_input_error(tmp_path):
    mails = [patch_mail(f"[PATCH v{v}] lib: demo: x", msgid=f"v{v}@x") for v in range(1, 40)]
    with pytest.raises(InputError, match="39 revisions"):
        read_series(write(tmp_path / "s.mbox", mbox(*mails)))


def test_version_asked_for_and_mail_without_message_id(tmp_path):
    mail = patch_mail("[PATCH v2] lib: demo: x").replace("Message-ID: <1@example.com>\n", "")
    path = write(tmp_path / "p.patch", mail)
    assert read_series(path, version=2).patches[0].message.message_id == ""
    with pytest.raises(InputError, match=r"no v1 .*found v2"):
        read_series(path, version=1)
