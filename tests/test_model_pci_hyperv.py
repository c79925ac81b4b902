"""The hv_irq_unmask() model on the series and on wrong fixes (mutants)."""

import json
from pathlib import Path

import pytest
from kernel_repo import FIXTURES, HV_FILE

from bot.c.parse import CSource
from bot.checks import load_rules
from bot.checks.behaviour import outcomes
from bot.cli import main

RULE = next(r for r in load_rules() if r.id == "hv-unmask-behaviour")


def verdicts(path: Path) -> dict[str, str]:
    return {sid: o.verdict for sid, o in outcomes(RULE, CSource(path.read_text())).items()}


def broken(path: Path, scenario: str) -> dict[str, str]:
    outcome = outcomes(RULE, CSource(path.read_text()))[scenario]
    return {b.invariant.name: b.message for b in outcome.breaches}


def test_base_fails_hibernation_at_the_early_return():
    base = FIXTURES / "base" / HV_FILE
    assert verdicts(base)["hibernation"] == "fail"
    outcome = outcomes(RULE, CSource(base.read_text()))["hibernation"]
    masked = next(b for b in outcome.breaches if b.invariant.name == "MSI unmasked")
    lines = base.read_text().split("\n")
    assert lines[masked.exit_line - 1].strip() == "return;"
    assert "if (res) {" in lines[masked.exit_line - 4]
    notes = " ".join(s.note for s in masked.trace)
    assert "hv_do_hypercall() -> 5" in notes and "dev_err(); logs an error" in notes


def test_v2_fixes_hibernation_but_not_removal_before_init():
    v2 = verdicts(FIXTURES / "src" / "v2.c")
    assert v2["hibernation"] == "pass"
    assert v2["removal-before-init"] == "fail"
    assert "stays masked" in broken(FIXTURES / "src" / "v2.c", "removal-before-init")[
        "MSI unmasked"]


def test_v3_passes_everything_quietly():
    v3 = FIXTURES / "src" / "v3.c"
    assert set(verdicts(v3).values()) == {"pass"}
    assert all(not broken(v3, s) for s in verdicts(v3))  # no warnings either


@pytest.mark.parametrize("mutant, scenario, invariant", [
    ("unmask-then-remask", "hibernation", "MSI unmasked"),
    ("unmask-then-remask", "removal-before-init", "MSI unmasked"),
    ("lost-unlock", "protocol-and-allocation", "lock released"),
    ("noisy-hibernation", "hibernation", "no error logged during hibernation"),
])
def test_mutants_fail_the_right_scenario(mutant, scenario, invariant):
    path = FIXTURES / "mutants" / f"{mutant}.c"
    assert invariant in broken(path, scenario)


def test_lost_unlock_trace_names_the_return_holding_the_lock():
    path = FIXTURES / "mutants" / "lost-unlock.c"
    outcome = outcomes(RULE, CSource(path.read_text()))["protocol-and-allocation"]
    lock = next(b for b in outcome.breaches if b.invariant.name == "lock released")
    line = path.read_text().split("\n")[lock.exit_line - 1]
    assert line.strip() == "return;" and "alloc_cpumask_var" in " ".join(
        s.note for s in lock.trace)


def review(capsys, version):
    main(["review", "--mbox", str(FIXTURES / f"v{version}.mbox"), "--tree",
          str(FIXTURES / "base"), "--format", "json", "--fail-on", "never"])
    return [f for f in json.loads(capsys.readouterr().out)["findings"]
            if f["rule"] == "hv-unmask-behaviour"]


def test_review_of_v2_says_what_changed(capsys):
    found = review(capsys, 2)
    by_status = {(f["status"], f["evidence"][0].split(":")[0]) for f in found if f["status"]}
    assert ("fixed", "scenario hibernation") in by_status
    assert ("preexisting", "scenario removal-before-init") in by_status
    (summary,) = [f for f in found if f["severity"] == "info"]
    assert "fixes 'hibernation'" in summary["message"]
    assert "'removal-before-init'" in summary["message"] and "still fail" in summary["message"]
    trace = next(f for f in found if f["status"] == "preexisting")["path"]
    assert trace[-1]["note"] == "exit" and any("hv_do_hypercall" in s["note"] for s in trace)


def test_review_of_v3_fixes_every_scenario(capsys):
    found = review(capsys, 3)
    assert {f["status"] for f in found if f["severity"] != "info"} == {"fixed"}
    assert all(f["image"] == "pre" for f in found if f["status"] == "fixed")
