"""Email replies, SARIF, Patchwork checks and the b4 check, on v1-v3 and a clean patch."""

import email
import email.policy
import json
import mailbox
from pathlib import Path

import jsonschema
import pytest
from kernel_repo import FIXTURES
from mails import BASE_DEMO, patch_mail, write

from bot.checks import load_rules
from bot.cli import main
from bot.report.email import EmailSettings, reply_messages
from bot.report.patchwork import checks
from bot.report.sarif import sarif_document
from bot.review import review_series
from bot.source.mbox import read_series
from bot.tree import FolderTree

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / ".venv" / "share" / "sarif-2.1.0-rtm.5.json"
LOREBOT = str(ROOT / ".venv" / "bin" / "lorebot")


def fixture_review(version):
    return review_series(read_series(FIXTURES / f"v{version}.mbox"), load_rules(),
                         FolderTree(FIXTURES / "base"))


@pytest.fixture
def clean_review(tmp_path):
    (tmp_path / "lib").mkdir()
    write(tmp_path / "lib" / "demo.c", BASE_DEMO)
    series = read_series(write(tmp_path / "p.eml", patch_mail()))
    review = review_series(series, load_rules(), FolderTree(tmp_path))
    assert review.findings == []
    return review


# email ---------------------------------------------------------------------

def test_v2_replies_thread_and_quote(capsys):
    assert main(["review", "--mbox", str(FIXTURES / "v2.mbox"), "--tree",
                 str(FIXTURES / "base"), "--format", "email"]) == 1
    out = capsys.readouterr().out
    path = Path(FIXTURES.parent.parent / ".pytest-email.mbox")
    try:
        path.write_text(out)
        (mail,) = list(mailbox.mbox(str(path)))
    finally:
        path.unlink()
    parsed = email.message_from_bytes(mail.as_bytes(), policy=email.policy.default)
    patch_id = "<20200912093011.2210-1-dquill@example.com>"
    assert parsed["In-Reply-To"] == patch_id and patch_id in parsed["References"]
    assert parsed["Subject"] == ("Re: [PATCH v2] PCI: hv: Fix hibernation in case "
                                 "interrupts are not re-created")
    assert "dquill@example.com" in parsed["To"]
    assert "linux-pci@vger.kernel.org" in parsed["Cc"]
    body = parsed.get_content()
    assert parsed.get_content_type() == "text/plain" and "<html" not in body.lower()
    lines = body.split("\n")
    own = [ln for ln in lines if not ln.startswith(">") and not ln.startswith("  ")]
    assert all(len(ln) <= 72 for ln in own), [ln for ln in own if len(ln) > 72]
    # the exit-path finding sits right under the quoted return it names
    at = next(i for i, ln in enumerate(lines) if "[hv-unmask-every-exit]" in ln)
    above = [ln for ln in lines[:at] if ln.strip()][-1]
    assert above.strip().endswith("return;") and "154" in above
    # the behaviour finding carries its scenario, in C terms
    assert "hbus->state == hv_pcibus_probed" in " ".join(body.split())
    # the commit-log finding replies to the quoted log
    at = next(i for i, ln in enumerate(lines) if "[log-states-problem]" in ln)
    assert lines[at - 2].startswith("> ") and "hv_irq_unmask" in "".join(lines[at - 4:at])
    assert "Reproduce: lorebot review 20200912093011.2210-1-dquill@example.com" in body


def test_v3_fixes_everything_so_it_gets_a_reply_only_on_request(capsys):
    review = fixture_review(3)
    assert reply_messages(review) == []
    (mail,) = reply_messages(review, EmailSettings(date="Mon, 21 Sep 2020 16:00:00 +0000",
                                                   mail_clean_patches=True))
    body = mail.get_content()
    assert "no problems" in body and "Error [" not in body


@pytest.mark.parametrize("version, said", [
    (1, ["[log-states-problem]", "[hv-unmask-every-exit]", "[hv-unmask-behaviour]"]),
    (2, ["[log-states-problem]", "[hv-unmask-every-exit]", "[hv-unmask-behaviour]"]),
])
def test_one_threaded_reply_per_fixture_patch(version, said):
    review = fixture_review(version)
    (mail,) = reply_messages(review)
    patch = review.series.patches[0].message
    assert mail["In-Reply-To"] == f"<{patch.message_id}>"
    assert mail["Subject"] == f"Re: {patch.subject}"
    body = mail.get_content()
    assert all(text in body for text in said)
    assert "Error [" in body


def test_clean_patch_gets_no_mail_unless_asked(clean_review):
    assert reply_messages(clean_review) == []
    (mail,) = reply_messages(clean_review, EmailSettings(mail_clean_patches=True))
    assert "no problems" in mail.get_content()


# SARIF ---------------------------------------------------------------------

def _validate(document):
    if not SCHEMA.is_file():
        pytest.skip(f"official SARIF schema not installed at {SCHEMA} (scripts/setup "
                    "fetches it with npm)")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(document)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_sarif_validates_with_code_flows(version):
    document = sarif_document(fixture_review(version))
    _validate(document)
    results = document["runs"][0]["results"]
    exits = [r for r in results if r["ruleId"] == "hv-unmask-every-exit"]
    if version == 3:
        assert exits == [] and document["runs"][0]["properties"]["fixedBySeries"] >= 1
    else:
        (result,) = exits
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] == 154
        flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
        assert flow[-1]["location"]["physicalLocation"]["region"]["startLine"] == 154


def test_sarif_of_a_clean_patch(clean_review):
    document = sarif_document(clean_review)
    _validate(document)
    assert document["runs"][0]["results"] == []
    assert document["runs"][0]["tool"]["driver"]["rules"]


# Patchwork -----------------------------------------------------------------

@pytest.mark.parametrize("version, log_state, state", [
    (1, "warning", "fail"), (2, "warning", "fail"), (3, "success", "success")])
def test_patchwork_checks_of_the_fixtures(version, log_state, state, capsys):
    assert main(["review", "--mbox", str(FIXTURES / f"v{version}.mbox"), "--tree",
                 str(FIXTURES / "base"), "--format", "patchwork", "--fail-on", "never"]) == 0
    printed = {c["context"]: c["state"] for c in json.loads(capsys.readouterr().out)}
    assert printed == {"lorebot-commit-log": log_state, "lorebot-exit-paths": state,
                       "lorebot-behaviour": state}


def test_patchwork_format_of_a_clean_patch(clean_review):
    assert {c.state for c in checks(clean_review)} == {"success"}
