"""Path rules on kernel-style functions: every construct, the verdict and the exit line.

Each case is a small function written for this test; ``/*X*/`` marks the exit
line(s) a violation must name (the marker is stripped before parsing).
"""

from functools import partial

import pytest

from bot.c.parse import CSource
from bot.c.paths import must_call, paired
from bot.c.verdict import verdict
from bot.checks import load_rules

NORETURN = frozenset({"BUG", "panic", "do_exit", "unreachable"})
SETTINGS = load_rules()[0].pack.shared  # the bundled packs' settings (exit_keep_names...)
UNMASK = partial(must_call, callee="unmask")
MUTEX = partial(paired, acquires={"mutex_lock"}, releases={"mutex_unlock"})
SPIN = partial(paired, acquires={"spin_lock_irqsave"}, releases={"spin_unlock_irqrestore"})
FW = partial(paired, acquires={"request_firmware"}, releases={"release_firmware"},
             returns="errno")
OFN = partial(paired, acquires={"of_get_child_by_name"}, releases={"of_node_put"},
              returns="pointer")
CLK = partial(paired, acquires={"clk_prepare_enable"}, releases={"clk_disable_unprepare"},
              returns="errno")

CASES = {
    "straight line": (UNMASK, """
void f(struct d *d)
{
	prepare(d);
	unmask(d);
}"""),
    "early return": (UNMASK, """
void f(struct d *d)
{
	if (d->dead)
		return;/*X*/
	unmask(d);
}"""),
    "return value early": (UNMASK, """
int f(struct d *d)
{
	int ret = setup(d);

	if (ret)
		return ret;/*X*/
	unmask(d);
	return 0;
}"""),
    "both branches call": (UNMASK, """
void f(struct d *d)
{
	if (d->fast)
		unmask(d);
	else
		unmask_slow(d), unmask(d);
}"""),
    "fall off the end without call": (UNMASK, """
void f(struct d *d)
{
	if (d->ok)
		unmask(d);
}/*X*/"""),
    "goto chain to common exit": (UNMASK, """
int f(struct d *d)
{
	int ret;

	ret = a(d);
	if (ret)
		goto out;
	ret = b(d);
	if (ret)
		goto out_a;
	return 0;/*X*/
out_a:
	undo_a(d);
out:
	unmask(d);
	return ret;
}"""),
    "goto skips the call": (UNMASK, """
int f(struct d *d)
{
	if (!d)
		goto out;
	unmask(d);
out:
	return 0;/*X*/
}"""),
    "backward goto retry": (UNMASK, """
int f(struct d *d)
{
	int tries = 3;
retry:
	if (try_once(d) && --tries)
		goto retry;
	unmask(d);
	return 0;
}"""),
    "backward goto retry with bail out": (UNMASK, """
int f(struct d *d)
{
retry:
	if (try_once(d) == -EAGAIN)
		goto retry;
	if (fatal(d))
		return -EIO;/*X*/
	unmask(d);
	return 0;
}"""),
    "short circuit right side": (UNMASK, """
void f(struct d *d)
{
	if (d->ok && unmask(d))
		log(d);
}/*X*/"""),
    "short circuit left side": (UNMASK, """
void f(struct d *d)
{
	if (unmask(d) || d->ok)
		log(d);
}"""),
    "or right side": (UNMASK, """
void f(struct d *d)
{
	d->ok || unmask(d);
}/*X*/"""),
    "ternary one arm": (UNMASK, """
void f(struct d *d)
{
	int x = d->ok ? unmask(d) : 0;

	use(x);
}/*X*/"""),
    "ternary both arms": (UNMASK, """
void f(struct d *d)
{
	d->ok ? unmask(d) : unmask_twice(d, unmask(d));
}"""),
    "switch with break and return": (UNMASK, """
int f(struct d *d)
{
	switch (d->mode) {
	case 1:
		unmask(d);
		break;
	case 2:
		return -EINVAL;/*X*/
	default:
		unmask(d);
	}
	return 0;
}"""),
    "switch fall through": (UNMASK, """
void f(struct d *d)
{
	switch (d->mode) {
	case 1:
		prepare(d);
		/* fall through */
	case 2:
		unmask(d);
		break;
	default:
		unmask(d);
		break;
	}
}"""),
    "switch without default": (UNMASK, """
void f(struct d *d)
{
	switch (d->mode) {
	case 1:
		unmask(d);
		break;
	}
}/*X*/"""),
    "early return in loop": (UNMASK, """
int f(struct d *d)
{
	int i;

	for (i = 0; i < d->n; i++) {
		if (d->bad[i])
			return -EIO;/*X*/
	}
	unmask(d);
	return 0;
}"""),
    "call only in loop body": (UNMASK, """
void f(struct d *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		unmask(d);
}/*X*/"""),
    "do while zero": (UNMASK, """
void f(struct d *d)
{
	do {
		unmask(d);
	} while (0);
}"""),
    "while with break and continue": (UNMASK, """
void f(struct d *d)
{
	while (next(d)) {
		if (skip(d))
			continue;
		if (done(d))
			break;
	}
	unmask(d);
}"""),
    "macro loop": (UNMASK, """
void f(struct d *d)
{
	int cpu;

	for_each_online_cpu(cpu) {
		if (cpu_bad(cpu))
			return;/*X*/
	}
	unmask(d);
}"""),
    "list macro loop then call": (UNMASK, """
void f(struct d *d)
{
	struct child *c;

	list_for_each_entry(c, &d->children, node) {
		poke(c);
	}
	unmask(d);
}"""),
    "ifdef both arms": (UNMASK, """
void f(struct d *d)
{
#ifdef CONFIG_FAST
	unmask(d);
#else
	slow(d);
#endif
}/*X*/"""),
    "ifdef arm with return": (UNMASK, """
void f(struct d *d)
{
#ifdef CONFIG_QUIRK
	if (quirk(d))
		return;/*X*/
#endif
	unmask(d);
}"""),
    "noreturn call ends the path": (UNMASK, """
void f(struct d *d)
{
	if (!d)
		BUG();
	unmask(d);
}"""),
    "panic in error arm": (UNMASK, """
int f(struct d *d)
{
	if (broken(d))
		panic("broken %p", d);
	else
		unmask(d);
	return 0;
}"""),
    "infinite loop with no exit": (UNMASK, """
void f(struct d *d)
{
	for (;;) {
		poll(d);
	}
}"""),
    "infinite loop with break": (UNMASK, """
void f(struct d *d)
{
	while (1) {
		if (poll(d))
			break;
	}
}/*X*/"""),
    "statement expression": (UNMASK, """
void f(struct d *d)
{
	int x = ({ int y = unmask(d); y + 1; });

	use(x);
}"""),
    "likely wrapper": (UNMASK, """
void f(struct d *d)
{
	if (unlikely(!d->ok))
		return;/*X*/
	unmask(d);
}"""),
    "attributes and __func__": (UNMASK, """
static void __maybe_unused f(struct d *d)
{
	pr_debug("%s\\n", __func__);
	unmask(d);
}"""),
    "container_of type argument": (UNMASK, """
void f(struct irq_data *data)
{
	struct bus *b = container_of(data->chip, struct bus, chip);

	if (b->state == dead)
		return;/*X*/
	unmask(data);
}"""),
    "mutex released on every path": (MUTEX, """
int f(struct d *d)
{
	int ret = 0;

	mutex_lock(&d->lock);
	if (d->gone) {
		ret = -ENODEV;
		goto out;
	}
	work(d);
out:
	mutex_unlock(&d->lock);
	return ret;
}"""),
    "mutex leaked on error path": (MUTEX, """
int f(struct d *d)
{
	mutex_lock(&d->lock);
	if (d->gone)
		return -ENODEV;/*X*/
	work(d);
	mutex_unlock(&d->lock);
	return 0;
}"""),
    "two locks, inner leaked": (MUTEX, """
void f(struct d *d)
{
	mutex_lock(&d->a);
	mutex_lock(&d->b);
	if (d->x) {
		mutex_unlock(&d->a);
		return;/*X*/
	}
	mutex_unlock(&d->b);
	mutex_unlock(&d->a);
}"""),
    "guard releases automatically": (MUTEX, """
int f(struct d *d)
{
	guard(mutex)(&d->lock);
	if (d->gone)
		return -ENODEV;
	return work(d);
}"""),
    "scoped_guard body": (MUTEX, """
int f(struct d *d)
{
	scoped_guard(mutex, &d->lock) {
		if (d->gone)
			return -ENODEV;
	}
	return 0;
}"""),
    "spinlock irqsave goto unlock": (SPIN, """
void f(struct d *d)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	if (!d->buf)
		goto unlock;
	fill(d);
unlock:
	spin_unlock_irqrestore(&d->lock, flags);
}"""),
    "firmware failure needs no release": (FW, """
int f(struct d *d)
{
	const struct firmware *fw;
	int ret;

	ret = request_firmware(&fw, "demo.bin", d->dev);
	if (ret)
		return ret;
	load(d, fw);
	release_firmware(fw);
	return 0;
}"""),
    "firmware leaked after use": (FW, """
int f(struct d *d)
{
	const struct firmware *fw;
	int ret;

	ret = request_firmware(&fw, "demo.bin", d->dev);
	if (ret < 0)
		return ret;
	if (fw->size < 16)
		return -EINVAL;/*X*/
	release_firmware(fw);
	return 0;
}"""),
    "clock enable checked in condition": (CLK, """
int f_probe(struct d *d)
{
	if (clk_prepare_enable(d->clk))
		return -EIO;
	if (probe_hw(d))
		return -ENODEV;/*X*/
	return 0;
}"""),
    "clock kept enabled on success, released on error": (CLK, """
int f_probe(struct d *d)
{
	if (clk_prepare_enable(d->clk))
		return -EIO;
	if (probe_hw(d)) {
		clk_disable_unprepare(d->clk);
		return -ENODEV;
	}
	return 0;
}"""),
    "of node NULL check": (OFN, """
int f(struct device_node *np)
{
	struct device_node *child = of_get_child_by_name(np, "port");

	if (!child)
		return -ENODEV;
	if (parse(child))
		return -EINVAL;/*X*/
	of_node_put(child);
	return 0;
}"""),
}


