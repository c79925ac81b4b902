"""Replies a maintainer would send: one point per bug, C terms, short by default.

On the pci-hyperv fixtures: v2's reply says the early return once with both
the exit-path and the model evidence, in the driver's own words; v3 fixes
everything and gets no mail unless asked.
"""

import json
import re

import pytest
from kernel_repo import FIXTURES

from bot.c.parse import CSource
from bot.c.phrases import condition
from bot.checks import load_rules
from bot.cli import main
from bot.report.email import EmailSettings, reply_messages
from bot.report.options import RenderOptions
from bot.report.points import points
from bot.report.text import render as render_text
from bot.review import review_series
from bot.series import Finding, Location
from bot.source.mbox import read_series
from bot.tree import FolderTree

# What a maintainer cannot read: model field paths and values, unknown-value
# markers, scenario ids, a loop macro shown as its argument list.
INTERNALS = [r"\b(msi|hbus)\.\w+\s*=", r"\?\w+", r"\(unknown\)", r"removal-before-init",
             r"protocol-and-allocation", r"cpu, dest, cpu_online_mask is",
             r"\bhbus\.state\b", r"<hbus>"]


@pytest.fixture(scope="module")
def reviews():
    rules = load_rules()
    return {v: review_series(read_series(FIXTURES / f"v{v}.mbox"), rules,
                             FolderTree(FIXTURES / "base")) for v in (1, 2, 3)}


def body_of(review, **settings) -> str:
    (mail,) = reply_messages(review, EmailSettings(**settings))
    return mail.get_content()


def own_lines(body: str) -> list[str]:
    """Lines lorebot wrote (not quoted patch text, not numbered source lines)."""
    return [ln for ln in body.split("\n")
            if not ln.startswith(">") and not re.match(r"^ +\d+  ", ln)]


def test_v2_reply_is_short_and_says_the_early_return_once(reviews):
    body = body_of(reviews[2])
    lines = body.rstrip("\n").split("\n")
    assert len(lines) < 40, body
    assert all(len(ln) <= 72 for ln in own_lines(body)), body
    # one point for the return at line 154, holding both rules' evidence
    heads = [ln for ln in lines if re.match(r"^(Error|Warning) \[hv-", ln)]
    assert heads == ["Error [hv-unmask-every-exit]: Still there after the patch:"]
    at = lines.index(heads[0])
    point = lines[at:lines.index("", at)]
    assert "line 154" in " ".join(point)
    assert any("Also [hv-unmask-behaviour]" in ln for ln in point)
    flat = " ".join(" ".join(point).split())
    assert "hbus->state == hv_pcibus_probed" in flat
    assert "alloc_cpumask_var() fails" in flat
    assert "for_each_cpu_and(cpu, dest, cpu_online_mask) runs no iteration" in flat
    # written right under the return it is about
    above = [ln for ln in lines[:at] if ln.strip()][-1]
    assert above.split() == ["154", "return;"]


# v2 as a longer real posting is written: three paragraphs (context, why the
# obvious fix is not enough, what the patch does), the problem stated for the
# resume path, hv_irq_unmask() never named; a slip in the first paragraph (a
# misspelling on a line left unwrapped) gives the log findings a line to quote.
LONG_LOG = """\
When a Hyper-V guest comes back from hibernation, hv_pci_resume() sets
up the PCI bus again, but the MSIs of a device whose driver kept them
across hibernation are never composed again. The host then has no idea
where those interrupts should go, so after resume the device raises
interrupts that nobody recieves: network and storage devices whose
drivers keep their vectors (rather than freeing and allocating them in
their freeze and restore callbacks) time out and stay dead until the
guest is rebooted.

Restoring the message in the device, as pci_restore_msi_state() does,
is not enough on Hyper-V: the interrupt is routed by the host, which
learns the destination from a retarget request sent over the vmbus
channel, and that channel is closed for the whole time the bus is
suspended. The request has to be sent by this driver once the channel
is open again.

Add hv_pci_restore_msi_state(), which walks the bus and composes the
message of every MSI once more, and call it from hv_pci_resume() after
the channel is back.

""".replace("whose\ndrivers keep", "whose drivers keep")  # the line left unwrapped


def test_a_v2_with_a_long_log_still_gets_a_short_reply(tmp_path):
    text = (FIXTURES / "v2.mbox").read_text()
    start, end = text.index("Add hv_pci_restore_msi_state()"), text.index("Signed-off-by:")
    (tmp_path / "v2.mbox").write_text(text[:start] + LONG_LOG + text[end:])
    review = review_series(read_series(tmp_path / "v2.mbox"), load_rules(),
                           FolderTree(FIXTURES / "base"))
    assert {"log-covers-changes", "log-spelling", "log-line-length"} <= {
        f.rule for f in review.findings}
    body = body_of(review)
    lines = body.rstrip("\n").split("\n")
    assert len(lines) < 40, body
    # The 7-line paragraph is quoted around the line remarked on, the rest left out.
    quote = lines[lines.index("") + 1:lines.index("", lines.index("") + 1)]
    assert quote[0] == "> [...]" and len(quote) <= 5, quote
    assert any("nobody recieves" in ln for ln in quote)
    assert not any("hv_pci_resume() sets" in ln for ln in quote)
    assert len([ln for ln in lines if re.match(r"^(Error|Warning) \[hv-", ln)]) == 1


