"""Reading series from mail: prefixes, revisions, trailers, encodings, containers."""

import base64
import mailbox
import quopri

import pytest
from mails import DIFF, mbox, patch_mail, write

from bot.errors import IncompleteSeriesError, InputError
from bot.source.mbox import read_series
from bot.source.patchmail import parse_prefix


@pytest.mark.parametrize("subject, expected", [
    ("[PATCH v2 3/7] x: y", (2, 3, 7, False)),
    ("[RFC PATCH net-next v3 02/10] x: y", (3, 2, 10, True)),
    ("[PATCH] x: y", (1, 1, 1, False)),
    ("[PATCH 0/4] x: cover", (1, 0, 4, False)),
    ("x: y without prefix", (1, 1, 1, False)),
])
def test_prefix(subject, expected):
    prefix, summary = parse_prefix(subject)
    assert (prefix.version, prefix.index, prefix.total, prefix.rfc) == expected
    assert summary.startswith("x: ")


def _series_mbox(tmp_path, version, indices, total=3, cover=True):
    tag = f"PATCH v{version}" if version > 1 else "PATCH"
    mails = []
    if cover:
        mails.append(patch_mail(f"[{tag} 0/{total}] lib: cover", diff="", log="Cover.\n",
                                msgid=f"v{version}-0@x"))
    for i in indices:
        mails.append(patch_mail(f"[{tag} {i}/{total}] lib: demo: step {i}",
                                msgid=f"v{version}-{i}@x", reply_to=f"v{version}-0@x"))
    return mails


def test_newest_complete_revision_and_replies(tmp_path):
    mails = _series_mbox(tmp_path, 1, [1, 2, 3]) + _series_mbox(tmp_path, 2, [1, 2, 3])
    mails += _series_mbox(tmp_path, 3, [1, 3])
    mails.append(patch_mail("Re: [PATCH v2 2/3] lib: demo: step 2", diff="",
                            log="> quoted\nLooks wrong to me.\n", msgid="r@x",
                            reply_to="v2-2@x"))
    path = write(tmp_path / "s.mbox", mbox(*mails))
    series = read_series(path)
    assert series.version == 2 and [p.index for p in series.patches] == [1, 2, 3]
    assert series.cover is not None and series.message_id == "v2-0@x"
    assert [r.message_id for r in series.replies] == ["r@x"]
    assert series.versions_seen == [1, 2, 3]
    assert read_series(path, version=1).version == 1
    with pytest.raises(IncompleteSeriesError, match=r"v3 .*2/3 missing"):
        read_series(path, version=3)
    with pytest.raises(InputError, match="no v9"):
        read_series(path, version=9)


def test_partial_reroll_keeps_the_unchanged_patches(tmp_path):
    from bot.checks import load_rules
    from bot.review import review_series

    reroll = patch_mail("[PATCH v2 2/3] lib: demo: step 2", msgid="v2-2@x",
                        reply_to="v1-2@x", notes="v2: reworded\n\n")
    path = write(tmp_path / "s.mbox", mbox(*_series_mbox(tmp_path, 1, [1, 2, 3]), reroll))
    series = read_series(path)
    assert series.version == 2 and series.carried == {1: 1, 3: 1}
    assert series.message_id == "v2-2@x"  # its own patch, not the carried 1/3
    assert [p.message.message_id for p in series.patches] == ["v1-1@x", "v2-2@x", "v1-3@x"]
    review = review_series(series, load_rules())
    assert {f.patch for f in review.findings} <= {2}
    assert "patch 1: unchanged since v1 (partial reroll), reviewed there" in review.skipped


def test_missing_patch_named(tmp_path):
    path = write(tmp_path / "s.mbox", mbox(*_series_mbox(tmp_path, 1, [1, 3])))
    with pytest.raises(IncompleteSeriesError, match="2/3"):
        read_series(path)


