"""b4 through bot.b4lib: its attestation modules load only when b4 uses them, and
then work as if imported normally."""

import subprocess
import sys


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_attestation_modules_are_not_run_by_importing_b4():
    out = run("import sys\nfrom bot.b4lib import b4\nimport dkim, patatt\n"
              "print(sorted(m for m in ('dns', 'nacl', 'dkim.crypto') if m in sys.modules))")
    assert out == "[]"


def test_a_deferred_module_runs_on_first_use_in_b4s_reference_to_it():
    out = run("import sys\nfrom bot.b4lib import b4\n"
              "print(b4.dkim.verify(b'From: a@b.c\\nSubject: x\\n\\nbody\\n'))\n"
              "print('dns' in sys.modules, b4.dkim is sys.modules['dkim'])\n"
              "b4.patatt.GPGBIN = 'gpg-of-the-test'\n"
              "print(sys.modules['patatt'].GPGBIN, callable(b4.patatt.validate_message))")
    assert out.split("\n") == ["False", "True True", "gpg-of-the-test True"]
