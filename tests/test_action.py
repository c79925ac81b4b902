"""The Action's entrypoint run as GitHub runs it, on a pull request with v2 and with v3."""

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest
from github_repo import pull_request_repo

ROOT = Path(__file__).resolve().parent.parent
LOREBOT = str(ROOT / ".venv" / "bin" / "lorebot")
SCHEMA = ROOT / ".venv" / "share" / "sarif-2.1.0-rtm.5.json"
HV = "drivers/pci/controller/pci-hyperv.c"


def run_action(tmp_path, version, owner: int | None = None, files: dict | None = None,
               **inputs):
    """`lorebot action` in the workspace, the way GitHub's runner starts a container action:
    RUNNER_TEMP names a host folder the container does not have. ``files``: more files
    in the workspace (name -> text)."""
    workspace = tmp_path / "workspace"
    base, head = pull_request_repo(workspace, version)
    for name, text in (files or {}).items():
        (workspace / name).write_text(text)
    if owner is not None:  # the checkout belongs to another user (the runner's)
        for path in [workspace, *workspace.rglob("*")]:
            os.chown(path, owner, owner, follow_symlinks=False)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"base": {"sha": base},
                                                  "head": {"sha": head}}}))
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.update(GITHUB_ACTIONS="true", GITHUB_WORKSPACE=str(workspace),
               GITHUB_EVENT_NAME="pull_request", GITHUB_EVENT_PATH=str(event),
               GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(output),
               RUNNER_TEMP="/home/runner/work/_temp", GITHUB_BASE_REF="master")
    env.update({f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()})
    proc = subprocess.run([LOREBOT, "action"], capture_output=True, text=True, env=env,
                          timeout=120, cwd=workspace)
    assert "Traceback" not in proc.stderr
    return proc, summary, output


def test_v2_fails_with_annotations_on_the_right_lines(tmp_path):
    proc, summary, output = run_action(tmp_path, 2)
    assert proc.returncode == 1, proc.stderr
    notes = [ln for ln in proc.stdout.splitlines() if ln.startswith("::")]
    exit_path = [ln for ln in notes if "hv-unmask-every-exit" in ln]
    behaviour = [ln for ln in notes if "hv-unmask-behaviour" in ln and "::error" in ln]
    assert exit_path and exit_path[0].startswith(f"::error file={HV},line=154,")
    assert behaviour and all(f"file={HV},line=154," in ln for ln in behaviour)
    assert any("hbus->state == hv_pcibus_probed" in ln for ln in behaviour)
    assert any(ln.startswith("::warning title=lorebot log-states-problem") for ln in notes)
    text = summary.read_text()
    assert text.startswith("## lorebot review:") and "| error | `hv-unmask-every-exit` |" in text
    (line,) = output.read_text().splitlines()
    # Relative to the workspace: the job's next steps run there, outside the container.
    assert line == "sarif-file=lorebot.sarif"
    document = json.loads((tmp_path / "workspace" / "lorebot.sarif").read_text())
    if SCHEMA.is_file():
        schema = json.loads(SCHEMA.read_text())
        jsonschema.validators.validator_for(schema)(schema).validate(document)
    assert any(r["ruleId"] == "hv-unmask-every-exit" for r in document["runs"][0]["results"])


def test_v3_passes(tmp_path):
    proc, summary, _ = run_action(tmp_path, 3)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not [ln for ln in proc.stdout.splitlines() if ln.startswith("::error")]
    assert "fixed by the series" in summary.read_text()


def test_fail_on_never_and_bad_input(tmp_path):
    proc, _, _ = run_action(tmp_path, 2, fail_on="never", format="json")
    assert proc.returncode == 0 and '"schema": "lorebot-review/1"' in proc.stdout
    bad, _, _ = run_action(tmp_path / "again", 2, fail_on="sometimes")
    assert bad.returncode == 2 and bad.stderr.startswith("lorebot: error: fail-on")


def test_the_rules_input_adds_packs_to_the_bundled_ones(tmp_path):
    """As --rules does: the pack given runs beside the bundled rules, not instead of them."""
    mine = tmp_path / "packs" / "house"
    mine.mkdir(parents=True)
    (mine / "style.toml").write_text('[[rule]]\nid = "house-line-length"\nkind = "commit-log"\n'
                                     'check = "line-length"\nseverity = "error"\n')
    proc, summary, _ = run_action(tmp_path, 2, rules=str(tmp_path / "packs"))
    assert proc.returncode == 1, proc.stderr
    notes = [ln for ln in proc.stdout.splitlines() if ln.startswith("::error")]
    assert any("house-line-length" in ln for ln in notes)
    assert any("hv-unmask-every-exit" in ln for ln in notes)


def test_a_posted_series_is_reviewed_on_the_checked_out_repository(tmp_path):
    """mbox (or message-id) input: the workspace's repository is the base, so the code
    rules run, not the commit-log rules alone."""
    from kernel_repo import FIXTURES

    proc, summary, _ = run_action(tmp_path, 2, files={"v2.mbox": (FIXTURES / "v2.mbox")
                                                      .read_text()}, mbox="v2.mbox")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"  base: repository {tmp_path / 'workspace'}" in proc.stdout
    assert any(ln.startswith(f"::error file={HV},line=154,") and "hv-unmask-every-exit" in ln
               for ln in proc.stdout.splitlines())
    assert "code rules not run" not in proc.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the workspace away")
def test_a_workspace_owned_by_another_user(tmp_path):
    """git's ownership check would call it "not a git repository"; lorebot only reads it."""
    proc, summary, output = run_action(tmp_path, 2, owner=4242)
    assert proc.returncode == 1, proc.stderr
    assert "hv-unmask-every-exit" in summary.read_text()
    assert output.read_text() == "sarif-file=lorebot.sarif\n"


def test_runner_files_that_cannot_be_written_are_warned_about(tmp_path, monkeypatch, capsys):
    """A step summary the container cannot reach costs a warning, not the review."""
    from bot.commands.action import _append

    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "unmounted" / "step_summary_1"))
    _append("GITHUB_STEP_SUMMARY", "## text\n")
    assert capsys.readouterr().out == (
        f"::warning title=lorebot::cannot write $GITHUB_STEP_SUMMARY ({tmp_path}/unmounted/"
        "step_summary_1): No such file or directory\n")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    _append("GITHUB_STEP_SUMMARY", "## nowhere\n")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("value, escaped", [("a%b\nc", "a%25b%0Ac")])
def test_annotation_escaping(value, escaped):
    from bot.report.github import escape_data, escape_property

    assert escape_data(value) == escaped
    assert escape_property("x:y,z") == "x%3Ay%2Cz"
