"""One patch at a time (``review``, b4's per-patch ``b4-check``) pays for every
import: a command loads only what its input needs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pci-hyperv"
OTHER_COMMANDS = {"bot.commands.watch", "bot.commands.history", "bot.commands.action",
                  "bot.commands.paths", "bot.commands.b4_check", "bot.commands.rules"}
NETWORK_AND_GIT = {"pygit2", "requests", "b4", "liblore"}
# b4 reads every series (subjects, revisions, reply trailers: issue 14), and with it
# come requests and liblore; a review from local mail still loads no git.
SERIES_BY_B4 = {"b4", "liblore", "requests"}
# b4's attestation and signing (dkimpy with dnspython, patatt with PyNaCl) run on
# no path of lorebot's: bot.b4lib leaves their code unrun.
ATTESTATION = {"dns", "dns.resolver", "nacl", "nacl.signing", "dkim.crypto"}
C_AND_MODEL = {"tree_sitter", "bot.c.parse", "bot.c.cfg", "bot.c.paths", "bot.model.interp"}


def imported(argv: list[str], cache: Path) -> set[str]:
    """The modules loaded by one ``lorebot ARGV`` in a fresh interpreter (rule cache warm),
    its budgeted review child (bot.budget) included."""
    code = ("import sys\nimport bot.budget\nchild = bot.budget._child\n"
            "def listing(*args):\n    child(*args)\n"
            "    sys.stderr.write(' '.join(sys.modules) + ' ')\n"
            "bot.budget._child = listing\nfrom bot.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write(' '.join(sys.modules))\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    for _ in range(2):  # the first run fills the rule cache
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, check=True)
    return set(out.stderr.split())


def test_review_without_a_tree_loads_neither_the_c_front_end_nor_git(tmp_path):
    mods = imported(["review", "--mbox", str(FIXTURES / "v2.mbox")], tmp_path)
    assert "bot.commands.review" in mods and "bot.checks.log_content" in mods
    assert not mods & (C_AND_MODEL | (NETWORK_AND_GIT - SERIES_BY_B4) | OTHER_COMMANDS
                       | ATTESTATION | {"tomllib"})


def test_review_with_a_tree_loads_the_c_front_end_and_the_model_but_no_network(tmp_path):
    mods = imported(["review", "--mbox", str(FIXTURES / "v2.mbox"), "--tree",
                     str(FIXTURES / "base")], tmp_path)
    assert mods >= C_AND_MODEL
    assert not mods & ((NETWORK_AND_GIT - SERIES_BY_B4) | OTHER_COMMANDS | ATTESTATION
                       | {"tomllib"})


@pytest.mark.parametrize("argv, others", [(["rules"], OTHER_COMMANDS - {"bot.commands.rules"}),
                                          (["review", "--help"], OTHER_COMMANDS),
                                          (["--help"], set())])
def test_listing_and_help_load_no_analysis(tmp_path, argv, others):
    mods = imported(argv, tmp_path)
    assert not mods & (C_AND_MODEL | NETWORK_AND_GIT | others | {"bot.model.scenario", "email"})


def test_the_command_list_builds_every_parser_without_dataclasses(tmp_path):
    """``lorebot --help`` imports every command module: none may need dataclasses
    (inspect), pickle or traceback to declare its options."""
    assert not imported(["--help"], tmp_path) & {"dataclasses", "inspect", "pickle", "traceback"}


def test_paths_loads_the_c_front_end_and_the_pairs_but_nothing_of_a_review(tmp_path):
    """``lorebot paths`` judges one function of one file: no mail, no patches, no
    findings or reports, no other rule kind."""
    source = tmp_path / "demo.c"
    source.write_text("static int demo(struct demo *d)\n{\n\tmutex_lock(&d->lock);\n"
                      "\tif (d->bad)\n\t\treturn -5;\n\tmutex_unlock(&d->lock);\n"
                      "\treturn 0;\n}\n")
    mods = imported(["paths", str(source), "--function", "demo", "--acquire", "mutex_lock",
                     "--release", "mutex_unlock"], tmp_path / "cache")
    assert {"bot.c.parse", "bot.c.paths", "bot.checks.paired_calls"} <= mods
    assert not mods & ({"bot.series", "bot.tree", "bot.patchapply", "bot.checks.context",
                        "bot.checks.pathrule", "bot.checks.commit_log", "bot.checks.must_call",
                        "bot.checks.behaviour", "bot.model.interp", "bot.report", "email",
                        "difflib", "tomllib"} | NETWORK_AND_GIT | OTHER_COMMANDS
                       - {"bot.commands.paths"})
