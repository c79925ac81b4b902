/* pair-regulator: the probe keeps the supply on when it succeeds, not when it fails. */
static int demo_bad_probe(struct platform_device *pdev, struct demo *d)
{
	struct phy *phy;
	int error;

	error = regulator_enable(d->vbus);
	if (error)
		/* ok: pair-regulator */
		return error;
	phy = devm_phy_create(&pdev->dev, NULL, &demo_ops);
	if (IS_ERR(phy))
		/* ruleid: pair-regulator */
		return PTR_ERR(phy);
	error = demo_init_pins(d);
	if (error)
		/* ruleid: pair-regulator */
		return error;
	/* ok: pair-regulator */
	return 0;
}

static int demo_good_probe(struct platform_device *pdev, struct demo *d)
{
	struct phy *phy;
	int error;

	error = regulator_enable(d->vbus);
	if (error)
		/* ok: pair-regulator */
		return error;
	phy = devm_phy_create(&pdev->dev, NULL, &demo_ops);
	if (IS_ERR(phy)) {
		error = PTR_ERR(phy);
		goto out_disable;
	}
	error = demo_init_pins(d);
	if (error)
		goto out_disable;
	/* ok: pair-regulator */
	return 0;
out_disable:
	regulator_disable(d->vbus);
	/* ok: pair-regulator */
	return error;
}