def _expected(source: str) -> tuple[str, list[int]]:
    lines = [n for n, text in enumerate(source.split("\n"), 1) if "/*X*/" in text]
    return source.replace("/*X*/", ""), lines


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name):
    analysis, marked = CASES[name]
    source, expected = _expected(marked)
    src = CSource(source)
    result = verdict(src, src.functions()[0].name, analysis, NORETURN, settings=SETTINGS)
    assert result.verdict == ("fail" if expected else "pass"), result
    assert [v.exit_line for v in result.violations] == expected
    for v in result.violations:
        assert v.path_lines[-1] == v.exit_line and len(v.path_lines) >= 1


def test_there_are_enough_cases():
    assert len(CASES) >= 30


def test_parse_error_is_unknown_with_line():
    source = "void f(struct d *d)\n{\n\tif (d->x) {{\n\tunmask(d);\n}\n"
    result = verdict(CSource(source), "f", UNMASK, NORETURN)
    assert result.verdict == "unknown" and "line" in result.reason


def test_witness_goes_through_the_failed_condition():
    source, _ = _expected(CASES["return value early"][1])
    (violation,) = verdict(CSource(source), "f", UNMASK, NORETURN).violations
    notes = [s.note for s in violation.steps]
    assert "ret = setup()" in notes and "ret is true" in notes
