"""hv-unmask-every-exit on the pci-hyperv series: what the human reviewer caught."""

import json
import subprocess
from pathlib import Path

from history_repo import history_repo
from kernel_repo import FIXTURES, build_kernel_repo

from bot.cli import main

BASE = str(FIXTURES / "base")
HV = "drivers/pci/controller/pci-hyperv.c"
LOREBOT = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "lorebot")


def line_of(path: Path, text: str, after: str = "") -> int:
    lines = path.read_text().split("\n")
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i in range(start, len(lines)) if text in lines[i]) + 1


def exit_findings(capsys, version, *base):
    main(["review", "--mbox", str(FIXTURES / f"v{version}.mbox"), *base, "--format", "json",
          "--fail-on", "never"])
    doc = json.loads(capsys.readouterr().out)
    return [f for f in doc["findings"] if f["rule"] == "hv-unmask-every-exit"]


def test_v1_and_v2_keep_the_failed_hypercall_return(capsys):
    for version in (1, 2):
        post = FIXTURES / "src" / f"v{version}.c"
        (finding,) = exit_findings(capsys, version, "--tree", BASE)
        assert finding["status"] == "preexisting" and finding["severity"] == "error"
        assert finding["file"] == HV and finding["function"] == "hv_irq_unmask"
        assert finding["line"] == line_of(post, "return;", after="if (res) {")
        notes = [step["note"] for step in finding["path"]]
        assert "res = hv_do_hypercall()" in notes and "res is true" in notes
        assert finding["path"][-1]["line"] == finding["line"]


def test_v3_fixes_it(capsys, tmp_path):
    build_kernel_repo(tmp_path)
    for base in (["--tree", BASE], ["--repo", str(tmp_path)]):
        (finding,) = exit_findings(capsys, 3, *base)
        assert finding["status"] == "fixed" and finding["image"] == "pre"
        base_file = FIXTURES / "base" / HV
        assert finding["line"] == line_of(base_file, "return;", after="if (res) {")


def test_v3_exits_zero_and_says_fixed():
    proc = subprocess.run([LOREBOT, "review", "--mbox", str(FIXTURES / "v3.mbox"), "--tree",
                           BASE], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fixed: hv-unmask-every-exit" in proc.stdout


def test_without_tree_the_code_rule_is_skipped(capsys):
    assert exit_findings(capsys, 2) == []
    main(["review", "--mbox", str(FIXTURES / "v2.mbox")])
    assert "code rules not run" in capsys.readouterr().out


def test_paths_command(capsys):
    base_file = str(FIXTURES / "base" / HV)
    args = ["paths", base_file, "--function", "hv_irq_unmask", "--must-call",
            "pci_msi_unmask_irq", "--json"]
    assert main(args) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "fail"
    assert doc["violations"][0]["exit_line"] == line_of(Path(base_file), "return;",
                                                        after="if (res) {")
    v3 = str(FIXTURES / "src" / "v3.c")
    assert main(["paths", v3, "--function", "hv_irq_unmask", "--must-call",
                 "pci_msi_unmask_irq"]) == 0
    assert main(["paths", v3, "--function", "hv_irq_unmask", "--acquire",
                 "spin_lock_irqsave", "--release", "spin_unlock_irqrestore"]) == 0
    assert main(["paths", v3, "--function", "missing", "--must-call", "x"]) == 2
    assert main(["paths", v3, "--function", "hv_irq_unmask"]) == 2


UNPARSED = """\
static int demo_setup(struct demo *d)
{
	int ret;

	mutex_lock(&d->lock);
	ret = demo_hw(d, @@@ 3);
	mutex_unlock(&d->lock);
	return ret;
}
"""


def review_range(capsys, repo: Path, commit: str) -> list[dict]:
    main(["review", "--range", f"{commit}^..{commit}", "--repo", str(repo), "--format", "json",
          "--fail-on", "never"])
    return json.loads(capsys.readouterr().out)["findings"]


def test_a_function_that_cannot_be_analysed_gives_one_info_line(capsys, tmp_path):
    _, change = history_repo(tmp_path, [
        ("demo: add setup", {"drivers/demo/demo.c": UNPARSED}),
        ("demo: retry setup", {"drivers/demo/demo.c": UNPARSED.replace("return ret;",
                                                                        "return ret ?: 1;")}),
    ])
    code = [f for f in review_range(capsys, tmp_path, change) if f["file"]]
    (info,) = code
    assert info["severity"] == "info" and info["function"] == "demo_setup"
    assert "could not be parsed at line 6" in info["message"]
