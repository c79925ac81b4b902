/* pair-clk-get: a clock kept in the device's state is put on the probe's error paths. */
static int bad(struct demo *d)
{
	int err;

	d->pll = clk_get_sys(NULL, "pll_a");
	if (IS_ERR(d->pll))
		/* ok: pair-clk-get */
		return PTR_ERR(d->pll);
	err = demo_output_probe(d);
	if (err < 0)
		/* ruleid: pair-clk-get */
		return err;
	/* ok: pair-clk-get */
	return 0;
}

static int good(struct demo *d)
{
	int err;

	d->pll = clk_get_sys(NULL, "pll_a");
	if (IS_ERR(d->pll))
		/* ok: pair-clk-get */
		return PTR_ERR(d->pll);
	err = demo_output_probe(d);
	if (err < 0)
		goto put_pll;
	/* ok: pair-clk-get */
	return 0;
put_pll:
	clk_put(d->pll);
	/* ok: pair-clk-get */
	return err;
}

static unsigned long rate_of(struct device *dev)
{
	struct clk *clk;
	unsigned long rate;

	clk = clk_get(dev, "ref");
	if (IS_ERR(clk))
		/* ok: pair-clk-get */
		return 0;
	rate = clk_get_rate(clk);
	if (!rate)
		/* ruleid: pair-clk-get */
		return 0;
	clk_put(clk);
	/* ok: pair-clk-get */
	return rate;
}
