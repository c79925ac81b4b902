/* pair-of-node: of_find_*() and of_get_*() results, and the node a loop is left with. */
static void bad_lookup(u32 val)
{
	struct device_node *np;
	void __iomem *regs;

	np = of_find_compatible_node(NULL, NULL, "demo,scfg");
	if (!np)
		/* ok: pair-of-node */
		return;
	regs = of_iomap(np, 0);
	if (!regs)
		/* ruleid: pair-of-node */
		return;
	iowrite32be(val, regs);
	iounmap(regs);
/* ruleid: pair-of-node */
}

static void good_lookup(u32 val)
{
	struct device_node *np;
	void __iomem *regs;

	np = of_find_compatible_node(NULL, NULL, "demo,scfg");
	if (!np)
		/* ok: pair-of-node */
		return;
	regs = of_iomap(np, 0);
	of_node_put(np);
	if (!regs)
		/* ok: pair-of-node */
		return;
	iowrite32be(val, regs);
	iounmap(regs);
/* ok: pair-of-node */
}

static int bad_loop(struct device *dev, struct demo_mux *mux)
{
	struct device_node *child;
	u32 chan;
	int ret;

	for_each_child_of_node(dev->of_node, child) {
		ret = of_property_read_u32(child, "reg", &chan);
		if (ret < 0)
			goto err_children;
		if (chan >= mux->states)
			/* ruleid: pair-of-node */
			return -EINVAL;
		ret = demo_add_adapter(mux, chan);
		if (ret)
			break;
	}
	/* ruleid: pair-of-node */
	return ret;
err_children:
	demo_del_adapters(mux);
	/* ruleid: pair-of-node */
	return ret;
}

static int good_loop(struct device *dev, struct demo_mux *mux)
{
	struct device_node *child;
	u32 chan;
	int ret = 0;

	for_each_child_of_node(dev->of_node, child) {
		ret = of_property_read_u32(child, "reg", &chan);
		if (ret < 0)
			goto err_children;
		if (chan >= mux->states) {
			ret = -EINVAL;
			goto err_children;
		}
		ret = demo_add_adapter(mux, chan);
		if (ret)
			break;
	}
	if (ret && child)
		of_node_put(child);
	/* ok: pair-of-node */
	return ret;
err_children:
	of_node_put(child);
	demo_del_adapters(mux);
	/* ok: pair-of-node */
	return ret;
}

static int good_search(struct device_node *node)
{
	struct device_node *child;
	int ret = 0;

	for (child = of_find_matching_node(node, demo_ids); child;
	     child = of_find_matching_node(child, demo_ids)) {
		if (!of_property_read_bool(child, "msi-controller"))
			continue;
		ret = demo_init_one(child);
		if (ret)
			break;
	}
	if (ret && child)
		of_node_put(child);
	/* ok: pair-of-node */
	return ret;
}

static int freed_by_scope(struct device *dev)
{
	struct device_node *np __free(device_node) = of_get_child_by_name(dev->of_node, "ports");
	struct device_node *parent;

	if (!np)
		/* ok: pair-of-node */
		return -ENODEV;
	parent = of_get_parent(np);
	if (demo_parse(np))
		/* ruleid: pair-of-node */
		return -EINVAL;
	of_node_put(parent);
	/* ok: pair-of-node */
	return 0;
}

static struct device_node *kept(struct device *dev)
{
	struct device_node *np = of_find_node_with_property(NULL, "demo,port");

	if (np && !of_device_is_available(np)) {
		of_node_put(np);
		/* ok: pair-of-node */
		return NULL;
	}
	/* ok: pair-of-node */
	return np;
}
