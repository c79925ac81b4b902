/* pair-pm-runtime-get-sync: the release is missed on the error path of bad(), not in good(). */
static int bad(struct demo *d)
{
	int ret;

	pm_runtime_get_sync(d->dev);
	if (d->broken)
		/* ruleid: pair-pm-runtime-get-sync */
		return -EIO;
	pm_runtime_put_noidle(d->dev);
	/* ok: pair-pm-runtime-get-sync */
	return 0;
}

static int good(struct demo *d)
{
	int ret;

	pm_runtime_get_sync(d->dev);
	if (d->broken) {
		pm_runtime_put_noidle(d->dev);
		/* ok: pair-pm-runtime-get-sync */
		return -EIO;
	}
	pm_runtime_put_noidle(d->dev);
	/* ok: pair-pm-runtime-get-sync */
	return 0;
}
