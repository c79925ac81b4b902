/* pair-driver-local: an allocator that links what it returns into its owner's table;
 * the table, not the caller, keeps the entry (a later lookup finds it). */
struct demo_peer *demo_alloc_peer(struct demo_peer_table *tbl, const u8 *addr)
{
	struct demo_peer *peer;
	struct list_head *bucket;

	peer = demo_take_free_peer(tbl);
	if (!peer)
		return NULL;
	memcpy(peer->addr, addr, ETH_ALEN);
	bucket = &tbl->hash[demo_hash(addr)];
	demo_list_insert_tail(&peer->hash_list, bucket);
	tbl->count++;
	return peer;
}

int demo_free_peer(struct demo_dev *dd, struct demo_peer *peer)
{
	list_del_init(&peer->hash_list);
	demo_give_back_peer(&dd->peers, peer);
	return 0;
}

/* The entry stays in the table for the link's lifetime. */
static int good_join(struct demo_dev *dd, const u8 *bssid)
{
	struct demo_peer *peer;

	peer = demo_alloc_peer(&dd->peers, bssid);
	if (!peer)
		/* ok: pair-driver-local */
		return -ENOMEM;
	peer->aid = 1;
	if (demo_send_join(dd, peer) < 0)
		/* ok: pair-driver-local */
		return -EIO;
	/* ok: pair-driver-local */
	return 0;
}

/* A buffer the allocator only returns belongs to its caller. */
struct demo_buf *demo_alloc_buf(struct demo_dev *dd, size_t len)
{
	struct demo_buf *buf = kzalloc(sizeof(*buf) + len, GFP_KERNEL);

	if (!buf)
		return NULL;
	buf->dev = dd;
	buf->len = len;
	return buf;
}

void demo_free_buf(struct demo_buf *buf)
{
	kfree(buf);
}

static int bad_send(struct demo_dev *dd, const void *data, size_t len)
{
	struct demo_buf *buf = demo_alloc_buf(dd, len);

	if (!buf)
		/* ok: pair-driver-local */
		return -ENOMEM;
	memcpy(buf->data, data, len);
	if (demo_queue(dd, buf) < 0)
		/* ruleid: pair-driver-local */
		return -EIO;
	demo_free_buf(buf);
	/* ok: pair-driver-local */
	return 0;
}
