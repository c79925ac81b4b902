"""The C front end on constructs of real driver code: each parses, and the CFG says
what the code does. Every function here is written for this test in kernel style;
``/*X*/`` marks the exit line(s) a must-call violation must name.
"""

from functools import partial
from pathlib import Path

import pytest

from bot.c.cfg import build_cfg
from bot.c.parse import ONE_CONFIGURATION, CSource
from bot.c.paths import must_call
from bot.c.verdict import verdict

NORETURN = frozenset({"BUG", "panic"})
UNMASK = partial(must_call, callee="unmask")

CASES = {
    "GNU case range": """
int f(struct d *d, int ch)
{
	switch (ch) {
	case 1 ... 14:
		return -EINVAL;/*X*/
	case 36 ... 48:
		d->band = 1;
		break;
	default:
		break;
	}
	unmask(d);
	return 0;
}""",
    "queue walk macro with a block": """
void f(struct d *d)
{
	struct sk_buff *skb, *tmp;

	skb_queue_walk_safe(&d->queue, skb, tmp) {
		if (skb->len > d->mtu)
			return;/*X*/
		deliver(d, skb);
	}
	unmask(d);
}""",
    "driver's own walker with a one-statement body": """
void f(struct d *d)
{
	struct vif *vif;

	drv_for_every_vif_in(d, vif)
		unmask(d);
}/*X*/""",
    "offsetof with a nested member": """
int f(struct d *d, size_t len)
{
	if (len < offsetof(struct frame, u.beacon.ies))
		return -EINVAL;/*X*/
	if (len < offsetof(typeof(*d->frame), hdr[1].len))
		return -EINVAL;/*X*/
	if (len < offsetof(struct frame, slot[d->flags & 1]))
		return -EINVAL;/*X*/
	unmask(d);
	return 0;
}""",
    "anonymous packed struct declared in a body": """
int f(struct d *d)
{
	struct {
		struct msg_header hdr;
		union {
			struct irq_req v1;
			struct irq_req2 v2;
		} req;
	} __packed ctxt;
	u8 pad[4] __aligned(8);

	memset(&ctxt, 0, sizeof(ctxt));
	if (send(d, &ctxt, sizeof(ctxt)))
		return -EIO;/*X*/
	unmask(d);
	return 0;
}""",
    "if split by #if": """
void f(struct d *d)
{
#if KERNEL_VERSION_NEW
	if (d->conf.assoc && d->conf.he)
#else
	if (d->assoc)
#endif
		return;/*X*/
	unmask(d);
}""",
    "container_of and typed macro arguments": """
void f(struct work_struct *work)
{
	struct d *d = container_of(work, struct d, work);
	unsigned long n = min_t(unsigned long, d->n, 16);
	DECLARE_BITMAP(map, 64) = {};

	if (!n)
		return;/*X*/
	unmask(d);
}""",
    "compound literal of typeof type": """
void f(struct d *d)
{
	*d->pattern = (typeof(*d->pattern)){
		.count = 2,
	};
	unmask(d);
}""",
    "macro with named variadic defined in a body": """
void f(struct d *d)
{
#define SET_PARAM(_name, _val...) set_param(d, _name, ##_val)
	SET_PARAM(1, 2, 3);
#undef SET_PARAM
	unmask(d);
}""",
    "scoped_cond_guard failure returns": """
int f(struct d *d)
{
	scoped_cond_guard(mutex_intr, return -EINTR, &d->lock) {/*X*/
		unmask(d);
	}
	return 0;
}""",
    "scoped_cond_guard with a one-statement body": """
int f(struct d *d)
{
	scoped_cond_guard(mutex_intr, return -EINTR, lock_of(d))/*X*/
		return unmask(d);
}""",
    "macro defined inside an initializer": """
int f(struct d *d, struct pulse *p)
{
	struct req req = {
#define REQ_FIELD(_f) ._f = cpu_to_le32(p->_f)
		REQ_FIELD(width),
		REQ_FIELD(power),
#undef REQ_FIELD
	};

	if (send(d, &req))
		return -EIO;/*X*/
	unmask(d);
	return 0;
}""",
    "scoped_cond_guard failure breaks out of the guard": """
int f(struct d *d)
{
	scoped_cond_guard(mutex_intr, break, &d->lock) {
		poke(d);
	}
	unmask(d);
	return 0;
}""",
    "break in scoped_guard leaves the guard, not the loop": """
int f(struct d *d)
{
	while (1) {
		scoped_guard(spinlock_irqsave, &d->lock) {
			if (d->stop)
				break;
			poke(d);
		}
		unmask(d);
		return 0;
	}
}""",
    "__free variable and guard": """
int f(struct d *d)
{
	struct buf *b __free(kfree) = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return -ENOMEM;/*X*/
	guard(mutex)(&d->lock);
	unmask(d);
	return 0;
}""",
    "loop macro whose body is an increment, written with a space": """
int f(struct d *d)
{
	struct peer *p;
	int n = 0;

	list_for_each_entry (p, &d->peers, node)
		++n;
	if (!n)
		return -ENOENT;/*X*/
	unmask(d);
	return n;
}""",
    "register variable bound to a register": """
int f(struct d *d, u64 v)
{
	register u64 r asm("rdx") = v;

	asm volatile("mulxq 0(%1), %%r8, %%rcx;" : "+r"(r) : "r"(d) : "r8", "rcx");
	if (!r)
		return -EIO;/*X*/
	unmask(d);
	return 0;
}""",
    "macro argument that starts with a comparison": """
#define PICK(member, test, fallback) \\
	((conf && conf->member test) ? (fallback) : (conf ? conf->member : (fallback)))

int f(struct d *d, struct cfg *conf)
{
	u32 w = PICK(width, < MIN_WIDTH, MIN_WIDTH);
	u32 h = PICK(height, >= MAX_HEIGHT, MAX_HEIGHT);

	if (w > h)
		return -EINVAL;/*X*/
	unmask(d);
	return 0;
}""",
}


