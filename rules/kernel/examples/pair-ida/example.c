/* pair-ida: an id allocated for a device is given back when its setup fails. */
static DEFINE_IDA(demo_ids);

static int good_probe(struct demo_dev *dd)
{
	int ret;

	dd->id = ida_alloc(&demo_ids, GFP_KERNEL);
	if (dd->id < 0)
		/* ok: pair-ida */
		return dd->id;
	ret = demo_register(dd);
	if (ret) {
		ida_free(&demo_ids, dd->id);
		/* ok: pair-ida */
		return ret;
	}
	/* ok: pair-ida */
	return 0;
}

static int bad_probe(struct demo_dev *dd)
{
	int ret;

	dd->id = ida_alloc(&demo_ids, GFP_KERNEL);
	if (dd->id < 0)
		/* ok: pair-ida */
		return dd->id;
	ret = demo_register(dd);
	if (ret)
		/* ruleid: pair-ida */
		return ret;
	/* ok: pair-ida */
	return 0;
}

static int bad_name_scratch(struct demo_dev *dd, char *buf, size_t len)
{
	int id = ida_alloc_max(&demo_ids, 99, GFP_KERNEL);

	if (id < 0)
		/* ok: pair-ida */
		return id;
	if (snprintf(buf, len, "demo%d", id) >= len)
		/* ruleid: pair-ida */
		return -ENAMETOOLONG;
	dd->id = id;
	/* ok: pair-ida */
	return 0;
}
