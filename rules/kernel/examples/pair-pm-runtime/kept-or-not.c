/* pair-pm-runtime: a function that only needs the device awake gives the reference
 * back on every exit; one whose job is to leave it awake keeps it when it succeeds. */
static int demo_read_temp(struct demo *d, int *temp)
{
	int ret;

	ret = pm_runtime_resume_and_get(d->dev);
	if (ret < 0)
		/* ok: pair-pm-runtime */
		return ret;
	*temp = readl(d->base + DEMO_TEMP);
	/* ruleid: pair-pm-runtime */
	return 0;
}

static int demo_power_on(struct demo *d)
{
	int ret;

	ret = pm_runtime_resume_and_get(d->dev);
	if (ret < 0)
		/* ok: pair-pm-runtime */
		return ret;
	ret = demo_wake(d);
	if (ret)
		/* ruleid: pair-pm-runtime */
		return ret;
	/* ok: pair-pm-runtime */
	return 0;
}

static int demo_get_status(struct demo *d, u32 *status)
{
	int ret;

	ret = pm_runtime_resume_and_get(d->dev);
	if (ret < 0)
		/* ok: pair-pm-runtime */
		return ret;
	*status = readl(d->base + DEMO_STATUS);
	/* ruleid: pair-pm-runtime */
	return 0;
}
