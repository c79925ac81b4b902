/* pair-pci-dev: pci_get_device() holds what it finds, and drops the "from" it is given. */
static int bad_search(struct demo_chip *chip)
{
	struct pci_dev *other = NULL;

	while ((other = pci_get_device(DEMO_VENDOR, DEMO_DEVICE, other)) != NULL) {
		if (other->bus == chip->pdev->bus)
			break;
	}
	if (other)
		/* ruleid: pair-pci-dev */
		return -ENODEV;
	/* ok: pair-pci-dev */
	return 0;
}

static int good_search(struct demo_chip *chip)
{
	struct pci_dev *other = NULL;

	while ((other = pci_get_device(DEMO_VENDOR, DEMO_DEVICE, other)) != NULL) {
		if (other->bus == chip->pdev->bus)
			break;
	}
	if (other) {
		pci_dev_put(other);
		/* ok: pair-pci-dev */
		return -ENODEV;
	}
	/* ok: pair-pci-dev */
	return 0;
}

static void bad_quirk(struct demo *d)
{
	struct pci_dev *xhci;

	xhci = pci_get_device(DEMO_VENDOR, DEMO_XHCI, NULL);
	if (!xhci)
		/* ok: pair-pci-dev */
		return;
	pci_write_config_dword(xhci, DEMO_REG, d->ports);
/* ruleid: pair-pci-dev */
}

static void good_quirk(struct demo *d)
{
	struct pci_dev *xhci;

	xhci = pci_get_device(DEMO_VENDOR, DEMO_XHCI, NULL);
	if (!xhci)
		/* ok: pair-pci-dev */
		return;
	pci_write_config_dword(xhci, DEMO_REG, d->ports);
	pci_dev_put(xhci);
/* ok: pair-pci-dev */
}

/* A presence test keeps nothing, not even in an init that keeps what it sets up: the
 * reference found is dropped on every exit. */
static struct demo_link *bad_init_probe_test(struct demo *d)
{
	if (!pci_get_device(DEMO_VENDOR, DEMO_LINK_A, NULL) &&
	    !pci_get_device(DEMO_VENDOR, DEMO_LINK_B, NULL))
		/* ok: pair-pci-dev */
		return NULL;
	demo_mark_link(d);
	/* ruleid: pair-pci-dev */
	return demo_find_link(d);
}

static struct demo_link *good_init_probe_test(struct demo *d)
{
	struct pci_dev *peer;

	peer = pci_get_device(DEMO_VENDOR, DEMO_LINK_A, NULL);
	if (!peer)
		peer = pci_get_device(DEMO_VENDOR, DEMO_LINK_B, NULL);
	if (!peer)
		/* ok: pair-pci-dev */
		return NULL;
	pci_dev_put(peer);
	demo_mark_link(d);
	/* ok: pair-pci-dev */
	return demo_find_link(d);
}
