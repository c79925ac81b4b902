"""Bad input through the real command: one line on stderr, the right exit code, no trace."""

import subprocess
from pathlib import Path

import pytest
from mails import BASE_DEMO, DIFF, mbox, patch_mail, write

ROOT = Path(__file__).resolve().parent.parent
LOREBOT = str(ROOT / ".venv" / "bin" / "lorebot")


def run(*args, cwd=None):
    proc = subprocess.run([LOREBOT, *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd)
    assert "Traceback" not in proc.stderr
    return proc


def assert_error(proc, code, *words):
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lorebot: error: "), proc.stderr
    for word in words:
        assert word in lines[0]


def test_truncated_mbox(tmp_path):
    text = mbox(patch_mail(diff=DIFF.replace("@@ -1,5 +1,5 @@", "@@ -1,9 +1,9 @@")))
    path = write(tmp_path / "t.mbox", text)
    assert_error(run("review", "--mbox", path), 2, "malformed diff", "patch 1/1")


def test_patch_without_diff_reviews_the_log(tmp_path):
    proc = run("review", "--mbox", write(tmp_path / "p.eml", patch_mail(diff="")))
    assert proc.returncode == 0, proc.stderr


def test_diff_without_log(tmp_path):
    proc = run("review", "--mbox", write(tmp_path / "p.eml", patch_mail(log="")),
               "--format", "json")
    assert proc.returncode == 1
    assert '"rule": "log-description"' in proc.stdout


def test_binary_and_rename_only(tmp_path):
    diff = ("diff --git a/fw.bin b/fw.bin\nindex 1234567..89abcde 100644\n"
            "Binary files a/fw.bin and b/fw.bin differ\n"
            "diff --git a/lib/old.c b/lib/new.c\nsimilarity index 100%\n"
            "rename from lib/old.c\nrename to lib/new.c\n")
    (tmp_path / "base" / "lib").mkdir(parents=True)
    write(tmp_path / "base" / "lib" / "old.c", BASE_DEMO)
    write(tmp_path / "base" / "fw.bin", b"\x00\x01")
    proc = run("review", "--mbox", write(tmp_path / "p.eml", patch_mail(diff=diff)),
               "--tree", tmp_path / "base")
    assert proc.returncode == 0, proc.stderr
    assert "fw.bin: binary diff" in proc.stdout


def test_twenty_megabyte_patch(tmp_path):
    added = "".join(f"+\tx[{i}] = {i};\n" for i in range(700_000))
    diff = (f"diff --git a/big.c b/big.c\nnew file mode 100644\nindex 0000000..1111111\n"
            f"--- /dev/null\n+++ b/big.c\n@@ -0,0 +1,700000 @@\n{added}")
    path = write(tmp_path / "big.mbox", mbox(patch_mail(diff=diff)))
    assert path.stat().st_size > 15_000_000
    proc = run("review", "--mbox", path, "--tree", tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_oversized_file_refused(tmp_path):
    path = tmp_path / "huge.mbox"
    with path.open("wb") as handle:
        handle.truncate(65 * 1024 * 1024)
    assert_error(run("review", "--mbox", path), 2, "bytes")


def test_missing_patch_in_series(tmp_path):
    mails = [patch_mail(f"[PATCH {i}/3] lib: demo: step {i}", msgid=f"{i}@x") for i in (1, 3)]
    assert_error(run("review", "--mbox", write(tmp_path / "s.mbox", mbox(*mails))), 5, "2/3")


@pytest.mark.parametrize("content", [b"", b"just some text, not a mail at all\n",
                                     b"\x89PNG\r\n\x1a\n\x00\x00binary"])
def test_not_a_series(tmp_path, content):
    assert_error(run("review", "--mbox", write(tmp_path / "x", content)), 2)


def test_folder_that_is_not_a_maildir(tmp_path):
    assert_error(run("review", "--mbox", tmp_path), 2, "not a maildir")


def test_nonexistent_path(tmp_path):
    assert_error(run("review", "--mbox", tmp_path / "nope.mbox"), 2, "cannot read")


def test_hunk_that_does_not_apply(tmp_path):
    (tmp_path / "base" / "lib").mkdir(parents=True)
    write(tmp_path / "base" / "lib" / "demo.c", BASE_DEMO.replace("return x;", "return y;"))
    proc = run("review", "--mbox", write(tmp_path / "p.eml", patch_mail()),
               "--tree", tmp_path / "base")
    assert_error(proc, 2, "patch 1/1", "lib/demo.c", "hunk #1", "does not apply")


def test_usage_errors(tmp_path):
    assert_error(run("review"), 2, "exactly one")
    mail = write(tmp_path / "p.eml", patch_mail())
    assert_error(run("review", "--mbox", mail, "--repo", tmp_path, "--tree", tmp_path), 2)
    assert_error(run("review", "--mbox", mail, "--repo", tmp_path), 2, "not a git repository")


def test_a_model_that_breaks_on_one_function_loses_only_its_own_findings(tmp_path):
    import json
    import shutil

    from kernel_repo import FIXTURES

    pack = tmp_path / "pci-hyperv"
    shutil.copytree(ROOT / "rules" / "pci-hyperv", pack)
    model = pack / "models" / "hv_irq_unmask.py"
    model.write_text(model.read_text() + "\n# A pack author's slip: the stub indexes past "
                     "the CPUs the MSI has.\nMODEL.stubs['pci_msi_unmask_irq'] = "
                     "lambda call: sorted(call.state.msi.affinity)[4]\n")
    proc = run("review", "--mbox", FIXTURES / "v2.mbox", "--tree", FIXTURES / "base",
               "--rules", ROOT / "rules" / "kernel", pack, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    rules = {f["rule"] for f in report["findings"]}
    assert "hv-unmask-every-exit" in rules  # the path rule on the same function stands
    assert "hv-unmask-behaviour" not in rules
    notes = [s for s in report["skipped"] if "could not analyse" in s]
    assert len(notes) == 1, report["skipped"]
    assert notes[0].startswith("patch 1: could not analyse hv_irq_unmask(): IndexError")
