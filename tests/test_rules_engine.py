"""Rule packs load as data; every malformed pack is an error naming file and line."""

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