def test_log_trailers_notes_and_base_commit(tmp_path):
    log = ("Something is broken since commit 0123456789ab (\"lib: x\").\n\n"
           "Fix it.\n\n"
           "Fixes: 0123456789ab (\"lib: x\")\nReported-by: R <r@example.com>\n"
           "Closes: https://example.com/1\nLink: https://example.com/2\nCc: c@example.com\n"
           "Tested-by: T <t@example.com>\nReviewed-by: V <v@example.com>\n"
           "Acked-by: A <a@example.com>\nCo-developed-by: C <cd@example.com>\n"
           "Signed-off-by: C <cd@example.com>\nSigned-off-by: Ann Author <ann@example.com>\n")
    mail = patch_mail(log=log, notes="v2: reworded\n\n",
                      diff=DIFF + "\nbase-commit: 0123456789abcdef0123456789abcdef01234567\n")
    patch = read_series(write(tmp_path / "p.patch", mail)).patches[0]
    names = [t.name for t in patch.log.trailers]
    assert names == ["Fixes", "Reported-by", "Closes", "Link", "Cc", "Tested-by", "Reviewed-by",
                     "Acked-by", "Co-developed-by", "Signed-off-by", "Signed-off-by"]
    assert patch.log.trailers[0].line == 7  # subject=1, blank=2, body from 3
    assert patch.log.body.endswith("Fix it.")
    assert patch.log.notes.startswith("v2: reworded")
    assert patch.log.base_commit == "0123456789abcdef0123456789abcdef01234567"
    fd = patch.files[0]
    assert (fd.path, fd.old_blob, fd.new_blob) == ("lib/demo.c", "3b18e51", "5c1a2f0")
    assert fd.hunks[0].added_lines == [3] and fd.hunks[0].removed_lines == [3]


def test_in_body_from_overrides_sender(tmp_path):
    mail = patch_mail(author="Sender <sender@example.com>",
                      log="From: Ann Author <ann@example.com>\n\nReal log text here.\n\n"
                          "Signed-off-by: Ann Author <ann@example.com>\n")
    patch = read_series(write(tmp_path / "p.eml", mail)).patches[0]
    assert patch.message.author_email == "ann@example.com"
    assert patch.log.body == "Real log text here."


def _encoded(body: str, cte: str, charset: str) -> bytes:
    raw = body.encode("latin-1" if charset == "iso-8859-1" else "utf-8")
    payload = {"quoted-printable": quopri.encodestring(raw),
               "base64": base64.encodebytes(raw)}[cte]
    head = (f"From: =?utf-8?q?J=C3=B6rg_Sch=C3=BCtz?= <js@example.com>\n"
            "Subject: =?utf-8?q?=5BPATCH=5D_lib=3A_demo=3A_F=C3=BCx?=\n"
            "Message-ID: <e@x>\nMIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: {cte}\n\n")
    return head.encode() + payload


@pytest.mark.parametrize("cte", ["quoted-printable", "base64"])
@pytest.mark.parametrize("charset", ["utf-8", "iso-8859-1"])
def test_transfer_encodings_and_charsets(tmp_path, cte, charset):
    body = "Caf\u00e9 r\u00e9sum\u00e9 is broken.\n\nSigned-off-by: J <js@example.com>\n---\n"
    patch = read_series(write(tmp_path / "m.eml", _encoded(body + DIFF, cte, charset)))
    p = patch.patches[0]
    assert "Caf\u00e9" in p.log.body
    assert p.message.author_name == "J\u00f6rg Sch\u00fctz"
    assert p.log.subject == "lib: demo: F\u00fcx"
    assert p.files[0].path == "lib/demo.c"


def test_wrong_declared_charset_falls_back(tmp_path):
    mail = patch_mail(extra_headers="Content-Type: text/plain; charset=us-ascii\n",
                      log="Na\u00efve fix.\n\nSigned-off-by: Ann Author <ann@example.com>\n")
    p = read_series(write(tmp_path / "m.eml", mail.encode("utf-8"))).patches[0]
    assert "Na\u00efve" in p.log.body


def test_crlf_line_ends(tmp_path):
    crlf = mbox(patch_mail()).replace("\n", "\r\n")
    p = read_series(write(tmp_path / "m.patch", crlf)).patches[0]
    assert p.files[0].hunks[0].lines[3].text == "\treturn x + 1;"
    assert p.log.trailer_values("Signed-off-by") == ["Ann Author <ann@example.com>"]


def test_maildir(tmp_path):
    box = mailbox.Maildir(tmp_path / "md", create=True)
    box.add(patch_mail("[PATCH 2/2] lib: b", msgid="b@x"))
    box.add(patch_mail("[PATCH 1/2] lib: a", msgid="a@x"))
    series = read_series(tmp_path / "md")
    assert [p.message.message_id for p in series.patches] == ["a@x", "b@x"]
