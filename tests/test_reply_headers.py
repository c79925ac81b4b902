"""Reply headers as b4's reply builder makes them: names kept, Reply-To, a real Date zone."""

import email
import email.policy
import mailbox
import os
import subprocess
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

import b4
from mails import DIFF, patch_mail, write

LOREBOT = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "lorebot")

# A log with no Signed-off-by: the review has a finding, so a reply is written.
LOG = "demo() returns its argument.\n\nReturn x + 1.\n"
HEADERS = ("To: Linux PCI <linux-pci@vger.kernel.org>, \"Doe, John\" <jd@example.com>\n"
           "Cc: =?utf-8?q?J=C3=B6rg_Sch=C3=BCtz?= <js@example.com>,"
           " Ann Author <ANN@example.com>, plain@example.com\n")


def replies(tmp_path, extra: str = "", tz: str = "UTC") -> list[email.message.EmailMessage]:
    mail = patch_mail(log=LOG, diff=DIFF,
                      extra_headers=extra + HEADERS + "Content-Type: text/plain; charset=utf-8\n")
    path = write(tmp_path / "p.eml", mail)
    proc = subprocess.run([LOREBOT, "review", "--mbox", str(path), "--format", "email",
                           "--fail-on", "never"], capture_output=True, timeout=120,
                          env={**os.environ, "TZ": tz})
    assert proc.returncode == 0, proc.stderr
    box = write(tmp_path / "out.mbox", proc.stdout)
    found = [email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
             for m in mailbox.mbox(box)]
    assert found
    return found


def pairs(mail, name: str) -> list[tuple[str, str]]:
    return getaddresses([str(v) for v in mail.get_all(name, [])])


def b4_reply(tmp_path, extra: str = ""):
    """The reply b4 itself builds for the same mail."""
    raw = patch_mail(log=LOG, diff=DIFF,
                     extra_headers=extra + HEADERS + "Content-Type: text/plain; charset=utf-8\n")
    msg = email.message_from_bytes(raw.encode(), policy=email.policy.default)
    return b4.LoreMessage(msg).make_reply("x", mailfrom=("lorebot", "lorebot@localhost"))


def test_to_and_cc_keep_the_names_as_b4_would(tmp_path):
    (mail,) = replies(tmp_path)
    assert pairs(mail, "To") == [("Ann Author", "ann@example.com")]
    assert pairs(mail, "Cc") == [("Linux PCI", "linux-pci@vger.kernel.org"),
                                 ("Doe, John", "jd@example.com"),
                                 ("J\u00f6rg Sch\u00fctz", "js@example.com"),
                                 ("", "plain@example.com")]
    ours = {name: [a.lower() for _, a in pairs(mail, name)] for name in ("To", "Cc")}
    theirs = b4_reply(tmp_path)
    assert ours == {name: [a.lower() for _, a in getaddresses([theirs[name]])]
                    for name in ("To", "Cc")}


def test_reply_to_is_honoured(tmp_path):
    extra = "Reply-To: PCI maintainers <pci-maint@example.com>\n"
    (mail,) = replies(tmp_path, extra)
    assert pairs(mail, "To") == [("PCI maintainers", "pci-maint@example.com")]
    assert ("Ann Author", "ANN@example.com") in pairs(mail, "Cc")  # she was on Cc
    theirs = b4_reply(tmp_path, extra)
    assert [a for _, a in pairs(mail, "To")] == [a for _, a in getaddresses([theirs["To"]])]


def test_own_address_is_not_copied(tmp_path):
    (mail,) = replies(tmp_path, "Cc: lorebot <LOREBOT@localhost>\n")
    assert all(a.lower() != "lorebot@localhost"
               for _, a in pairs(mail, "To") + pairs(mail, "Cc"))


def test_date_carries_the_local_zone(tmp_path):
    (mail,) = replies(tmp_path, tz="Asia/Kolkata")
    assert mail["Date"].endswith("+0530")
    (utc,) = replies(tmp_path, tz="UTC")
    assert utc["Date"].endswith("+0000")
    assert parsedate_to_datetime(utc["Date"]).tzinfo is not None
