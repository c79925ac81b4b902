/* pair-driver-local: an object a probe creates and hands to its bus's drvdata setter is
 * the device's until remove destroys it. */
struct demo_dtx *demo_dtx_create(struct demo_bus_device *bdev)
{
	struct demo_dtx *dtx = kzalloc(sizeof(*dtx), GFP_KERNEL);

	if (!dtx)
		return ERR_PTR(-ENOMEM);
	dtx->bdev = bdev;
	return dtx;
}

void demo_dtx_destroy(struct demo_dtx *dtx)
{
	kfree(dtx);
}

static int good_bus_probe(struct demo_bus_device *bdev)
{
	struct demo_dtx *dtx = demo_dtx_create(bdev);

	if (IS_ERR(dtx))
		/* ok: pair-driver-local */
		return PTR_ERR(dtx);
	demo_bus_set_drvdata(bdev, dtx);
	/* ok: pair-driver-local */
	return 0;
}

static void demo_bus_remove(struct demo_bus_device *bdev)
{
	demo_dtx_destroy(demo_bus_get_drvdata(bdev));
}

static int bad_bus_probe_forgets(struct demo_bus_device *bdev)
{
	struct demo_dtx *dtx = demo_dtx_create(bdev);

	if (IS_ERR(dtx))
		/* ok: pair-driver-local */
		return PTR_ERR(dtx);
	if (demo_bus_ready(bdev) < 0)
		/* ruleid: pair-driver-local */
		return -EIO;
	demo_bus_set_drvdata(bdev, dtx);
	/* ok: pair-driver-local */
	return 0;
}
