/* pair-ieee80211-hw: the hw a probe allocates is freed when a later step fails. */
static int bad(struct spi_device *spi)
{
	struct ieee80211_hw *hw;
	struct demo_priv *priv;
	int ret;

	hw = ieee80211_alloc_hw(sizeof(*priv), &demo_ops);
	if (!hw)
		/* ok: pair-ieee80211-hw */
		return -ENOMEM;
	priv = hw->priv;
	spi_set_drvdata(spi, priv);
	ret = spi_setup(spi);
	if (ret < 0)
		/* ruleid: pair-ieee80211-hw */
		return ret;
	ret = ieee80211_register_hw(hw);
	if (ret)
		goto err_free;
	/* ok: pair-ieee80211-hw */
	return 0;
err_free:
	ieee80211_free_hw(hw);
	/* ok: pair-ieee80211-hw */
	return ret;
}

static struct ieee80211_hw *returned(size_t len)
{
	struct ieee80211_hw *hw;

	hw = ieee80211_alloc_hw(len, &demo_ops);
	if (!hw)
		/* ok: pair-ieee80211-hw */
		return NULL;
	demo_defaults(hw);
	/* ok: pair-ieee80211-hw */
	return hw;
}
