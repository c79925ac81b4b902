"""Mutated kernel-style C never breaks the front end: the rewrites keep every byte's
line, parsing and the CFG never raise, and a function parsed alone gets the same
verdict as in the whole file. Seeds are the functions of the other C tests; hypothesis
deletes and inserts the characters that matter to a C parser."""

from functools import partial

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_c_frontend import CASES as FRONTEND_CASES
from test_c_paths import CASES as PATH_CASES

from bot.c.parse import CSource
from bot.c.paths import must_call, paired
from bot.c.rewrite import rewrite
from bot.c.verdict import verdict

SEEDS = [source.replace("/*X*/", "") for source in FRONTEND_CASES.values()] + \
    [case[1].replace("/*X*/", "") for case in PATH_CASES.values()]
NOISE = "{}()[];:#\n\t*&|?!'\"\\/ ...01_xifelsegotoreturnscoped_guard"
ANALYSES = (partial(must_call, callee="unmask"),
            partial(paired, acquires={"mutex_lock"}, releases={"mutex_unlock"}))


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["delete", "insert", "line"]))
        if op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 8)):]
        elif op == "insert":
            text = text[:at] + draw(st.text(alphabet=NOISE, min_size=1, max_size=6)) + text[at:]
        else:  # repeat the line holding ``at``
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            end = len(text) if end < 0 else end + 1
            text = text[:end] + text[start:end] + text[end:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_rewrites_keep_every_line(text):
    data = text.encode()
    out = rewrite(data).data
    assert len(out) == len(data)
    assert [i for i, b in enumerate(out) if b == 10] == [i for i, b in enumerate(data) if b == 10]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
# error recovery read "log(d)_{;}" as a definition of "_" returning log(d): no parameters
@example("void f(struct d 0f (d->ok && unmask(d))\n\t\tlog(d)_{;\n}")
# a backslash-newline before a definition joins two lines of code, not a #define's
@example("\\\nint f(struct d *d)\n{\n\tif (d->ok)\n\t\treturn 1;\n\tunmask(d);\n\treturn 0;\n}")
# nor is "#:" a directive: a parser reads the definition after it
@example("\n#:int f(struct d *d)\n{\n\tif (d->ok)\n\t\treturn 1;\n\tunmask(d);\n\treturn 0;\n}")
def test_front_end_never_raises_and_lazy_agrees_with_whole(text):
    whole = CSource(text)
    for fn in whole.functions():
        if whole.function(fn.name) is not fn:
            continue  # a second definition of one name: verdicts are about the first
        for analysis in ANALYSES:
            result = verdict(whole, fn.name, analysis, frozenset({"BUG"}))
            assert (result.verdict == "unknown") == bool(fn.problem), result
            alone = verdict(CSource(text, lazy=True), fn.name, analysis, frozenset({"BUG"}))
            assert (alone.verdict, [v.exit_line for v in alone.violations]) == \
                (result.verdict, [v.exit_line for v in result.violations])
