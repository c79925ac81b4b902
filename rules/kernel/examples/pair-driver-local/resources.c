/* pair-driver-local: what the function's own calls say the resource is. */

/* The release is given the handle the acquire returned (second argument): followed. */
static int demo_queue_frame(struct demo_dev *dd, struct demo_frame *f)
{
	struct demo_slot *slot;
	int ret;

	slot = demo_get_slot(dd);
	if (!slot)
		/* ok: pair-driver-local */
		return -ENOMEM;
	ret = demo_fill_slot(dd, slot, f);
	if (ret)
		goto put;
	if (dd->stopped)
		/* ruleid: pair-driver-local */
		return -EBUSY;
	dd->pending = slot;
	/* ok: pair-driver-local */
	return 0;
put:
	demo_put_slot(dd, slot);
	/* ok: pair-driver-local */
	return ret;
}

/* The unwind code tears down another table than the one set up here: no pair to check. */
static int demo_start_rx(struct demo_dev *dd, struct demo_rx *rx)
{
	int ret;

	demo_init_table(&rx->table, 8);
	ret = demo_fw_rx(dd);
	if (ret)
		/* ok: pair-driver-local */
		return ret;
	ret = demo_fw_tx(dd);
	if (ret)
		goto err;
	/* ok: pair-driver-local */
	return 0;
err:
	demo_deinit_table(dd->tx_table);
	/* ok: pair-driver-local */
	return ret;
}

/* The acquire returns a handle that is neither a status nor given back as such. */
static int demo_map_frame(struct demo_dev *dd, struct demo_frame *f)
{
	dma_addr_t addr;
	int ret;

	addr = demo_map_buf(dd, f->data, f->len);
	if (demo_map_failed(dd, addr))
		/* ok: pair-driver-local */
		return -ENOMEM;
	dd->ring[dd->head].addr = addr;
	ret = demo_ring_push(dd);
	if (ret)
		goto unmap;
	/* ok: pair-driver-local */
	return 0;
unmap:
	demo_unmap_buf(dd, dd->ring[dd->head].addr, f->len);
	/* ok: pair-driver-local */
	return ret;
}

/* The unwind code undoes the setup only once a flag says it was done: the flag is set
 * right after it, so no path reaches the label with the setup done and the flag clear. */
static int demo_add_station(struct demo_dev *dd, struct demo_sta *sta)
{
	bool published = false;
	int ret;

	if (!sta->link)
		/* ok: pair-driver-local */
		return -EINVAL;
	demo_init_sta(dd, sta);
	published = true;
	ret = demo_fw_add_sta(dd, sta);
	if (ret)
		goto out;
	ret = demo_fw_set_rates(dd, sta);
	if (ret)
		goto out;
	/* ok: pair-driver-local */
	return 0;
out:
	if (published)
		demo_deinit_sta(dd, sta);
	/* ok: pair-driver-local */
	return ret;
}

/* A getter retried once: the second IS_ERR() test cannot fail after the first passed. */
static int demo_attach_port(struct demo_dev *dd)
{
	struct demo_port *port;
	int ret;

	port = demo_get_port(dd->dev);
	if (IS_ERR(port)) {
		demo_load_port_module();
		port = demo_get_port(dd->dev);
	}
	if (IS_ERR(port))
		/* ok: pair-driver-local */
		return PTR_ERR(port);
	if (dd->busy)
		/* ruleid: pair-driver-local */
		return -EBUSY;
	ret = demo_port_setup(dd, port);
	if (ret)
		goto put;
	dd->port = port;
	/* ok: pair-driver-local */
	return 0;
put:
	demo_put_port(port);
	/* ok: pair-driver-local */
	return ret;
}

/* A flag the function hands out by address may change behind its back: not followed. */
static int demo_add_peer(struct demo_dev *dd, struct demo_peer *peer)
{
	bool undo = false;
	int ret;

	demo_init_peer(dd, peer);
	undo = true;
	ret = demo_fw_add_peer(dd, peer, &undo);
	if (ret)
		goto out;
	/* ok: pair-driver-local */
	return 0;
out:
	if (undo)
		demo_deinit_peer(dd, peer);
	/* ruleid: pair-driver-local */
	return ret;
}

/* The unwind code destroys the queue only when a field says it exists: the field is
 * set from the endpoint right after the create succeeded, so no path reaches the label
 * with the queue made and the field clear. */
static int demo_open_channel(struct demo_chan *ch)
{
	int ret;

	ret = demo_create_queue(ch->ep, ch->depth);
	if (ret)
		goto err;
	ch->queue = ch->ep->queue;
	ret = demo_start_queue(ch->queue);
	if (ret)
		goto err;
	/* ok: pair-driver-local */
	return 0;
err:
	if (ch->queue) {
		ch->queue = NULL;
		demo_destroy_queue(ch->ep);
	}
	/* ok: pair-driver-local */
	return ret;
}

/* The same field set on one path only: on the other the unwind skips the destroy. */
static int demo_open_shared_channel(struct demo_chan *ch)
{
	int ret;

	ret = demo_create_queue(ch->ep, ch->depth);
	if (ret)
		goto err;
	if (ch->shared)
		ch->queue = ch->ep->queue;
	ret = demo_start_queue(ch->ep->queue);
	if (ret)
		goto err;
	/* ok: pair-driver-local */
	return 0;
err:
	if (ch->queue) {
		ch->queue = NULL;
		demo_destroy_queue(ch->ep);
	}
	/* ruleid: pair-driver-local */
	return ret;
}
