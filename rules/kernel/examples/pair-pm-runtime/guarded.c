/* pair-pm-runtime: a reference taken only on some paths and put under the same test of
 * the result; a second test of that result cannot go the other way. */
static int good_trace_release(struct demo *d)
{
	int rval = -EINVAL;

	if (d->dev)
		rval = pm_runtime_resume_and_get(d->dev);
	if (rval >= 0 && d->tracing)
		demo_trace_stop(d);
	demo_trace_free(d);
	if (rval >= 0)
		pm_runtime_put(d->dev);
	/* ok: pair-pm-runtime */
	return 0;
}

static int bad_trace_release(struct demo *d)
{
	int rval = -EINVAL;

	if (d->dev)
		rval = pm_runtime_resume_and_get(d->dev);
	if (rval >= 0 && d->tracing)
		demo_trace_stop(d);
	demo_trace_free(d);
	if (d->tracing)
		pm_runtime_put(d->dev);
	/* ruleid: pair-pm-runtime */
	return 0;
}
