"""Rule packs load as data; every malformed pack is an error naming file and line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.checks import default_rules_dir, load_rules
from bot.cli import main
from bot.errors import InputError

GOOD = '''[[rule]]
id = "demo-description"
kind = "commit-log"
check = "description"
'''


def pack(tmp_path, text, name="demo"):
    folder = tmp_path / name
    folder.mkdir(parents=True)
    (folder / "rules.toml").write_text(text)
    return folder


@pytest.mark.parametrize("text, message", [
    (GOOD + '\n[[rule]]\nid = "x"\nkind = "no-such-kind"\n', r"rules.toml:6: .*unknown kind"),
    ('[[rule]]\nkind = "commit-log"\n', r"rules.toml:1: rule needs a 'id'"),
    (GOOD.replace('check = "description"', 'check = "description"\nseverity = "fatal"'),
     r"rules.toml:1: rule demo-description: severity"),
    (GOOD.replace('check = "description"', 'check = "nope"'), r"needs check = one of"),
    ("[[rule]\nid = 1\n", r"rules.toml: .*line 1"),
    (GOOD + GOOD, r"rules.toml:5: rule id demo-description already defined at .*:1"),
])
def test_load_errors_name_file_and_line(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        load_rules([pack(tmp_path, text)])


def test_pack_folder_and_folder_of_packs(tmp_path):
    pack(tmp_path / "packs", GOOD, "one")
    pack(tmp_path / "packs", GOOD.replace("demo-description", "other"), "two")
    assert [r.id for r in load_rules([tmp_path / "packs"])] == ["demo-description", "other"]
    assert [r.id for r in load_rules([tmp_path / "packs" / "two"])] == ["other"]
    disabled = pack(tmp_path, GOOD + "enabled = false\n", "off")
    assert load_rules([disabled]) == []


def test_bundled_rules_and_listing(capsys):
    ids = {r.id for r in load_rules()}
    assert {"log-description", "log-signed-off-by", "log-fixes-format"} <= ids
    assert default_rules_dir().name == "rules"
    assert main(["rules"]) == 0
    assert "kernel/log-fixes-format  commit-log  error" in capsys.readouterr().out


def test_bad_rules_dir_exits_2(tmp_path, capsys):
    assert main(["rules", "--rules", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.startswith("lorebot: error: --rules")


def _fresh_load(cache: Path, folder: Path) -> subprocess.CompletedProcess:
    """load_rules in a new process: prints the rules' severities and whether tomllib was needed."""
    code = ("import sys; from pathlib import Path; from bot.checks import load_rules; "
            f"rules = load_rules([Path({str(folder)!r})]); "
            "print([r.severity for r in rules], 'tomllib' in sys.modules)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "XDG_CACHE_HOME": str(cache)}, check=True)


def test_rule_files_are_parsed_once_and_cached_by_content(tmp_path):
    folder = pack(tmp_path, GOOD)
    cache = tmp_path / "cache"
    assert _fresh_load(cache, folder).stdout.split() == ["['error']", "True"]
    assert _fresh_load(cache, folder).stdout.split() == ["['error']", "False"]
    (folder / "rules.toml").write_text(GOOD + 'severity = "warning"\n')
    assert _fresh_load(cache, folder).stdout.split() == ["['warning']", "True"]
    assert _fresh_load(cache, folder).stdout.split() == ["['warning']", "False"]
    assert len(list((cache / "lorebot" / "rules").iterdir())) == 2


def test_a_broken_or_unwritable_cache_only_means_parsing_again(tmp_path, monkeypatch):
    folder = pack(tmp_path, GOOD + 'severity = "info"\n')
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert [r.severity for r in load_rules([folder])] == ["info"]
    (entry,) = (tmp_path / "cache" / "lorebot" / "rules").iterdir()
    entry.write_bytes(b"\x00not marshal data")
    assert [r.severity for r in load_rules([folder])] == ["info"]
    assert entry.read_bytes() != b"\x00not marshal data"  # rewritten
    (tmp_path / "plain-file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "plain-file"))  # mkdir fails
    assert [r.severity for r in load_rules([folder])] == ["info"]


def test_toml_dates_load_without_a_cache_entry(tmp_path, monkeypatch):
    folder = pack(tmp_path, GOOD + "[settings]\nreviewed = 2024-05-01\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (rule,) = load_rules([folder])
    assert str(rule.pack.settings["reviewed"]) == "2024-05-01"
    assert not (tmp_path / "cache" / "lorebot" / "rules").exists()


def _listed(capsys, *argv) -> set[str]:
    assert main(["rules", *map(str, argv)]) == 0
    return {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()}


def test_rules_option_adds_packs_and_the_environment_replaces_them(tmp_path, capsys,
                                                                   monkeypatch):
    monkeypatch.delenv("LOREBOT_RULES", raising=False)
    bundled = _listed(capsys)
    assert "kernel/log-description" in bundled and "pci-hyperv/hv-unmask-every-exit" in bundled
    mine = pack(tmp_path, GOOD)
    added = _listed(capsys, "--rules", mine)
    assert added == bundled | {"demo/demo-description"}
    # Named twice, or the bundled folder (whole or one pack of it) named again: once each.
    again = _listed(capsys, "--rules", mine, mine, default_rules_dir(),
                    "--rules", default_rules_dir() / "kernel")
    assert again == added
    monkeypatch.setenv("LOREBOT_RULES", str(mine))
    assert _listed(capsys) == {"demo/demo-description"}
    other = pack(tmp_path, GOOD.replace("demo-description", "other"), "other")
    assert _listed(capsys, "--rules", other) == {"demo/demo-description", "other/other"}


def test_a_pack_reusing_a_bundled_id_says_how_to_replace_the_bundled_packs(tmp_path, capsys,
                                                                         monkeypatch):
    monkeypatch.delenv("LOREBOT_RULES", raising=False)
    mine = pack(tmp_path, GOOD.replace("demo-description", "log-description"))
    assert main(["rules", "--rules", str(mine)]) == 2
    err = capsys.readouterr().err
    assert "rule id log-description already defined" in err and "$LOREBOT_RULES" in err