def _expected(source: str) -> tuple[str, list[int]]:
    lines = [n for n, text in enumerate(source.split("\n"), 1) if "/*X*/" in text]
    return source.replace("/*X*/", ""), lines


@pytest.mark.parametrize("name", sorted(CASES))
def test_construct_parses_and_flows(name):
    source, expected = _expected(CASES[name])
    src = CSource(source)
    fn = src.function("f")
    assert fn is not None and fn.problem == "", fn and fn.problem
    result = verdict(src, "f", UNMASK, NORETURN)
    assert result.verdict == ("fail" if expected else "pass"), result
    assert [v.exit_line for v in result.violations] == expected


def test_if_split_by_preprocessor_says_which_arm():
    source, _ = _expected(CASES["if split by #if"])
    assert CSource(source).function("f").assumed == ONE_CONFIGURATION
    source, _ = _expected(CASES["GNU case range"])
    assert CSource(source).function("f").assumed == ""


def test_loop_macros_found_by_shape_and_named_as_written():
    source, _ = _expected(CASES["queue walk macro with a block"] + CASES[
        "driver's own walker with a one-statement body"].replace("void f(", "void g("))
    src = CSource(source)
    assert sorted(src.macro_loops.values()) == ["drv_for_every_vif_in", "skb_queue_walk_safe"]


def test_annotated_header_and_continued_call_are_not_loops():
    continued = "\tpoke(d,\n\t     compute(d->a,\n\t\t     d->b));\n"  # tabs, then spaces
    src = CSource("static void f(struct d *d)\n\t__must_hold(&d->lock)\n{\n" + continued
                  + "\tunmask(d);\n}\n")
    assert src.function("f").problem == "" and src.macro_loops == {}


def _cleanup_sequences(cfg, exit_line: int) -> set[tuple]:
    """The guard/unguard/free steps of every acyclic path from the entry to the exit(s)
    at ``exit_line``: a test oracle by enumeration, for small functions only."""
    found = set()
    stack = [(cfg.entry, (), frozenset({cfg.entry}))]
    while stack:
        node_id, seq, seen = stack.pop()
        node = cfg.nodes[node_id]
        if node.kind in ("guard", "unguard", "free"):
            seq = (*seq, (node.kind, node.cleanup, node.args))
        if node.is_exit:
            if node.line == exit_line:
                found.add(seq)
            continue
        for target, _ in node.succ:
            if target not in seen:
                stack.append((target, seq, seen | {target}))
    return found


def _cfg(source: str):
    fn = CSource(source).function("f")
    assert fn.problem == ""
    return build_cfg(fn, NORETURN)


