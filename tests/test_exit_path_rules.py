"""hv-unmask-every-exit on the pci-hyperv series: what the human reviewer caught."""

import json
import subprocess
from pathlib import Path

from history_repo import history_repo
from kernel_repo import FIXTURES, build_kernel_repo

from bot.cli import main

BASE = str(FIXTURES / "base")
HV = "drivers/pci/controller/pci-hyperv.c"
LOREBOT = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "lorebot")


def line_of(path: Path, text: str, after: str = "") -> int:
    lines = path.read_text().split("\n")
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i in range(start, len(lines)) if text in lines[i]) + 1


def exit_findings(capsys, version, *base):
    main(["review", "--mbox", str(FIXTURES / f"v{version}.mbox"), *base, "--format", "json",
          "--fail-on", "never"])
    doc = json.loads(capsys.readouterr().out)
    return [f for f in doc["findings"] if f["rule"] == "hv-unmask-every-exit"]


def test_v1_and_v2_keep_the_failed_hypercall_return(capsys):
    for version in (1, 2):
        post = FIXTURES / "src" / f"v{version}.c"
        (finding,) = exit_findings(capsys, version, "--tree", BASE)
        assert finding["status"] == "preexisting" and finding["severity"] == "error"
        assert finding["file"] == HV and finding["function"] == "hv_irq_unmask"
        assert finding["line"] == line_of(post, "return;", after="if (res) {")
        notes = [step["note"] for step in finding["path"]]
        assert "res = hv_do_hypercall()" in notes and "res is true" in notes
        assert finding["path"][-1]["line"] == finding["line"]


def test_v3_fixes_it(capsys, tmp_path):
    build_kernel_repo(tmp_path)
    for base in (["--tree", BASE], ["--repo", str(tmp_path)]):
        (finding,) = exit_findings(capsys, 3, *base)
        assert finding["status"] == "fixed" and finding["image"] == "pre"
        base_file = FIXTURES / "base" / HV
        assert finding["line"] == line_of(base_file, "return;", after="if (res) {")


