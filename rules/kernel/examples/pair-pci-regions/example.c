/* pair-pci-regions: regions taken in a probe are released on its error paths. */
static int demo_bad_probe(struct pci_dev *pdev)
{
	int err;

	err = pci_request_regions(pdev, "demo");
	if (err)
		/* ok: pair-pci-regions */
		return err;
	err = demo_alloc_rings(pdev);
	if (err)
		/* ruleid: pair-pci-regions */
		return err;
	/* ok: pair-pci-regions */
	return 0;
}

static int demo_good_probe(struct pci_dev *pdev)
{
	int err;

	err = pci_request_regions(pdev, "demo");
	if (err)
		/* ok: pair-pci-regions */
		return err;
	err = demo_alloc_rings(pdev);
	if (err) {
		pci_release_regions(pdev);
		/* ok: pair-pci-regions */
		return err;
	}
	/* ok: pair-pci-regions */
	return 0;
}
