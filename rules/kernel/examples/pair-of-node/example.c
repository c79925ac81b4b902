/* pair-of-node: the release is missed on the error path of bad(), not in good(). */
static int bad(struct demo *d)
{
	int ret;

	np = of_get_child_by_name(d->np, "port");
	if (!np)
		return -ENODEV;
	if (d->broken)
		/* ruleid: pair-of-node */
		return -EIO;
	of_node_put(np);
	/* ok: pair-of-node */
	return 0;
}

static int good(struct demo *d)
{
	int ret;

	np = of_get_child_by_name(d->np, "port");
	if (!np)
		return -ENODEV;
	if (d->broken) {
		of_node_put(np);
		/* ok: pair-of-node */
		return -EIO;
	}
	of_node_put(np);
	/* ok: pair-of-node */
	return 0;
}