def test_v3_exits_zero_and_says_fixed():
    proc = subprocess.run([LOREBOT, "review", "--mbox", str(FIXTURES / "v3.mbox"), "--tree",
                           BASE], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fixed: hv-unmask-every-exit" in proc.stdout


def test_without_tree_the_code_rule_is_skipped(capsys):
    assert exit_findings(capsys, 2) == []
    main(["review", "--mbox", str(FIXTURES / "v2.mbox")])
    assert "code rules not run" in capsys.readouterr().out


def test_paths_command(capsys):
    base_file = str(FIXTURES / "base" / HV)
    args = ["paths", base_file, "--function", "hv_irq_unmask", "--must-call",
            "pci_msi_unmask_irq", "--json"]
    assert main(args) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "fail"
    assert doc["violations"][0]["exit_line"] == line_of(Path(base_file), "return;",
                                                        after="if (res) {")
    v3 = str(FIXTURES / "src" / "v3.c")
    assert main(["paths", v3, "--function", "hv_irq_unmask", "--must-call",
                 "pci_msi_unmask_irq"]) == 0
    assert main(["paths", v3, "--function", "hv_irq_unmask", "--acquire",
                 "spin_lock_irqsave", "--release", "spin_unlock_irqrestore"]) == 0
    assert main(["paths", v3, "--function", "missing", "--must-call", "x"]) == 2
    assert main(["paths", v3, "--function", "hv_irq_unmask"]) == 2


UNPARSED = """\
static int demo_setup(struct demo *d)
{
	int ret;

	mutex_lock(&d->lock);
	ret = demo_hw(d, @@@ 3);
	mutex_unlock(&d->lock);
	return ret;
}
"""


def review_range(capsys, repo: Path, commit: str) -> list[dict]:
    main(["review", "--range", f"{commit}^..{commit}", "--repo", str(repo), "--format", "json",
          "--fail-on", "never"])
    return json.loads(capsys.readouterr().out)["findings"]


def test_a_function_that_cannot_be_analysed_gives_one_info_line(capsys, tmp_path):
    _, change = history_repo(tmp_path, [
        ("demo: add setup", {"drivers/demo/demo.c": UNPARSED}),
        ("demo: retry setup", {"drivers/demo/demo.c": UNPARSED.replace("return ret;",
                                                                        "return ret ?: 1;")}),
    ])
    code = [f for f in review_range(capsys, tmp_path, change) if f["file"]]
    (info,) = code
    assert info["severity"] == "info" and info["function"] == "demo_setup"
    assert "could not be parsed at line 6" in info["message"]


DRIVER = "drivers/demo/demo.c"
PROBE = """\
static int demo_probe(struct platform_device *pdev, struct demo *d)
{
	int ret;

	ret = clk_prepare_enable(d->clk);
	if (ret)
		return ret;
	ret = demo_reset(d);
	if (ret)
		return ret;
	ret = demo_register(d);
	if (ret) {
		clk_disable_unprepare(d->clk);
		return ret;
	}
	return 0;
}
"""


def exit_findings_of(findings: list[dict], rule: str = "pair-clk") -> list[tuple]:
    return sorted((f["status"], f["line"], f["image"]) for f in findings if f["rule"] == rule)


def test_second_leaking_return_is_introduced_and_the_first_is_still_there(capsys, tmp_path):
    """The function already leaked at the demo_reset() return; the patch adds another."""
    second = PROBE.replace("\tret = demo_register(d);\n",
                           "\tif (d->broken)\n\t\treturn -EIO;\n\tret = demo_register(d);\n")
    _, change = history_repo(tmp_path, [("demo: add probe", {DRIVER: PROBE}),
                                        ("demo: refuse broken boards", {DRIVER: second})])
    findings = review_range(capsys, tmp_path, change)
    # report = "introduced": the old leak (line 10) is not repeated, the new one is
    assert exit_findings_of(findings) == [("introduced", 12, "post")]
    (finding,) = [f for f in findings if f["rule"] == "pair-clk"]
    assert "error return at line 12" in finding["message"]
    assert finding["path"][-1]["line"] == 12


def test_fix_of_one_of_two_leaking_exits_is_reported_fixed(capsys, tmp_path):
    two = PROBE.replace("\tret = demo_register(d);\n",
                        "\tif (d->broken)\n\t\treturn -EIO;\n\tret = demo_register(d);\n")
    one = two.replace("\tif (d->broken)\n\t\treturn -EIO;\n",
                      "\tif (d->broken) {\n\t\tclk_disable_unprepare(d->clk);\n"
                      "\t\treturn -EIO;\n\t}\n")
    _, fix = history_repo(tmp_path, [("demo: add probe", {DRIVER: two}),
                                     ("demo: disable the clock on broken boards",
                                      {DRIVER: one})])
    findings = review_range(capsys, tmp_path, fix)
    assert exit_findings_of(findings) == [("fixed", 12, "pre")]
    (finding,) = [f for f in findings if f["rule"] == "pair-clk"]
    assert finding["message"].startswith("Fixed by this patch: ")
    assert "error return at line 12" in finding["message"]


def test_probe_that_keeps_its_clock_on_success_is_quiet(capsys, tmp_path):
    """Only the error return owed the release; return 0 keeps the clock on purpose."""
    fixed = PROBE.replace("\tif (ret)\n\t\treturn ret;\n\tret = demo_register",
                          "\tif (ret)\n\t\tgoto err_clk;\n\tret = demo_register").replace(
        "\treturn 0;\n}", "\treturn 0;\nerr_clk:\n\tclk_disable_unprepare(d->clk);\n"
                          "\treturn ret;\n}")
    _, fix = history_repo(tmp_path, [("demo: add probe", {DRIVER: PROBE}),
                                     ("demo: disable the clock when reset fails",
                                      {DRIVER: fixed})])
    findings = review_range(capsys, tmp_path, fix)
    assert exit_findings_of(findings) == [("fixed", 10, "pre")]


HELPER = """\
static unsigned short demo_base;

static int demo_setup(struct pci_dev *dev)
{
	if (!request_region(demo_base, 8, "demo"))
		return -EBUSY;
	if (demo_id(demo_base) != 0x42) {
		release_region(demo_base, 8);
		return -ENODEV;
	}
	return 0;
}

static int demo_probe(struct pci_dev *dev, const struct pci_device_id *id)
{
	if (demo_setup(dev))
		return -ENODEV;
	return 0;
}
"""


def test_acquire_inside_a_helper_is_followed_through_the_call(capsys, tmp_path):
    leaky = HELPER.replace("\t\treturn -ENODEV;\n\treturn 0;\n",
                           "\t\treturn -ENODEV;\n\treturn i2c_add_adapter(&demo_adapter);\n")
    _, change = history_repo(tmp_path, [("demo: add driver", {DRIVER: HELPER}),
                                        ("demo: register the adapter", {DRIVER: leaky})])
    (finding,) = [f for f in review_range(capsys, tmp_path, change)
                  if f["rule"] == "pair-request-region"]
    assert finding["status"] == "introduced" and finding["function"] == "demo_probe"
    assert finding["line"] == 18
    notes = [(step["line"], step["note"]) for step in finding["path"]]
    assert (5, "inside demo_setup(): request_region() takes it") in notes
    assert notes[-1][0] == 18


def test_acquire_inside_a_helper_of_another_file_of_the_folder(capsys, tmp_path):
    """The driver file never names request_region(): its helper in the folder does."""
    helper, probe = HELPER.split("static int demo_probe")
    helper = helper.replace("static int demo_setup", "int demo_setup").replace(
        "static unsigned short", "unsigned short")
    probe = "extern unsigned short demo_base;\n\nstatic int demo_probe" + probe
    leaky = probe.replace("\t\treturn -ENODEV;\n\treturn 0;\n",
                          "\t\treturn -ENODEV;\n\treturn i2c_add_adapter(&demo_adapter);\n")
    setup = DRIVER.rsplit("/", 1)[0] + "/demo_setup.c"
    _, change = history_repo(tmp_path, [("demo: add driver", {DRIVER: probe, setup: helper}),
                                        ("demo: register the adapter", {DRIVER: leaky})])
    (finding,) = [f for f in review_range(capsys, tmp_path, change)
                  if f["rule"] == "pair-request-region"]
    assert finding["status"] == "introduced" and finding["function"] == "demo_probe"
    assert "inside demo_setup(): request_region() takes it" in [
        step["note"] for step in finding["path"]]


def test_a_function_added_next_to_others_is_introduced(capsys, tmp_path):
    """The file existed before the patch, the function did not: its leaks are new."""
    _, change = history_repo(tmp_path, [
        ("demo: add the setup helper", {DRIVER: HELPER.split("static int demo_probe")[0]}),
        ("demo: add the probe", {DRIVER: HELPER.replace(
            "\t\treturn -ENODEV;\n\treturn 0;\n",
            "\t\treturn -ENODEV;\n\treturn i2c_add_adapter(&demo_adapter);\n")})])
    statuses = [(f["function"], f["status"]) for f in review_range(capsys, tmp_path, change)
                if f["rule"] == "pair-request-region"]
    assert statuses == [("demo_probe", "introduced")]


def test_a_reference_released_through_the_argument_it_was_taken_from(capsys, tmp_path):
    """p = usb_get_dev(udev) is the same device as udev: usb_put_dev(udev) releases it."""
    probe = """\
static int demo_probe(struct usb_interface *intf, struct demo *d)
{
	struct usb_device *udev = interface_to_usbdev(intf);
	int ret;

	d->udev = usb_get_dev(udev);
	ret = demo_start(d);
	if (ret)
		goto err;
	return 0;
err:
	usb_put_dev(udev);
	return ret;
}
"""
    leaky = probe.replace("\tusb_put_dev(udev);\n", "")
    _, fix = history_repo(tmp_path, [("demo: add probe", {DRIVER: leaky}),
                                     ("demo: drop the device on errors", {DRIVER: probe})])
    assert exit_findings_of(review_range(capsys, tmp_path, fix), "pair-usb-dev") == \
        [("fixed", 12, "pre")]


WAITS = """\
static int demo_flush(struct demo *d)
{
	demo_kick(d);
	wait_for_completion(&d->tx_done);
	if (d->dual)
		wait_for_completion(&d->rx_done);
	return 0;
}
"""


def test_must_call_counts_calls_and_can_ask_for_one_argument(capsys, tmp_path):
    path = tmp_path / "demo.c"
    path.write_text(WAITS)
    args = ["paths", str(path), "--function", "demo_flush", "--must-call",
            "wait_for_completion", "--json"]
    assert main(args) == 0  # one call on every path
    capsys.readouterr()
    assert main(args + ["--count", "2"]) == 1  # the second wait is only on the dual path
    (violation,) = json.loads(capsys.readouterr().out)["violations"]
    assert violation["exit_line"] == 7 and "2 times" in violation["message"]
    assert main(args + ["--argument", "&d->rx_done"]) == 1
    (violation,) = json.loads(capsys.readouterr().out)["violations"]
    assert "wait_for_completion(&d->rx_done)" in violation["message"]
    path.write_text(WAITS.replace("\tif (d->dual)\n\t", "\t"))
    assert main(args + ["--count", "2"]) == 0


def test_paths_reads_a_driver_pair_failures_from_its_definition(capsys, tmp_path):
    """--acquire of the driver's own int function: 0 is success, an error takes nothing."""
    path = tmp_path / "demo.c"
    path.write_text("""\
static int demo_alloc_rx_bufs(struct demo *d)
{
	d->bufs = kcalloc(8, sizeof(*d->bufs), GFP_KERNEL);
	return d->bufs ? 0 : -ENOMEM;
}

static int demo_probe(struct demo *d)
{
	int ret;

	ret = demo_alloc_rx_bufs(d);
	if (ret)
		return ret;
	ret = demo_register(d);
	if (ret)
		return ret;
	return 0;
}
""")
    assert main(["paths", str(path), "--function", "demo_probe", "--acquire",
                 "demo_alloc_rx_bufs", "--release", "demo_free_rx_bufs", "--json"]) == 1
    (violation,) = json.loads(capsys.readouterr().out)["violations"]
    assert violation["exit_line"] == 16 and violation["acquire_line"] == 11


OF_LOOKUP = """\
static void demo_apply_limits(struct demo *d)
{
	struct device_node *np;

	np = of_get_child_by_name(d->np, "limits");
	if (!np)
		return;
	demo_read_limits(d, np);
}
"""


def test_a_function_moved_to_a_new_file_keeps_its_old_leak_as_preexisting(capsys, tmp_path):
    """Splitting a file moves a leaking function: the leak is not the patch's."""
    other = "static int demo_other(struct demo *d)\n{\n\treturn demo_hw(d);\n}\n"
    _, split = history_repo(tmp_path, [
        ("demo: add limits", {DRIVER: other + "\n" + OF_LOOKUP}),
        ("demo: move limits to limits.c", {DRIVER: other,
                                          "drivers/demo/limits.c": OF_LOOKUP})])
    # report = "introduced": a leak the moved function had already is not repeated
    assert [f for f in review_range(capsys, tmp_path, split) if f["rule"] == "pair-of-node"] \
        == []


def test_a_new_leak_in_a_moved_function_is_introduced(capsys, tmp_path):
    leaky = OF_LOOKUP.replace("\tdemo_read_limits(d, np);\n",
                              "\tif (d->off)\n\t\treturn;\n\tdemo_read_limits(d, np);\n")
    _, split = history_repo(tmp_path, [
        ("demo: add limits", {DRIVER: OF_LOOKUP}),
        ("demo: move limits to limits.c, skip them when off",
         {DRIVER: "", "drivers/demo/limits.c": leaky})])
    statuses = sorted((f["status"], f["line"]) for f in review_range(capsys, tmp_path, split)
                      if f["rule"] == "pair-of-node")
    assert statuses == [("introduced", 9)]


def test_the_end_of_a_void_function_made_int_is_the_same_exit(capsys, tmp_path):
    """``}`` becoming ``return 0; }``: a leak at the end stays the one it was."""
    as_int = OF_LOOKUP.replace("static void", "static int").replace(
        "\t\treturn;\n", "\t\treturn 0;\n").replace("np);\n}", "np);\n\n\treturn 0;\n}")
    _, added, change = history_repo(tmp_path, [
        ("demo: start", {DRIVER: "static int demo_hw(struct demo *d);\n"}),
        ("demo: add limits", {DRIVER: OF_LOOKUP}), ("demo: return a status", {DRIVER: as_int})])
    assert [(f["status"], f["line"]) for f in review_range(capsys, tmp_path, added)
            if f["rule"] == "pair-of-node"] == [("introduced", 9)]
    assert [f for f in review_range(capsys, tmp_path, change) if f["rule"] == "pair-of-node"] \
        == []


def test_dropping_a_dead_return_after_the_final_one_keeps_the_exit(capsys, tmp_path):
    """``return n; return 0; }`` -> ``return n; }``: the leak at the end is the one it
    was, neither introduced nor fixed."""
    counted = OF_LOOKUP.replace("static void", "static int").replace(
        "\t\treturn;\n", "\t\treturn 0;\n").replace(
        "\tdemo_read_limits(d, np);\n}", "\treturn demo_read_limits(d, np);\n")
    dead = counted + "\treturn 0;\n}\n"
    _, added, change = history_repo(tmp_path, [
        ("demo: start", {DRIVER: "static int demo_hw(struct demo *d);\n"}),
        ("demo: add limits", {DRIVER: dead}),
        ("demo: drop a dead return", {DRIVER: counted + "}\n"})])
    assert [(f["status"], f["line"]) for f in review_range(capsys, tmp_path, added)
            if f["rule"] == "pair-of-node"] == [("introduced", 8)]
    assert [f for f in review_range(capsys, tmp_path, change) if f["rule"] == "pair-of-node"] \
        == []


TEARDOWN = """\
static void demo_free(struct demo *d)
{
	kfree(d->table);
}

static const struct demo_ops demo_ops = {
	.release = demo_free,
};
"""

LOAD_TABLE = """\
static int demo_load_table(struct demo *d, int n)
{
	d->table = kzalloc(n, GFP_KERNEL);
	if (!d->table)
		return -ENOMEM;
	if (demo_hw(d) < 0)
		return -EIO;
	return 0;
}
"""


def test_a_teardown_in_another_file_of_the_same_patch_is_seen(capsys, tmp_path):
    """The folder a patch's files are analysed with holds every other file of it, whatever
    their order: the teardown in core.c (touched first) frees what demo.c stores."""
    _, change = history_repo(tmp_path, [
        ("demo: start", {"drivers/demo/core.c": TEARDOWN,
                         DRIVER: LOAD_TABLE.replace("\tif (demo_hw(d) < 0)\n\t\treturn -EIO;\n",
                                                    "")}),
        ("demo: check the hardware after loading",
         {"drivers/demo/core.c": "/* demo core */\n" + TEARDOWN, DRIVER: LOAD_TABLE})])
    assert [f for f in review_range(capsys, tmp_path, change) if f["rule"] == "pair-kmalloc"] \
        == []


ID_PROBE = """\
static int demo_probe(struct demo *d)
{
	int ret;

	d->id = ida_alloc(&demo_ids, GFP_KERNEL);
	ret = demo_hw(d);
	if (ret)
		return ret;
	return 0;
}
"""


def test_an_acquire_rewritten_into_a_local_keeps_its_old_leak_as_preexisting(capsys, tmp_path):
    """``d->id = ida_alloc()`` -> ``id = ida_alloc(); if (id < 0) ...; d->id = id;``: the
    id leaking at the kept exit is the one that was there, neither introduced nor fixed."""
    checked = ID_PROBE.replace("\tint ret;\n", "\tint ret, id;\n").replace(
        "\td->id = ida_alloc(&demo_ids, GFP_KERNEL);\n",
        "\tid = ida_alloc(&demo_ids, GFP_KERNEL);\n\tif (id < 0)\n\t\treturn id;\n"
        "\td->id = id;\n")
    _, added, change = history_repo(tmp_path, [
        ("demo: start", {DRIVER: "static int demo_hw(struct demo *d);\n"}),
        ("demo: add probe", {DRIVER: ID_PROBE}),
        ("demo: check the id", {DRIVER: checked})])
    assert [(f["status"], f["line"]) for f in review_range(capsys, tmp_path, added)
            if f["rule"] == "pair-ida"] == [("introduced", 8)]
    assert [f for f in review_range(capsys, tmp_path, change) if f["rule"] == "pair-ida"] == []


LOCKED_DELETE = """\
static int demo_del(struct demo *d, int id)
{
	int ret = 0;

	spin_lock(&d->peers_lock);
	if (!demo_find(d, id)) {
		ret = -ENOENT;
		goto unlock;
	}
	demo_unhash(d, id);
unlock:
	spin_unlock(&d->peers_lock);
	return ret;
}

static void demo_expire(struct demo *d, int id)
{
	demo_del(d, id);
}
"""


def test_a_helper_left_holding_a_lock_is_reported_there_not_in_its_callers(capsys, tmp_path):
    """The patch unlocks the wrong lock in ``demo_del()``: one finding, in it; its caller
    holds the lock only through it."""
    wrong = LOCKED_DELETE.replace("\tspin_unlock(&d->peers_lock);", "\tspin_unlock(&d->lock);") \
        .replace("\tdemo_del(d, id);\n", "\tdemo_del(d, id);\n\td->expired++;\n")
    _, change = history_repo(tmp_path, [
        ("demo: add delete", {DRIVER: LOCKED_DELETE}),
        ("demo: unlock after delete", {DRIVER: wrong})])
    found = [(f["function"], f["status"]) for f in review_range(capsys, tmp_path, change)
             if f["rule"] == "pair-spinlock"]
    assert found == [("demo_del", "introduced")]


SCRATCH = """\
static int demo_dump(struct demo *d)
{
	struct demo_rec *rec;
	int ret;

	rec = kzalloc(sizeof(struct demo_rec), GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	ret = demo_read_len(d);
	if (ret < 0)
		return ret;
	rec->len = ret;
	demo_show(d, rec->len);
	kfree(rec);
	return 0;
}
"""


def test_a_rewritten_acquire_line_keeps_its_old_leak_as_preexisting(capsys, tmp_path):
    """``sizeof(struct T)`` -> ``sizeof(*p)`` on the acquire's line: the leak at the kept
    exit is the one that was there, neither introduced nor fixed."""
    rewritten = SCRATCH.replace("sizeof(struct demo_rec)", "sizeof(*rec)")
    _, _, change = history_repo(tmp_path, [
        ("demo: start", {DRIVER: "static int demo_hw(struct demo *d);\n"}),
        ("demo: add dump", {DRIVER: SCRATCH}), ("demo: prefer sizeof(*p)", {DRIVER: rewritten})])
    assert [f for f in review_range(capsys, tmp_path, change) if f["rule"] == "pair-kmalloc"] \
        == []


def test_a_rewritten_acquire_line_with_a_new_leaking_exit(capsys, tmp_path):
    rewritten = SCRATCH.replace("sizeof(struct demo_rec)", "sizeof(*rec)").replace(
        "\tdemo_show(", "\tif (d->off)\n\t\treturn -EBUSY;\n\tdemo_show(")
    _, _, change = history_repo(tmp_path, [
        ("demo: start", {DRIVER: "static int demo_hw(struct demo *d);\n"}),
        ("demo: add dump", {DRIVER: SCRATCH}), ("demo: skip when off", {DRIVER: rewritten})])
    assert [(f["status"], f["line"]) for f in review_range(capsys, tmp_path, change)
            if f["rule"] == "pair-kmalloc"] == [("introduced", 14)]


def test_a_leak_moved_into_a_new_function_is_neither_introduced_nor_fixed(capsys, tmp_path):
    """Steps taken out of ``demo_dump()`` into a new ``demo_fill()`` in the same file carry
    the leak they had: the patch neither brings it in nor removes it."""
    fill = SCRATCH.replace("demo_dump(struct demo *d)", "demo_fill(struct demo *d)")
    caller = "static int demo_dump(struct demo *d)\n{\n\treturn demo_fill(d);\n}\n"
    _, _, change = history_repo(tmp_path, [
        ("demo: start", {DRIVER: "static int demo_hw(struct demo *d);\n"}),
        ("demo: add dump", {DRIVER: SCRATCH}),
        ("demo: split the fill out", {DRIVER: fill + "\n" + caller})])
    assert [f for f in review_range(capsys, tmp_path, change) if f["rule"] == "pair-kmalloc"] \
        == []


COMMON_MCU = """
struct sk_buff *demo_wait_reply(struct demo_dev *dd)
{
	return skb_dequeue(&dd->replies);
}

int demo_send_and_get(struct demo_dev *dd, struct sk_buff *skb, struct sk_buff **reply)
{
	int ret;

	*reply = NULL;
	ret = dd->ops->send(dd, skb);
	if (ret < 0)
		return ret;
	skb = demo_wait_reply(dd);
	ret = dd->ops->check(dd, skb);
	if (!ret)
		*reply = skb;
	else
		dev_kfree_skb(skb);
	return ret;
}
"""
COMMON_HEADER = """
static inline int demo_query(struct demo_dev *dd, struct sk_buff *skb, struct sk_buff **reply)
{
	return demo_send_and_get(dd, skb, reply);
}
"""
CHIP_MCU = """
int chip_read_temp(struct demo_dev *dd, struct sk_buff *cmd)
{
	struct sk_buff *skb;
	int ret, temp;

	ret = demo_query(dd, cmd, &skb);
	if (ret)
		return ret;
	temp = skb->data[0];
	dev_kfree_skb(skb);
	return temp;
}
"""


def test_a_reply_handed_back_by_the_drivers_common_code_in_the_folder_above(capsys,
                                                                            tmp_path):
    """The chip's file is in a folder of its own; the query is an inline wrapper in the
    driver's header above it, around a helper there that takes the reply off a queue and
    hands it back through an out-parameter where it returns 0."""
    chip = "drivers/net/demo/chip/mcu.c"
    leaky = CHIP_MCU.replace("\tdev_kfree_skb(skb);\n", "")
    _, change = history_repo(tmp_path, [
        ("demo: add driver", {"drivers/net/demo/mcu.c": COMMON_MCU,
                              "drivers/net/demo/demo.h": COMMON_HEADER, chip: CHIP_MCU}),
        ("demo: read the temperature", {chip: leaky})])
    (finding,) = [f for f in review_range(capsys, tmp_path, change) if f["rule"] == "pair-skb"]
    assert (finding["status"], finding["function"], finding["line"]) == (
        "introduced", "chip_read_temp", 11)
    assert "inside demo_query(): demo_send_and_get() takes it" in [
        step["note"] for step in finding["path"]]
