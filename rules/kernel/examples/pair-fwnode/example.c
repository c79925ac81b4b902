/* pair-fwnode: leaving device_for_each_child_node() early keeps the child's reference. */
static int bad(struct device *dev, struct demo *st)
{
	struct fwnode_handle *child;
	u32 reg;
	int ret;

	device_for_each_child_node(dev, child) {
		ret = fwnode_property_read_u32(child, "reg", &reg);
		if (ret)
			/* ruleid: pair-fwnode */
			return ret;
		if (reg >= DEMO_CHANNELS)
			/* ruleid: pair-fwnode */
			return -EINVAL;
		st->used |= BIT(reg);
	}
	/* ok: pair-fwnode */
	return 0;
}

static int good(struct device *dev, struct demo *st)
{
	struct fwnode_handle *child;
	u32 reg;
	int ret;

	device_for_each_child_node(dev, child) {
		ret = fwnode_property_read_u32(child, "reg", &reg);
		if (ret)
			goto err_child;
		if (reg >= DEMO_CHANNELS) {
			ret = -EINVAL;
			goto err_child;
		}
		st->used |= BIT(reg);
	}
	/* ok: pair-fwnode */
	return 0;
err_child:
	fwnode_handle_put(child);
	/* ok: pair-fwnode */
	return ret;
}

static int scoped(struct device *dev, struct demo *st)
{
	u32 reg;

	device_for_each_child_node_scoped(dev, child) {
		if (fwnode_property_read_u32(child, "reg", &reg))
			/* ok: pair-fwnode */
			return -EINVAL;
		st->used |= BIT(reg);
	}
	/* ok: pair-fwnode */
	return 0;
}

static struct fwnode_handle *kept(struct device *dev)
{
	struct fwnode_handle *port;

	port = device_get_named_child_node(dev, "port");
	if (!port)
		/* ok: pair-fwnode */
		return NULL;
	/* ok: pair-fwnode */
	return port;
}
