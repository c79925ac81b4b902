/* pair-pci-enable: a probe that enabled the device disables it when it fails. */
static int demo_bad_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int err;

	err = pci_enable_device(pdev);
	if (err)
		/* ok: pair-pci-enable */
		return err;
	err = demo_map(pdev);
	if (err)
		/* ruleid: pair-pci-enable */
		return err;
	/* ok: pair-pci-enable */
	return 0;
}

static int demo_good_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int err;

	err = pci_enable_device(pdev);
	if (err)
		/* ok: pair-pci-enable */
		return err;
	err = demo_map(pdev);
	if (err)
		goto err_disable;
	/* ok: pair-pci-enable */
	return 0;
err_disable:
	pci_disable_device(pdev);
	/* ok: pair-pci-enable */
	return err;
}

/* pcim_enable_device() is managed: the device is disabled when the probe fails or the
 * driver goes, so an early return owes nothing. */
static int demo_managed_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int err;

	err = pcim_enable_device(pdev);
	if (err)
		/* ok: pair-pci-enable */
		return err;
	err = demo_map(pdev);
	if (err)
		/* ok: pair-pci-enable */
		return err;
	/* ok: pair-pci-enable */
	return 0;
}
