/* pair-pci-aer: the unwind labels of the probe must undo AER reporting too. */
static int demo_bad_probe(struct pci_dev *pdev)
{
	struct net_device *netdev;
	int err;

	pci_enable_pcie_error_reporting(pdev);
	netdev = alloc_etherdev(sizeof(struct demo));
	if (!netdev) {
		err = -ENOMEM;
		goto err_alloc;
	}
	err = register_netdev(netdev);
	if (err)
		goto err_register;
	/* ok: pair-pci-aer */
	return 0;
err_register:
	free_netdev(netdev);
err_alloc:
	pci_release_mem_regions(pdev);
	/* ruleid: pair-pci-aer */
	return err;
}

static int demo_good_probe(struct pci_dev *pdev)
{
	struct net_device *netdev;
	int err;

	pci_enable_pcie_error_reporting(pdev);
	netdev = alloc_etherdev(sizeof(struct demo));
	if (!netdev) {
		err = -ENOMEM;
		goto err_alloc;
	}
	err = register_netdev(netdev);
	if (err)
		goto err_register;
	/* ok: pair-pci-aer */
	return 0;
err_register:
	free_netdev(netdev);
err_alloc:
	pci_disable_pcie_error_reporting(pdev);
	pci_release_mem_regions(pdev);
	/* ok: pair-pci-aer */
	return err;
}
