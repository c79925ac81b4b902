"""Bad input through the real command: one line on stderr, the right exit code, no trace."""

import gzip
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from mails import BASE_DEMO, DIFF, LOG, generated_file, mbox, patch_mail, write
from warm_server import children, running_server, runtime_env

ROOT = Path(__file__).resolve().parent.parent
LOREBOT = str(ROOT / ".venv" / "bin" / "lorebot")


def run(*args, cwd=None, env=None):
    proc = subprocess.run([LOREBOT, *map(str, args)], capture_output=True, text=True,
                          timeout=60, cwd=cwd, env=env)
    assert "Traceback" not in proc.stderr
    return proc


@pytest.fixture(params=["in-process", "server"])
def via(request, tmp_path):
    """The environment of a command: one without a server (it runs in-process), or one
    whose warm server (``lorebot server``) runs it: the same guarantees either way."""
    if request.param == "in-process":
        yield runtime_env(tmp_path / "no-server")
        return
    with running_server(tmp_path / "run"):
        yield runtime_env(tmp_path / "run")


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


def test_nonexistent_path(tmp_path, via):
    assert_error(run("review", "--mbox", tmp_path / "nope.mbox", env=via), 2, "cannot read")


def test_hunk_that_does_not_apply(tmp_path, via):
    (tmp_path / "base" / "lib").mkdir(parents=True)
    write(tmp_path / "base" / "lib" / "demo.c", BASE_DEMO.replace("return x;", "return y;"))
    proc = run("review", "--mbox", write(tmp_path / "p.eml", patch_mail()),
               "--tree", tmp_path / "base", env=via)
    assert_error(proc, 2, "patch 1/1", "lib/demo.c", "hunk #1", "does not apply")


def test_usage_errors(tmp_path, via):
    assert_error(run("review", env=via), 2, "exactly one")
    mail = write(tmp_path / "p.eml", patch_mail())
    assert_error(run("review", "--mbox", mail, "--repo", tmp_path, "--tree", tmp_path,
                     env=via), 2)
    assert_error(run("review", "--mbox", mail, "--repo", tmp_path, env=via), 2,
                 "not a git repository")


def test_a_model_that_breaks_on_one_function_loses_only_its_own_findings(tmp_path):
    import json
    import shutil

    from kernel_repo import FIXTURES

    pack = tmp_path / "rules" / "pci-hyperv"  # in place of the bundled one
    shutil.copytree(ROOT / "rules" / "pci-hyperv", pack)
    shutil.copytree(ROOT / "rules" / "kernel", tmp_path / "rules" / "kernel")
    model = pack / "models" / "hv_irq_unmask.py"
    model.write_text(model.read_text() + "\n# A pack author's slip: the stub indexes past "
                     "the CPUs the MSI has.\nMODEL.stubs['pci_msi_unmask_irq'] = "
                     "lambda call: sorted(call.state.msi.affinity)[4]\n")
    proc = run("review", "--mbox", FIXTURES / "v2.mbox", "--tree", FIXTURES / "base",
               "--format", "json", env={**os.environ, "LOREBOT_RULES": str(tmp_path / "rules")})
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    rules = {f["rule"] for f in report["findings"]}
    assert "hv-unmask-every-exit" in rules  # the path rule on the same function stands
    assert "hv-unmask-behaviour" not in rules
    notes = [s for s in report["skipped"] if "could not analyse" in s]
    assert len(notes) == 1, report["skipped"]
    assert notes[0].startswith("patch 1: could not analyse hv_irq_unmask(): IndexError")


