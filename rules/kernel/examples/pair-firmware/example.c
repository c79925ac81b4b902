/* pair-firmware: the release is missed on the error path of bad(), not in good(). */
static int bad(struct demo *d)
{
	int ret;

	ret = request_firmware(&fw, "demo.bin", d->dev);
	if (ret)
		return ret;
	if (d->broken)
		/* ruleid: pair-firmware */
		return -EIO;
	release_firmware(fw);
	/* ok: pair-firmware */
	return 0;
}

static int good(struct demo *d)
{
	int ret;

	ret = request_firmware(&fw, "demo.bin", d->dev);
	if (ret)
		return ret;
	if (d->broken) {
		release_firmware(fw);
		/* ok: pair-firmware */
		return -EIO;
	}
	release_firmware(fw);
	/* ok: pair-firmware */
	return 0;
}

/* A loaded firmware is never NULL: a defensive test of it after success is no path. */
static int good_load_checked(struct device *dev)
{
	const struct firmware *fw;

	if (request_firmware(&fw, "demo/extra.bin", dev))
		/* ok: pair-firmware */
		return -ENOENT;
	if (!fw)
		/* ok: pair-firmware */
		return -ENOENT;
	demo_write(fw->data, fw->size);
	release_firmware(fw);
	/* ok: pair-firmware */
	return 0;
}