def test_guard_is_released_on_every_exit_of_its_block():
    cfg = _cfg("""
int f(struct d *d)
{
	if (d->fast)
		return 1;
	guard(mutex)(&d->lock);
	if (d->gone)
		return -ENODEV;
	return 0;
}""")
    held = (("guard", "mutex", ("&d->lock",)), ("unguard", "mutex", ("&d->lock",)))
    assert _cleanup_sequences(cfg, 5) == {()}
    assert _cleanup_sequences(cfg, 8) == {held}
    assert _cleanup_sequences(cfg, 9) == {held}


def test_scoped_guard_released_when_its_block_ends_or_a_goto_leaves_it():
    cfg = _cfg("""
int f(struct d *d)
{
	scoped_guard(spinlock_irqsave, &d->lock) {
		if (d->bad)
			goto out;
		d->count++;
	}
	poke(d);
out:
	return 0;
}""")
    (path,) = _cleanup_sequences(cfg, 11)
    assert set(path) == {("guard", "spinlock_irqsave", ("&d->lock",)),
                         ("unguard", "spinlock_irqsave", ("&d->lock",))}
    assert {len(p) for p in _cleanup_sequences(cfg, 11)} == {2}
    unguards = [n for n in cfg.nodes if n.kind == "unguard"]
    assert sorted(n.line for n in unguards) == [6, 8]  # the goto, the closing brace


def test_scoped_cond_guard_has_a_not_taken_edge_to_its_failure_statement():
    cfg = _cfg("""
int f(struct d *d)
{
	scoped_cond_guard(mutex_intr, return -EINTR, &d->lock) {
		if (d->gone)
			return -ENODEV;
	}
	return 0;
}""")
    (guard,) = [n for n in cfg.nodes if n.kind == "guard"]
    assert (guard.cleanup, guard.args) == ("mutex_intr", ("&d->lock",))
    assert sorted(label for _, label in guard.succ) == [False, True]
    (failed,) = [t for t, label in guard.succ if label is False]
    returns = [n for n in cfg.nodes if n.kind == "return" and n.line == 4]
    assert len(returns) == 1 and returns[0].expr.text == b"-EINTR"
    assert _cleanup_sequences(cfg, 4) == {(("guard", "mutex_intr", ("&d->lock",)),)}
    assert _cleanup_sequences(cfg, 6) == {(("guard", "mutex_intr", ("&d->lock",)),
                                           ("unguard", "mutex_intr", ("&d->lock",)))}


def test_free_variable_released_where_its_scope_ends_after_handoff_calls():
    cfg = _cfg("""
struct buf *f(struct d *d)
{
	if (!d->ok)
		return NULL;
	{
		struct buf *b __free(kfree) = kzalloc(sizeof(*b), GFP_KERNEL);

		if (!b)
			return NULL;
		fill(b);
		return_ptr(b);
	}
}""")
    freed = (("free", "kfree", ("b",)),)
    assert _cleanup_sequences(cfg, 5) == {()}
    assert _cleanup_sequences(cfg, 10) == {freed}
    assert _cleanup_sequences(cfg, 12) == set()  # return_ptr() is a call, not a return
    (node,) = [n for n in cfg.nodes if n.kind == "free" and n.line == 10]
    assert node.var == "b" and node.arguments() == ["b"]
    handoff = next(n for n in cfg.nodes if n.kind == "call" and n.call == "return_ptr")
    assert handoff.arguments() == ["b"]


def _nested_ifs(depth: int) -> str:
    return ("void f(struct d *d)\n{\n" + "".join(f"\tif (d->a{i})\n" for i in range(depth))
            + "\t\tunmask(d);\n}\n")


def _else_ifs(count: int) -> str:
    arms = "".join(f"\telse if (d->x == {i})\n\t\tstep{i}(d);\n" for i in range(1, count))
    return ("void f(struct d *d)\n{\n\tif (!d->x)\n\t\tstep0(d);\n" + arms
            + "\tunmask(d);\n}\n")


def _and_terms(count: int) -> str:
    cond = " &&\n\t    ".join(f"d->a{i}" for i in range(count))
    return "void f(struct d *d)\n{\n\tif (" + cond + ")\n\t\treturn;\n\tunmask(d);\n}\n"


