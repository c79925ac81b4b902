"""The behavioural interpreter on small C functions written for these tests."""

from bot.c.parse import CSource
from bot.model.interp import Bounds, Interpreter
from bot.model.values import Obj, Unknown


def explore(source, name="f", stubs=None, args=None, bounds=None):
    src = CSource(source)
    interp = Interpreter(src, src.function(name), stubs or {}, bounds)
    return interp.explore(lambda: Obj("st", log=[]), lambda st: list(args or []))


def returns(source, **kw):
    return sorted(str(r.returned) for _, r in explore(source, **kw))


def test_arithmetic_and_unsigned_wrap():
    src = """
int f(void)
{
	u32 a = 0xffffffff;
	u8 b = 250;
	int c = 7 / 2;

	a = a + 2;
	b += 10;
	return a * 100 + b + c;
}"""
    assert returns(src) == [str(1 * 100 + 4 + 3)]


def test_signed_and_shift_constants():
    src = """
#define SHIFT 4
enum { A = 3, B, C = 10 };
int f(void)
{
	s8 x = 127;
	x++;
	return x + (1 << SHIFT) + B + C;
}"""
    assert returns(src) == [str(-128 + 16 + 4 + 10)]


def test_pointer_fields_shared_with_the_model():
    src = """
void f(struct dev *d)
{
	struct params *p = &d->params;

	p->target.mask |= 1ULL << 3;
	d->state = 2;
}"""
    dev = Obj("dev")
    dev.params = Obj("params")
    dev.params.target = Obj("target", mask=1)
    ((_, result),) = explore(src, args=[dev])
    assert dev.params.target.mask == 1 | 1 << 3 and dev.state == 2
    assert result.exit_line == 8


def test_fields_written_through_the_argument():
    src = """
void f(struct dev *d)
{
	d->count = d->count + 1;
}"""
    src_obj = CSource(src)
    interp = Interpreter(src_obj, src_obj.function("f"), {})
    states = interp.explore(lambda: Obj("st", dev=Obj("dev", count=41)),
                            lambda st: [st.dev])
    assert states[0][0].dev.count == 42


def test_unknown_branches_explore_both_sides_consistently():
    src = """
int f(void)
{
	int r = probe();

	if (r)
		log(1);
	if (r)
		return 1;
	return 2;
}"""
    results = explore(src)
    assert sorted(str(r.returned) for _, r in results) == ["1", "2"]  # not 4 paths


def test_short_circuit_does_not_call_the_right_side():
    calls = []

    def stub(call):
        calls.append(call.name)
        return 1

    src = """
int f(void)
{
	return 0 && expensive();
}"""
    assert returns(src, stubs={"expensive": stub}) == ["0"] and calls == []
    src2 = src.replace("0 && expensive()", "1 || expensive()")
    assert returns(src2, stubs={"expensive": stub}) == ["1"] and calls == []


def test_ternary_and_switch_fall_through():
    src = """
int f(int mode)
{
	int r = mode > 1 ? 10 : 20;

	switch (mode) {
	case 1:
		r += 1;
	case 2:
		r += 2;
		break;
	default:
		r = 0;
	}
	return r;
}"""
    assert returns(src, args=[1]) == ["23"]
    assert returns(src, args=[2]) == ["12"]
    assert returns(src, args=[5]) == ["0"]


def test_switch_case_ranges():
    src = """
int f(int ch)
{
	switch (ch) {
	case 1 ... 14:
		return 2;
	case 36 ... 177:
		return 5;
	default:
		return 0;
	}
}"""
    assert [returns(src, args=[ch]) for ch in (1, 14, 15, 36, 100, 178)] == \
        [["2"], ["2"], ["0"], ["5"], ["5"], ["0"]]


def test_scoped_cond_guard_body_runs_with_the_lock_taken():
    src = """
int f(int x)
{
	scoped_cond_guard(mutex_intr, return -4, &lock) {
		if (x)
			return 7;
	}
	return 1;
}"""
    assert returns(src, args=[1]) == ["7"] and returns(src, args=[0]) == ["1"]


def test_goto_forward_and_backward():
    src = """
int f(void)
{
	int tries = 0;
retry:
	tries++;
	if (tries < 3)
		goto retry;
	goto out;
	tries = 100;
out:
	return tries;
}"""
    assert returns(src) == ["3"]


def test_loops_to_the_bound_are_inconclusive():
    src = """
int f(void)
{
	int n = 0;

	while (more())
		n++;
	return n;
}"""
    results = explore(src, bounds=Bounds(loop_bound=3))
    done = sorted(str(r.returned) for _, r in results if not r.inconclusive)
    cut = [r for _, r in results if r.inconclusive]
    assert done == ["0", "1", "2", "3"] and cut and "unrolled 3 times" in cut[0].inconclusive


def test_concrete_loop_and_step_bound():
    src = """
int f(void)
{
	int i, s = 0;

	for (i = 0; i < 3; i++)
		s += i;
	return s;
}"""
    assert returns(src, bounds=Bounds(loop_bound=5)) == ["3"]
    results = explore(src.replace("i < 3", "i < 1000"), bounds=Bounds(loop_bound=2000,
                                                                     max_steps=50))
    assert "steps" in results[0][1].inconclusive


def test_path_bound():
    src = "int f(void)\n{\n" + "".join(f"\tif (c{i}())\n\t\tx();\n" for i in range(8)) + \
        "\treturn 0;\n}"
    results = explore(src, bounds=Bounds(max_paths=16))
    assert any("paths" in r.inconclusive for _, r in results)


def test_stubs_see_arguments_and_note_results():
    def hypercall(call):
        call.note("routed")
        return 5

    src = """
int f(struct dev *d)
{
	int res = hv_call(d, 7);

	return res == 5 ? -1 : 0;
}"""
    ((_, result),) = explore(src, stubs={"hv_call": hypercall}, args=[Obj("dev")])
    assert result.returned == -1
    assert any("hv_call() -> 5; routed" in step.note for step in result.trace)


def test_unknown_values_stay_unknown():
    src = """
int f(void)
{
	return unknown_call() + 1;
}"""
    ((_, result),) = explore(src)
    assert isinstance(result.returned, Unknown)
