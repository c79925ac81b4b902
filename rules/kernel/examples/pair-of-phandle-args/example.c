/* pair-of-phandle-args: the node comes back in args.np and is put once read. */
static u32 bad(struct device_node *np)
{
	struct of_phandle_args args;

	if (of_parse_phandle_with_fixed_args(np, "demo-ranges", 3, 0, &args))
		/* ok: pair-of-phandle-args */
		return 0;
	/* ruleid: pair-of-phandle-args */
	return args.args[2];
}

static u32 good(struct device_node *np)
{
	struct of_phandle_args args;

	if (of_parse_phandle_with_fixed_args(np, "demo-ranges", 3, 0, &args))
		/* ok: pair-of-phandle-args */
		return 0;
	of_node_put(args.np);
	/* ok: pair-of-phandle-args */
	return args.args[2];
}