def _nested_blocks(depth: int) -> str:
    return ("void f(struct d *d)\n{\n" + "{\n" * depth + "\tunmask(d);\n" + "}\n" * depth
            + "}\n")


def _nested_parentheses(depth: int) -> str:
    return ("void f(struct d *d)\n{\n\tint x = " + "(" * depth + "unmask(d)" + ")" * depth
            + ";\n}\n")


@pytest.mark.parametrize("source, verdict_expected", [
    (_nested_ifs(3000), "fail"),
    (_else_ifs(2000), "pass"),
    (_and_terms(5000), "fail"),
    (_nested_blocks(5000), "pass"),
    (_nested_parentheses(5000), "pass"),
], ids=["3000 nested ifs", "2000 else-ifs", "5000 && terms", "5000 nested blocks",
        "5000 nested parentheses"])
def test_deep_input_is_analysed_without_recursion(source, verdict_expected):
    result = verdict(CSource(source), "f", UNMASK, NORETURN)
    assert result.verdict == verdict_expected, result.reason


def test_graph_stays_linear_in_else_if_chains_and_labels():
    cfg = _cfg(_else_ifs(2000))
    assert len(cfg.nodes) < 4 * 2000
    assert max(len(n.succ) for n in cfg.nodes) <= 2
    labels = "".join(f"l{i}:\n\tif (step{i}(d))\n\t\tgoto l{max(i - 1, 0)};\n"
                     for i in range(5000))
    cfg = _cfg("int f(struct d *d)\n{\n" + labels + "\treturn 0;\n}\n")
    assert len(cfg.nodes) < 4 * 5000


def test_extra_closing_brace_gives_no_verdict_on_the_misparsed_function():
    source = """
int f(struct d *d)
{
	if (d->fast) {
		poke(d);
	}}
	unmask(d);
	return 0;
}

int g(struct d *d)
{
	unmask(d);
	return 0;
}
"""
    src = CSource(source)
    result = verdict(src, "f", UNMASK, NORETURN)
    assert result.verdict == "unknown" and "line 7" in result.reason, result
    assert "unbalanced brace" in src.function("f").problem
    assert verdict(src, "g", UNMASK, NORETURN).verdict == "pass"


def test_prototype_after_a_definition_is_no_stray_body_line():
    """``asmlinkage`` is blanked: the prototype then starts in column 11, as written it
    starts in column 0."""
    src = CSource("void __init f(void)\n{\n\tunmask(0);\n}\n"
                  "asmlinkage void g(struct d *d, const u8 * p, size_t n);\n")
    assert [fn.problem for fn in src.functions()] == [""]


def test_missing_closing_brace_gives_no_verdict():
    source = """
int f(struct d *d)
{
	if (d->fast) {
		poke(d);
	unmask(d);
	return 0;
}

int g(struct d *d)
{
	return 0;
}
"""
    result = verdict(CSource(source), "f", UNMASK, NORETURN)
    assert result.verdict == "unknown", result


def test_function_closed_by_brace_and_semicolon_is_sound():
    src = CSource("int f(struct d *d)\n{\n\tunmask(d);\n};\n\nint g(void)\n{\n\treturn 0;\n}\n")
    assert [fn.problem for fn in src.functions()] == ["", ""]


def test_labels_with_backward_gotos_and_an_exit_each():
    """One violation per label, each with a witness that ends at its own exit: one
    search serves them all, and a witness keeps at most its last steps."""
    count = 3000
    body = "".join(f"l{i}:\n\tif (step{i}(d))\n\t\tgoto l{max(i - 1, 0)};\n"
                   f"\tif (bad{i}(d))\n\t\treturn -{i + 1};\n" for i in range(count))
    source = "int f(struct d *d)\n{\n" + body + "\tunmask(d);\n\treturn 0;\n}\n"
    result = verdict(CSource(source), "f", UNMASK, NORETURN)
    returns = [n for n, line in enumerate(source.split("\n"), 1) if "return -" in line]
    assert [v.exit_line for v in result.violations] == returns
    last = result.violations[-1]
    assert last.steps[0].note == "(earlier steps left out)" and len(last.steps) <= 200
    assert last.steps[-2].note == f"bad{count - 1}(d) is true"
    first = result.violations[0]
    assert first.steps[0].note != "(earlier steps left out)"
    assert [s.note for s in first.steps[:2]] == ["step0()", "step0(d) is false"]


