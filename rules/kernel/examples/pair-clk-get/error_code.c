/* pair-clk-get: a getter's failure tested through its error code
 * ('ret = PTR_ERR_OR_ZERO(clk); if (ret)'), as through IS_ERR(). */
static int good_rate_of(struct device *dev, unsigned long *rate)
{
	struct clk *clk;
	int ret;

	clk = clk_get(dev, "ref");
	ret = PTR_ERR_OR_ZERO(clk);
	if (ret)
		/* ok: pair-clk-get */
		return ret;
	*rate = clk_get_rate(clk);
	clk_put(clk);
	/* ok: pair-clk-get */
	return 0;
}

static int bad_rate_of(struct device *dev, unsigned long *rate)
{
	struct clk *clk;
	int ret;

	clk = clk_get(dev, "ref");
	ret = PTR_ERR_OR_ZERO(clk);
	if (ret)
		/* ok: pair-clk-get */
		return ret;
	*rate = clk_get_rate(clk);
	if (!*rate)
		/* ruleid: pair-clk-get */
		return -EINVAL;
	clk_put(clk);
	/* ok: pair-clk-get */
	return 0;
}