def test_a_non_ascii_byte_in_an_mbox_from_line_is_just_a_separator(tmp_path):
    raw = b"From m\xe9lanie@example.com Mon Jun  1 10:00:00 2020\n" + patch_mail().encode()
    proc = run("review", "--mbox", write(tmp_path / "s.mbox", raw), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert '"subject": "[PATCH] lib: demo: Return the next value"' in proc.stdout


def test_a_charset_that_is_no_mail_charset_falls_back(tmp_path):
    mail = patch_mail(extra_headers="Content-Type: text/plain; charset=punycode\n")
    proc = run("review", "--mbox", write(tmp_path / "p.eml", mail), "--tree", tmp_path,
               "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert "lib/demo.c" in proc.stdout  # the body and its diff were read


def _nested_mime(depth: int) -> str:
    opening = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n"
                      for i in range(depth))
    closing = "".join(f"--b{i}--\n" for i in reversed(range(depth)))
    return (f"From: Ann Author <ann@example.com>\nSubject: [PATCH] lib: demo: x\n"
            f"Message-ID: <deep@example.com>\nMIME-Version: 1.0\n{opening}"
            f"Content-Type: text/plain\n\n{LOG_AND_DIFF}{closing}")


LOG_AND_DIFF = patch_mail().split("\n\n", 1)[1]


def test_mime_nested_too_deep_is_refused_and_shallow_nesting_is_read(tmp_path):
    deep = run("review", "--mbox", write(tmp_path / "deep.eml", _nested_mime(2000)))
    assert_error(deep, 2, "nests more than 64 multipart/message parts")
    shallow = run("review", "--mbox", write(tmp_path / "ok.eml", _nested_mime(3)),
                  "--tree", tmp_path, "--format", "json")
    assert shallow.returncode in (0, 1) and "lib/demo.c" in shallow.stdout, shallow.stderr


def test_only_regular_files_are_read(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert_error(run("review", "--mbox", fifo), 2, "a FIFO, not a regular file")
    assert_error(run("review", "--mbox", "/dev/zero"), 2, "a character device")


def _maildir(root: Path) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    return root


def test_a_maildir_gets_the_limit_of_an_mbox(tmp_path):
    one_big = _maildir(tmp_path / "big")
    write(one_big / "new" / "1.host", patch_mail())
    with (one_big / "new" / "2.host").open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB that cost no disk
    assert_error(run("review", "--mbox", one_big), 2, "67108864 bytes", "64 MiB")
    together = _maildir(tmp_path / "together")
    for n in (1, 2):
        path = write(together / "cur" / f"{n}.host:2,S", patch_mail(msgid=f"{n}@x"))
        with path.open("ab") as handle:
            handle.truncate(40 * 1024 * 1024)
    assert_error(run("review", "--mbox", together), 2, "(all its mails)", "64 MiB")
    fifo = _maildir(tmp_path / "fifo")
    os.mkfifo(fifo / "new" / "1.host")
    assert_error(run("review", "--mbox", fifo), 2, "a FIFO")


def test_too_many_mails_in_one_input(tmp_path):
    mails = [patch_mail(f"Re: [PATCH] lib: demo: x {n}", msgid=f"r{n}@x") for n in range(5001)]
    assert_error(run("review", "--mbox", write(tmp_path / "many.mbox", mbox(*mails))), 2,
                 "5001 mails, more than the 5000")


def test_b4_check_stdin_is_bounded(tmp_path, via):
    proc = subprocess.run([LOREBOT, "b4-check"], input=b"X" * (65 * 1024 * 1024),
                          capture_output=True, timeout=60, cwd=tmp_path, env=via)
    assert proc.returncode == 2
    assert proc.stderr.decode() == ("lorebot: error: stdin: more than 67108864 bytes "
                                    "(the limit of one input, 64 MiB)\n")


class _Bomb(BaseHTTPRequestHandler):
    """lore's thread URL answering 70 MiB of zeros packed into a small gzip file."""

    body = gzip.compress(b"\0" * (70 * 1024 * 1024), compresslevel=1)

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


def test_a_lore_answer_that_unpacks_past_the_limit_is_refused(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bomb)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1", "LOREBOT_LORE_RETRIES": "0"}
    try:
        subprocess.run(["git", "config", "--global", "b4.midmask",
                        f"http://127.0.0.1:{server.server_port}/all/%s"], env=env,
                       check=True, timeout=30)
        proc = subprocess.run([LOREBOT, "review", "bomb@example.com"], capture_output=True,
                              text=True, env=env, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert_error(proc, 2, "lore's answer to GET", "t.mbox.gz", "64 MiB")


def test_a_rules_folder_without_packs_is_an_error(tmp_path):
    (tmp_path / "rules" / "notes").mkdir(parents=True)
    write(tmp_path / "rules" / "notes" / "README", "rule ideas, none written yet\n")
    mail = write(tmp_path / "p.eml", patch_mail())
    assert_error(run("review", "--mbox", mail, "--rules", tmp_path / "rules"), 2,
                 f"--rules {tmp_path / 'rules'}: no rule pack")


def test_a_review_over_its_time_budget_ends_in_one_line(tmp_path, via):
    (tmp_path / "base" / "lib").mkdir(parents=True)
    write(tmp_path / "base" / "lib" / "demo.c", generated_file(40_000))
    mail = write(tmp_path / "p.eml", patch_mail())
    started = time.monotonic()
    proc = run("review", "--mbox", mail, "--tree", tmp_path / "base", "--time-limit", "0.5",
               env=via)
    assert_error(proc, 7, "over its time budget (0.5 s)")
    assert time.monotonic() - started < 10
    assert proc.stdout == ""  # no partial report
    full = run("review", "--mbox", mail, "--tree", tmp_path / "base", env=via)
    assert full.returncode == 0, full.stderr  # the default budget is ample for it


def test_a_review_over_its_memory_budget_ends_in_one_line(tmp_path, via):
    added = "".join(f"+\tslot[{i}] = {i};\n" for i in range(100_000))
    diff = (f"diff --git a/lib/table.c b/lib/table.c\nnew file mode 100644\n"
            f"index 0000000..1111111\n--- /dev/null\n+++ b/lib/table.c\n"
            f"@@ -0,0 +1,100000 @@\n{added}")
    mail = write(tmp_path / "p.eml", patch_mail(diff=diff))
    assert_error(run("review", "--mbox", mail, "--memory-limit", "16", env=via), 7,
                 "over its memory budget (16 MiB)")
    assert run("review", "--mbox", mail, env=via).returncode == 0


def test_an_address_with_non_ascii_letters_and_a_diff_error_quoting_mail_lines(tmp_path):
    mail = patch_mail(author="Zoë Author <zoë@exämple.com>",
                      extra_headers="Content-Type: text/plain; charset=utf-8\n")
    proc = run("review", "--mbox", write(tmp_path / "p.eml", mail.encode()), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    torn = patch_mail(diff=DIFF.replace(" }\n", "a line of the log, wrapped\n\n"))
    proc = run("review", "--mbox", write(tmp_path / "t.eml", torn), "--tree", tmp_path)
    assert_error(proc, 2, "malformed diff")  # assert_error: exactly one line


def test_address_headers_nested_or_long_beyond_reason(tmp_path):
    nested = "(" * 3000 + "x" + ")" * 3000
    many = ", ".join(f"Reader {n} <reader{n}@example.org>" for n in range(1_500))  # 50 KB
    unsigned = LOG.replace("Signed-off-by: Ann Author <ann@example.com>\n", "")
    mail = patch_mail(author=f"{nested} <ann@example.com>", log=unsigned,
                      extra_headers=f"To: {many}\nCc: {nested}\n"
                                    "Content-Type: text/plain; charset=utf-8\n")
    started = time.monotonic()
    proc = run("review", "--mbox", write(tmp_path / "p.eml", mail), "--format", "email")
    assert proc.returncode == 1, proc.stderr  # the log's findings, replied to Ann
    assert time.monotonic() - started < 10
    assert "To: ann@example.com" in proc.stdout


def test_a_header_word_in_punycode_is_not_decoded():
    # Decoding punycode is quadratic (400,000 characters: 22 s); watch reads the
    # headers of every mail lore finds before any limit applies.
    from bot.source.mail import parse_message

    name = "=?punycode?q?-" + "ba" * 4_000 + "?="
    raw = patch_mail(author=f"{name} <ann@example.com>").encode()
    message = parse_message(raw, with_body=False)[0]
    assert message.author_name.startswith("-babababa")  # left as it was written
    assert message.author_email == "ann@example.com"



def test_a_header_field_longer_than_parsers_take_is_refused(tmp_path):
    references = "References: " + "\n ".join(f"<reply{n}@example.org>" for n in range(20_000))
    mail = patch_mail(extra_headers=f"{references}\nContent-Type: text/plain\n")
    assert_error(run("review", "--mbox", write(tmp_path / "p.eml", mail)), 2,
                 "a mail has a References header of", "(more than 65536)")


HOSTILE_BODIES = {
    "200 nested ifs": "".join(f"\tif (x > {i}) {{\n" for i in range(200)) + "\tmutex_lock(&l);\n"
                      + "\t}\n" * 200 + "\treturn x;\n",
    "500 else-ifs": "\tif (x == 0) x = 1;\n" + "".join(f"\telse if (x == {i}) x = {i};\n"
                                                      for i in range(1, 500)) + "\treturn x;\n",
    "1,000 && terms": "\tif (" + " && ".join(f"x != {i}" for i in range(1000))
                      + ")\n\t\tmutex_lock(&l);\n\treturn x;\n",
    "5,000 labels going back": "".join(f"l{i}:\n\tif (x == {i}) goto l{max(i - 1, 0)};\n"
                                       for i in range(5000)) + "\treturn x;\n",
    "an extra }": "\tmutex_lock(&l);\n\t}\n\treturn x;\n",
}


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES)
def test_hostile_c_in_a_patch_ends_within_a_ten_second_budget(tmp_path, body):
    import difflib

    new = BASE_DEMO.replace("\treturn x;\n", body)
    diff = "".join(difflib.unified_diff(BASE_DEMO.splitlines(True), new.splitlines(True),
                                        "a/lib/demo.c", "b/lib/demo.c"))
    mail = write(tmp_path / "p.eml", patch_mail(diff="diff --git a/lib/demo.c b/lib/demo.c\n"
                                                     "index 3b18e51..5c1a2f0 100644\n" + diff))
    (tmp_path / "base" / "lib").mkdir(parents=True)
    write(tmp_path / "base" / "lib" / "demo.c", BASE_DEMO)
    proc = run("review", "--mbox", mail, "--tree", tmp_path / "base", "--time-limit", "10")
    assert proc.returncode in (0, 1), proc.stderr  # a verdict, not 7 (over) nor 70


def test_a_file_with_two_diff_sections_in_one_patch_is_refused(tmp_path):
    mail = write(tmp_path / "p.eml", patch_mail(diff=DIFF * 2))
    assert_error(run("review", "--mbox", mail, "--tree", tmp_path), 2,
                 "lib/demo.c has more than one diff section")


HV = ROOT / "fixtures" / "pci-hyperv"
HV_FILE = "drivers/pci/controller/pci-hyperv.c"


def _hv_review(tmp_path, base_text: str, mbox_text: str) -> dict:
    import json
    import shutil

    shutil.copytree(HV / "base", tmp_path / "base")
    write(tmp_path / "base" / HV_FILE, base_text)
    proc = run("review", "--mbox", write(tmp_path / "s.mbox", mbox_text),
               "--tree", tmp_path / "base", "--format", "json")
    assert proc.returncode in (0, 1) and not proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def test_a_brace_the_patch_adds_gets_no_verdict_on_the_misparsed_function(tmp_path):
    v2 = (HV / "v2.mbox").read_text()
    added = v2.replace("@@ -96,6 +96,15 @@", "@@ -96,6 +96,16 @@").replace(
        "+\tif (hbus->state == hv_pcibus_removing)", "+\t}\n+\tif (hbus->state == "
        "hv_pcibus_removing)", 1)
    review = _hv_review(tmp_path, (HV / "base" / HV_FILE).read_text(), added)
    code = [f for f in review["findings"] if f["function"] == "hv_irq_unmask"]
    assert code and all(f["severity"] == "info" for f in code)
    assert all(f["message"].startswith("Could not analyse: hv_irq_unmask() ends at line")
               for f in code)
    assert len([f for f in code if f["rule"] == "hv-unmask-behaviour"]) == 1


def test_a_brace_the_patch_removes_leaves_nothing_to_compare_with(tmp_path):
    """The pre-image cannot be run: what the patch leaves is not 'introduced' by it."""
    base = (HV / "base" / HV_FILE).read_text().replace(
        "\tpbus = pdev->bus;\n", "\t}\n\tpbus = pdev->bus;\n", 1)
    removed = (HV / "v2.mbox").read_text().replace("@@ -96,6 +96,15 @@", "@@ -96,7 +96,15 @@"
                                                   ).replace(" \tpbus = pdev->bus;\n",
                                                             "-\t}\n \tpbus = pdev->bus;\n", 1)
    review = _hv_review(tmp_path, base, removed)
    code = [f for f in review["findings"] if f["function"] == "hv_irq_unmask"]
    assert any(f["severity"] == "error" for f in code)  # the post-image is analysed
    assert all(f["status"] == "preexisting" for f in code if f["severity"] == "error")
    assert not any("breaks" in f["message"] or "fixes" in f["message"] for f in code)


def test_a_file_name_with_a_nul_byte_is_refused(tmp_path):
    diff = DIFF.replace("diff --git a/lib/demo.c", "diff --git a/lib/demo.c\0")
    (tmp_path / "base" / "lib").mkdir(parents=True)
    write(tmp_path / "base" / "lib" / "demo.c", BASE_DEMO)
    mail = write(tmp_path / "p.eml", patch_mail(diff=diff))
    assert_error(run("review", "--mbox", mail, "--tree", tmp_path / "base"), 2,
                 "a file name with a control character", "lib/demo.c\\x00")


def test_a_review_whose_parent_is_killed_leaves_no_process_behind(tmp_path):
    """kill -9 of lorebot (cron's timeout, an operator): its review child, whose result no
    longer has a reader, ends instead of waiting for ever to hand it over."""
    mails = [patch_mail(f"[PATCH {i}/1500] lib: demo: Return value {i}", msgid=f"c{i}@x",
                        reply_to=None if i == 1 else "c1@x",
                        diff=DIFF.replace("-\treturn x;\n+\treturn x + 1;",
                                          f"-\treturn x + {i - 1};\n+\treturn x + {i};")
                        .replace("-\treturn x + 0;", "-\treturn x;"))
             for i in range(1, 1501)]
    (tmp_path / "base" / "lib").mkdir(parents=True)
    write(tmp_path / "base" / "lib" / "demo.c", BASE_DEMO)
    proc = subprocess.Popen([LOREBOT, "review", "--mbox", str(write(tmp_path / "s.mbox",
                                                                     mbox(*mails))),
                             "--tree", str(tmp_path / "base"), "--format", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (forked := children(proc.pid)):
            assert time.monotonic() < deadline and proc.poll() is None, "no review child"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    child = forked[0]
    deadline = time.monotonic() + 120
    while Path(f"/proc/{child}").exists() and \
            Path(f"/proc/{child}/stat").read_text().split()[2] != "Z":
        assert time.monotonic() < deadline, "the review child outlived its parent"
        time.sleep(0.2)