LAZY_FILE = """
static int helper(struct d *d);

/* The function the user asks about. */
static int
f(struct d *d)
	__must_hold(&d->other)
{
	if (helper(d))
		return -EIO;
	unmask(d);
	return 0;
}

static int helper(struct d *d)
{
	return d->x ? poke(d) : 0;
}

static int one_line(struct d *d) { return unmask(d); }

static void split(struct d *d)
{
#if NEW_API
	if (d->a && d->b)
#else
	if (d->a)
#endif
		return;
	unmask(d);
}

static void extra_brace(struct d *d)
{
	if (d->fast)
		poke(d);
}
	unmask(d);
}
"""


@pytest.mark.parametrize("name", ["f", "helper", "one_line", "split", "extra_brace"])
def test_a_function_asked_for_by_name_is_the_same_alone_as_in_the_whole_file(name):
    lazy, whole = CSource(LAZY_FILE, lazy=True), CSource(LAZY_FILE)
    alone, full = lazy.function(name), whole.function(name)
    assert (alone.start_line, alone.end_line, alone.problem, alone.assumed) == \
        (full.start_line, full.end_line, full.problem, full.assumed)
    assert verdict(lazy, name, UNMASK, NORETURN) == verdict(whole, name, UNMASK, NORETURN)
    assert alone in lazy.functions()


def test_lazy_lookup_of_names_the_file_only_calls_or_declares():
    lazy = CSource(LAZY_FILE, lazy=True)
    assert lazy.function("unmask") is None and lazy.function("poke") is None
    assert lazy.function("helper").start_line == 15  # the definition, not the prototype
    assert lazy.function("f").start_line == 5  # from "static int" above the name


def test_acquire_guard_holds_its_variable_until_the_block_ends():
    cfg = _cfg("""
int f(struct d *d)
{
	int ret;

	ACQUIRE(mutex_intr, lock)(&d->lock);
	ret = ACQUIRE_ERR(mutex_intr, &lock);
	if (ret)
		return ret;
	return 0;
}""")
    (guard,) = [n for n in cfg.nodes if n.kind == "guard"]
    assert (guard.cleanup, guard.var, guard.args) == ("mutex_intr", "lock", ("&d->lock",))
    test = next(n for n in cfg.nodes if n.kind == "call" and n.call == "ACQUIRE_ERR")
    assert test.assigned == "ret"
    held = (("guard", "mutex_intr", ("&d->lock",)), ("unguard", "mutex_intr", ("&d->lock",)))
    assert _cleanup_sequences(cfg, 9) == {held} and _cleanup_sequences(cfg, 10) == {held}


def _shape(node, out: list) -> list:
    out.append((node.type, node.start_byte, node.end_byte, node.has_error))
    for child in node.children:
        _shape(child, out)
    return out


@pytest.mark.parametrize("old, new", [
    ("\treturn 0;\n}", "\tif (ret)\n\t\tgoto out;\n\treturn 0;\n}"),  # a hunk added
    ("\treturn 0;\n}", "\treturn 0;\n"),  # a brace lost: a syntax error
    ("static ", "static void demo_extra(void)\n{\n}\n\nstatic "),  # a function added
])
def test_a_post_image_parsed_from_its_pre_image_gets_the_tree_of_a_fresh_parse(old, new):
    from bot.c.parse import cached_parse

    pre_text = (Path(__file__).resolve().parent.parent / "fixtures" / "pci-hyperv" / "base" /
                "drivers" / "pci" / "controller" / "pci-hyperv.c").read_text()
    at = pre_text.index(old, len(pre_text) // 2)
    post_text = pre_text[:at] + new + pre_text[at + len(old):]
    cache: dict = {}
    pre = cached_parse(cache, pre_text)
    post = cached_parse(cache, post_text, like=pre)
    fresh = CSource(post_text)
    assert _shape(post.tree.root_node, []) == _shape(fresh.tree.root_node, [])
    assert [(f.name, f.start_line, f.end_line) for f in post.functions()] == \
        [(f.name, f.start_line, f.end_line) for f in fresh.functions()]
    assert _shape(pre.tree.root_node, []) == _shape(CSource(pre_text).tree.root_node, [])
