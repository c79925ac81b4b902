/* pair-driver-local: the driver's own alloc/free pair, and a setup its unwind labels undo. */
static int demo_alloc_rx_bufs(struct demo_usb *du)
{
	int i;

	for (i = 0; i < DEMO_RX_BUFS; i++) {
		du->rx[i].urb = usb_alloc_urb(0, GFP_KERNEL);
		if (!du->rx[i].urb)
			goto err_free;
	}
	/* ok: pair-driver-local */
	return 0;
err_free:
	demo_free_rx_bufs(du);
	/* ok: pair-driver-local */
	return -ENOMEM;
}

static void demo_free_rx_bufs(struct demo_usb *du)
{
	int i;

	for (i = 0; i < DEMO_RX_BUFS; i++)
		usb_free_urb(du->rx[i].urb);
}

static int bad_probe(struct usb_interface *intf, struct demo_usb *du)
{
	int ret;

	ret = demo_alloc_rx_bufs(du);
	if (ret)
		/* ok: pair-driver-local */
		return ret;
	ret = demo_core_register(du);
	if (ret)
		/* ruleid: pair-driver-local */
		return ret;
	/* ok: pair-driver-local */
	return 0;
}

static int good_probe(struct usb_interface *intf, struct demo_usb *du)
{
	int ret;

	ret = demo_alloc_rx_bufs(du);
	if (ret)
		/* ok: pair-driver-local */
		return ret;
	ret = demo_core_register(du);
	if (ret)
		goto err_free_rx;
	/* ok: pair-driver-local */
	return 0;
err_free_rx:
	demo_free_rx_bufs(du);
	/* ok: pair-driver-local */
	return ret;
}

static int bad_start(struct demo_usb *du)
{
	int ret;

	ret = demo_init_tx(du);
	if (ret)
		/* ok: pair-driver-local */
		return ret;
	ret = demo_init_rx(du);
	if (ret)
		goto err_deinit_tx;
	ret = demo_fw_boot(du);
	if (ret)
		/* ruleid: pair-driver-local */
		return ret;
	/* ok: pair-driver-local */
	return 0;
err_deinit_tx:
	demo_deinit_tx(du);
	/* ok: pair-driver-local */
	return ret;
}

static int firmware_entries(struct demo_usb *du)
{
	int ret;

	ret = demo_fw_add_entry(du);
	if (ret)
		/* ok: pair-driver-local */
		return ret;
	ret = demo_fw_sync(du);
	if (ret)
		/* ok: pair-driver-local */
		return ret;
	/* ok: pair-driver-local */
	return 0;
}

static void demo_fw_del_entry(struct demo_usb *du)
{
	demo_fw_cmd(du, DEMO_DEL);
}

static int demo_fw_add_entry(struct demo_usb *du)
{
	return demo_fw_cmd(du, DEMO_ADD);
}
