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
