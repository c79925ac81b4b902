/* pair-device: of_find_device_by_node() holds the device; put_device(&pdev->dev) drops it. */
static struct demo_data *bad(void)
{
	struct device_node *np;
	struct platform_device *pdev;
	struct demo_data *data = NULL;

	np = of_find_compatible_node(NULL, NULL, "demo,helper");
	if (!np)
		/* ok: pair-device */
		return NULL;
	pdev = of_find_device_by_node(np);
	of_node_put(np);
	if (!pdev)
		/* ok: pair-device */
		return NULL;
	data = platform_get_drvdata(pdev);
	if (!data)
		data = ERR_PTR(-EPROBE_DEFER);
	/* ruleid: pair-device */
	return data;
}

static struct demo_data *good(void)
{
	struct device_node *np;
	struct platform_device *pdev;
	struct demo_data *data = NULL;

	np = of_find_compatible_node(NULL, NULL, "demo,helper");
	if (!np)
		/* ok: pair-device */
		return NULL;
	pdev = of_find_device_by_node(np);
	of_node_put(np);
	if (!pdev)
		/* ok: pair-device */
		return NULL;
	data = platform_get_drvdata(pdev);
	if (!data)
		data = ERR_PTR(-EPROBE_DEFER);
	put_device(&pdev->dev);
	/* ok: pair-device */
	return data;
}

static int held_by_caller(struct demo *d, struct device *parent)
{
	d->parent = get_device(parent);
	if (demo_attach(d)) {
		put_device(d->parent);
		/* ok: pair-device */
		return -EIO;
	}
	/* ok: pair-device */
	return 0;
}
