/* pair-skb: a copy made for a helper that only reads it is freed on every exit. */
static int demo_offload_len(struct demo_dev *dd, u8 *id, struct sk_buff *frame)
{
	dd->last_len = frame->len;
	*id = demo_next_id(dd);
	return demo_write_fw(dd, frame->data, frame->len);
}

static int bad(struct demo_dev *dd, struct sk_buff *tmpl, const u8 *ies, int len)
{
	struct sk_buff *copy;
	int ret;
	u8 id;

	copy = skb_copy(tmpl, GFP_KERNEL);
	if (!copy)
		/* ok: pair-skb */
		return -ENOMEM;
	skb_put_data(copy, ies, len);
	ret = demo_offload_len(dd, &id, copy);
	if (ret)
		/* ruleid: pair-skb */
		return ret;
	kfree_skb(copy);
	/* ok: pair-skb */
	return 0;
}

static int good(struct demo_dev *dd, struct sk_buff *tmpl, const u8 *ies, int len)
{
	struct sk_buff *copy;
	int ret;
	u8 id;

	copy = skb_copy(tmpl, GFP_KERNEL);
	if (!copy)
		/* ok: pair-skb */
		return -ENOMEM;
	skb_put_data(copy, ies, len);
	ret = demo_offload_len(dd, &id, copy);
	kfree_skb(copy);
	/* ok: pair-skb */
	return ret;
}

/* Given to a send that takes it over (it frees it, or queues it): no longer ours. */
static int good_sent(struct demo_dev *dd, const void *cmd, int len)
{
	struct sk_buff *skb;

	skb = alloc_skb(len, GFP_KERNEL);
	if (!skb)
		/* ok: pair-skb */
		return -ENOMEM;
	skb_put_data(skb, cmd, len);
	/* ok: pair-skb */
	return demo_send_cmd(dd, skb);
}

static int good_queued(struct demo_dev *dd, const void *cmd, int len)
{
	struct sk_buff *skb;
	int ret;

	skb = alloc_skb(len, GFP_KERNEL);
	if (!skb)
		/* ok: pair-skb */
		return -ENOMEM;
	skb_put_data(skb, cmd, len);
	ret = demo_queue_cmd(dd, skb);
	if (ret)
		/* ok: pair-skb */
		return ret;
	/* ok: pair-skb */
	return 0;
}
