"""SARIF as GitHub code scanning takes it: a location for every result, rule help,
fingerprints; checked with Microsoft's SARIF Multitool and the rules GitHub's upload
enforces (GH*) besides the SARIF ones."""

import json
import subprocess
from pathlib import Path

import pytest
from kernel_repo import FIXTURES
from mails import patch_mail, write

from bot.checks import load_rules
from bot.report.sarif import FINGERPRINT, NO_FILE, sarif_document
from bot.review import review_series
from bot.source.mbox import read_series
from bot.tree import FolderTree

ROOT = Path(__file__).resolve().parent.parent
MULTITOOL = (ROOT / ".venv" / "share" / "sarif-multitool" / "node_modules" / "@microsoft"
             / "sarif-multitool-linux" / "Sarif.Multitool")
# lorebot has no published home page to give as the driver's informationUri.
ACCEPTED_WARNINGS = {"SARIF2005"}


@pytest.fixture(scope="module")
def documents():
    rules = load_rules()
    return {v: sarif_document(review_series(read_series(FIXTURES / f"v{v}.mbox"), rules,
                                            FolderTree(FIXTURES / "base")))
            for v in (1, 2, 3)}


def results(document) -> list[dict]:
    return document["runs"][0]["results"]


def region(result) -> tuple[str, int]:
    physical = result["locations"][0]["physicalLocation"]
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


@pytest.mark.parametrize("version", [1, 2])
def test_every_result_has_a_file_and_a_line(documents, version):
    found = results(documents[version])
    assert found
    for result in found:
        uri, line = region(result)
        assert uri == "drivers/pci/controller/pci-hyperv.c" and line >= 1
        assert result["partialFingerprints"][FINGERPRINT]
    log = [r for r in found if r["properties"]["about"] == "commit-message"]
    assert {r["ruleId"] for r in log} >= {"log-states-problem"}
    for result in log:  # anchored to the first line the patch changes, and says why
        assert result["message"]["text"].startswith("Commit message of patch 1/1 (\"PCI: hv:")
        assert region(result)[1] == 99
    note = next(r for r in found if r["level"] == "note")
    assert region(note)[1] >= 1


def test_rules_carry_the_packs_descriptions_and_help(documents):
    rules = documents[2]["runs"][0]["tool"]["driver"]["rules"]
    by_id = {r["id"]: r for r in rules}
    exit_rule = by_id["hv-unmask-every-exit"]
    assert exit_rule["fullDescription"]["text"]
    assert exit_rule["help"]["text"].startswith(exit_rule["fullDescription"]["text"])
    assert "rules/pci-hyperv/examples/hv-unmask-every-exit/" in exit_rule["help"]["markdown"]
    assert "commit message" in by_id["log-states-problem"]["help"]["text"]
    assert all("name" not in r for r in rules)  # an id repeated as name is noise to GitHub


def test_fingerprints_are_unique_and_survive_the_next_revision(documents):
    prints = {v: {r["partialFingerprints"][FINGERPRINT]: r["ruleId"] for r in results(d)}
              for v, d in documents.items()}
    for version in (1, 2):
        assert len(prints[version]) == len(results(documents[version]))
    same = set(prints[1]) & set(prints[2])
    assert {prints[2][p] for p in same} >= {"log-states-problem"}


def test_a_patch_touching_no_file_still_locates_its_results(tmp_path):
    series = read_series(write(tmp_path / "p.eml", patch_mail(diff="", log="fix it\n")))
    document = sarif_document(review_series(series, load_rules()))
    assert results(document)
    assert {region(r) for r in results(document)} == {(NO_FILE, 1)}


def multitool(document, tmp_path) -> list[dict]:
    """The Multitool's findings (its own SARIF log) on ``document`` with GitHub's rules."""
    if not MULTITOOL.is_file():
        pytest.skip(f"SARIF Multitool not installed at {MULTITOOL} (scripts/setup fetches "
                    "@microsoft/sarif-multitool with npm; npm could not reach the registry)")
    source = tmp_path / "lorebot.sarif"
    source.write_text(json.dumps(document))
    out = tmp_path / "validation.sarif"
    proc = subprocess.run([str(MULTITOOL), "validate", str(source), "--rule-kind", "Gh;Sarif",
                           "--output", str(out), "--log", "ForceOverwrite"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and out.is_file(), proc.stdout + proc.stderr
    return [r for run in json.loads(out.read_text())["runs"] for r in run.get("results", [])]


@pytest.mark.parametrize("version", [1, 2, 3])
def test_multitool_with_githubs_rules_finds_nothing(documents, tmp_path, version):
    found = multitool(documents[version], tmp_path)
    problems = [f"{r['ruleId']}: {r['message'].get('text', r['message'])}" for r in found
                if r.get("level", "warning") in ("error", "warning")
                and r["ruleId"].split("/")[0] not in ACCEPTED_WARNINGS]
    assert problems == []


def test_multitool_catches_a_result_without_location(documents, tmp_path):
    document = json.loads(json.dumps(documents[2]))
    del results(document)[0]["locations"]
    found = multitool(document, tmp_path)
    assert any(r["ruleId"].startswith("GH1015") and r.get("level") == "error" for r in found)
