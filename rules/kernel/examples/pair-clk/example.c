/* pair-clk: the release is missed on the error path of bad(), not in good(). */
static int bad(struct demo *d)
{
	int ret;

	ret = clk_prepare_enable(d->clk);
	if (ret)
		return ret;
	if (d->broken)
		/* ruleid: pair-clk */
		return -EIO;
	clk_disable_unprepare(d->clk);
	/* ok: pair-clk */
	return 0;
}

static int good(struct demo *d)
{
	int ret;

	ret = clk_prepare_enable(d->clk);
	if (ret)
		return ret;
	if (d->broken) {
		clk_disable_unprepare(d->clk);
		/* ok: pair-clk */
		return -EIO;
	}
	clk_disable_unprepare(d->clk);
	/* ok: pair-clk */
	return 0;
}