def test_log_quotes_keep_short_paragraphs_and_trim_long_ones():
    from bot.report.quote import log_quote
    from bot.series import CommitLog, Message, Patch, Prefix

    body = "\n".join([f"long {n}" for n in range(1, 9)] + ["", "short 1", "short 2"])
    patch = Patch(Message("1@example.com", "[PATCH] s", "Ann", "ann@example.com", ""),
                  Prefix(), CommitLog(subject="s", body=body))
    at = {text: n + 3 for n, text in enumerate(body.split("\n"))}  # 1 = subject, body at 3
    assert log_quote(patch, [at["short 2"]]) == ["> short 1", "> short 2"]
    assert log_quote(patch, [at["long 1"]]) == ["> long 1", "> long 2", "> long 3",
                                                "> long 4", "> [...]"]
    assert log_quote(patch, [at["long 8"], at["short 1"]]) == [
        "> [...]", "> long 5", "> long 6", "> long 7", "> long 8", ">", "> short 1",
        "> short 2"]
    assert log_quote(patch, [at["long 2"], at["long 8"]]) == [
        "> long 1", "> long 2", "> long 3", "> long 4", "> long 5", "> long 6",
        "> long 7", "> long 8"]
    assert log_quote(patch, [at["long 3"], at["long 4"]]) == [
        "> [...]", "> long 2", "> long 3", "> long 4", "> long 5", "> long 6", "> [...]"]
    assert log_quote(patch, [1]) == ["> s"]


def test_what_the_patch_fixed_is_said_as_what_went_wrong(reviews):
    body = " ".join(body_of(reviews[2]).split())
    assert "Fixed by this patch: the MSI stays masked (desc->masked) in hibernation " \
           "[hv-unmask-behaviour]." in body


def test_v2_reply_has_no_model_internals_and_format_strings_only_quoted(reviews):
    body = body_of(reviews[2])
    for pattern in INTERNALS:
        assert not re.search(pattern, body), (pattern, body)
    for line in own_lines(body):
        assert "%#llx" not in line or '"' in line, line  # only as quoted source


def test_verbose_reply_has_every_step_and_the_state(reviews):
    short = body_of(reviews[2])
    full = body_of(reviews[2], verbose=True)
    assert len(full.split("\n")) > len(short.split("\n"))
    assert "145: res = hv_do_hypercall()" in full and "Lines run:" in full
    assert "before: desc->masked" in " ".join(full.split())
    for pattern in INTERNALS[:3]:  # the trace names scenarios by their id
        assert not re.search(pattern, full), (pattern, full)


def test_v3_sends_nothing_unless_asked(reviews, capsys):
    assert reply_messages(reviews[3]) == []
    body = body_of(reviews[3], mail_clean_patches=True)
    assert "lorebot found no problems in this patch (1 fixed)." in body  # one exit
    assert len(body.rstrip("\n").split("\n")) <= 8
    assert main(["review", "--mbox", str(FIXTURES / "v3.mbox"), "--tree",
                 str(FIXTURES / "base"), "--format", "email"]) == 0
    assert capsys.readouterr().out == ""
    main(["review", "--mbox", str(FIXTURES / "v3.mbox"), "--tree", str(FIXTURES / "base"),
          "--format", "email", "--reply-on-pass"])
    assert "In-Reply-To: <20200921154402.3377-1-dquill@example.com>" in \
        capsys.readouterr().out


def test_text_labels_fixed_findings_fixed(reviews):
    text = render_text(reviews[3])
    assert "error:" not in text and "warning:" not in text
    assert text.count("  fixed: ") == 6
    verbose = render_text(reviews[3], RenderOptions(verbose=True))
    assert "path:" in verbose and "path:" not in text


def test_json_keeps_the_full_trace_in_c_terms(capsys):
    main(["review", "--mbox", str(FIXTURES / "v2.mbox"), "--tree", str(FIXTURES / "base"),
          "--format", "json", "--fail-on", "never"])
    doc = json.loads(capsys.readouterr().out)
    model = [f for f in doc["findings"] if f["rule"] == "hv-unmask-behaviour"
             and "alloc_cpumask_var() fails" in f["message"]]
    (finding,) = model
    notes = [s["note"] for s in finding["path"]]
    assert "alloc_cpumask_var() fails" in notes and notes[-1] == "exit"
    assert not any(re.search(p, json.dumps(finding)) for p in INTERNALS[:3])


def test_points_merge_by_place_not_by_wording():
    def finding(rule, line, kind="must-call", message="m"):
        return Finding(rule=rule, severity="error", message=message, patch=1, kind=kind,
                       file="a.c", line=line, function="f", status="introduced",
                       path=[Location("a.c", line, "exit")])

    merged = points([finding("model", 10, "behaviour", "x"), finding("exit", 10),
                     finding("exit", 12, message="x")])
    assert [[f.rule for f in p.findings] for p in merged] == [["exit", "model"], ["exit"]]


@pytest.mark.parametrize("text, answer, said", [
    ("(!alloc_cpumask_var(&tmp, GFP_ATOMIC))", True, "alloc_cpumask_var() fails"),
    ("!alloc_cpumask_var(&tmp, GFP_ATOMIC)", False, "alloc_cpumask_var() succeeds"),
    ("(hbus->protocol_version >= PCI_PROTOCOL_VERSION_1_2)", False,
     "hbus->protocol_version < PCI_PROTOCOL_VERSION_1_2"),
    ("a == b && c", False, "!(a == b && c)"),
    ("ret", False, "!ret"),
    ("x << 2 > y", True, "x << 2 > y"),
])
def test_conditions_read_as_c(text, answer, said):
    assert condition(text, answer) == said


def test_enum_values_come_from_the_file_under_review():
    from bot.model.load import load_model

    rule = next(r for r in load_rules() if r.id == "hv-unmask-behaviour")
    model = load_model((rule.pack.folder / rule.params["model"]).resolve())
    src = CSource((FIXTURES / "src" / "v2.c").read_text())
    names = model.names(src)
    assert names.show("hbus.state", 1) == "hbus->state == hv_pcibus_probed"
    assert names.show("msi.masked", False) == "!desc->masked"
