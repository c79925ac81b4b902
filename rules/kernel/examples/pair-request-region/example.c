/* pair-request-region: the region a probe requests is released when the probe fails,
 * also when a helper of the driver requested it. */
static unsigned short demo_base;

static int demo_setup(struct pci_dev *dev)
{
	if (!request_region(demo_base, DEMO_IOSIZE, "demo"))
		/* ok: pair-request-region */
		return -EBUSY;
	if (demo_read_id(demo_base) != DEMO_ID)
		goto error;
	/* ok: pair-request-region */
	return 0;
error:
	release_region(demo_base, DEMO_IOSIZE);
	/* ok: pair-request-region */
	return -ENODEV;
}

static int bad_probe(struct pci_dev *dev, const struct pci_device_id *id)
{
	if (demo_setup(dev))
		/* ok: pair-request-region */
		return -ENODEV;
	/* ruleid: pair-request-region */
	return i2c_add_adapter(&demo_adapter);
}

static int good_probe(struct pci_dev *dev, const struct pci_device_id *id)
{
	int ret;

	if (demo_setup(dev))
		/* ok: pair-request-region */
		return -ENODEV;
	ret = i2c_add_adapter(&demo_adapter);
	if (ret)
		goto release;
	/* ok: pair-request-region */
	return 0;
release:
	release_region(demo_base, DEMO_IOSIZE);
	/* ok: pair-request-region */
	return ret;
}

static int bad_direct_probe(struct platform_device *pdev)
{
	unsigned long base = DEMO_PORT;
	int ret;

	if (!request_muxed_region(DEMO_PORT, 8, "demo"))
		/* ok: pair-request-region */
		return -ENXIO;
	ret = demo_check(pdev);
	if (ret)
		/* ruleid: pair-request-region */
		return ret;
	ret = demo_register(pdev);
	if (ret) {
		release_region(base, 8);
		/* ok: pair-request-region */
		return ret;
	}
	/* ok: pair-request-region */
	return 0;
}
