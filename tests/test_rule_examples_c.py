"""Every code rule carries C examples; each ``ruleid:`` line is flagged, each ``ok:`` is not.

In ``rules/<pack>/examples/<rule id>/*.c``, ``/* ruleid: ID */`` stands right
above an exit line the rule must report and ``/* ok: ID */`` above one it must not.
"""

import re

import pytest

from bot.checks import kind_module, load_rules

MARK = re.compile(r"/\*\s*(ruleid|ok):\s*([\w-]+)\s*\*/")
CODE_RULES = [r for r in load_rules() if hasattr(kind_module(r.kind), "check_source")]


def _examples(rule):
    return sorted((rule.pack.folder / "examples" / rule.id).glob("*.c"))


@pytest.mark.parametrize("rule", CODE_RULES, ids=lambda r: r.id)
def test_rule_has_examples_with_both_marks(rule):
    marks = [m.group(1) for path in _examples(rule) for m in MARK.finditer(path.read_text())]
    assert "ruleid" in marks and "ok" in marks, f"{rule.id} has no ruleid/ok examples"


@pytest.mark.parametrize("rule", CODE_RULES, ids=lambda r: r.id)
def test_examples(rule):
    for path in _examples(rule):
        text = path.read_text()
        lines = text.split("\n")
        flagged = {f.line for f in kind_module(rule.kind).check_source(rule, text, str(path))}
        for number, line in enumerate(lines, 1):
            match = MARK.search(line)
            if not match or match.group(2) != rule.id:
                continue
            target = number + 1
            if match.group(1) == "ruleid":
                assert target in flagged, f"{path}:{target} should be reported"
            else:
                assert target not in flagged, f"{path}:{target} should not be reported"
