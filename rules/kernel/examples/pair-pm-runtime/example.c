/* pair-pm-runtime: the release is missed on the error path of bad(), not in good(). */
static int bad(struct demo *d)
{
	int ret;

	ret = pm_runtime_resume_and_get(d->dev);
	if (ret < 0)
		return ret;
	if (d->broken)
		/* ruleid: pair-pm-runtime */
		return -EIO;
	pm_runtime_put(d->dev);
	/* ok: pair-pm-runtime */
	return 0;
}

static int good(struct demo *d)
{
	int ret;

	ret = pm_runtime_resume_and_get(d->dev);
	if (ret < 0)
		return ret;
	if (d->broken) {
		pm_runtime_put(d->dev);
		/* ok: pair-pm-runtime */
		return -EIO;
	}
	pm_runtime_put(d->dev);
	/* ok: pair-pm-runtime */
	return 0;
}
