/* pair-skb: an skb from the driver's own allocators (a helper returning what it
 * allocated, a wrapper returning that helper's result as is, one reporting failure
 * with ERR_PTR) is the caller's once it is not an error; IS_ERR() and PTR_ERR()
 * only read it. */
struct sk_buff *__demo_msg_alloc(struct demo_dev *dd, int len, gfp_t gfp)
{
	struct sk_buff *skb;

	skb = alloc_skb(dd->headroom + len, gfp);
	if (!skb)
		return NULL;
	skb_reserve(skb, dd->headroom);
	return skb;
}

static inline struct sk_buff *demo_msg_alloc(struct demo_dev *dd, int len)
{
	return __demo_msg_alloc(dd, len, GFP_KERNEL);
}

static struct sk_buff *demo_req_alloc(struct demo_dev *dd, u8 idx)
{
	struct sk_buff *skb;

	skb = demo_msg_alloc(dd, DEMO_REQ_LEN);
	if (!skb)
		return ERR_PTR(-ENOMEM);
	skb_put_data(skb, &idx, sizeof(idx));
	return skb;
}

static int demo_key_tlv(struct sk_buff *skb, const struct demo_key *key)
{
	if (key->len > DEMO_KEY_MAX)
		return -EINVAL;
	skb_put_data(skb, key->data, key->len);
	return 0;
}

static int bad(struct demo_dev *dd, const struct demo_key *key)
{
	struct sk_buff *skb;
	int ret;

	skb = demo_req_alloc(dd, key->idx);
	if (IS_ERR(skb))
		/* ok: pair-skb */
		return PTR_ERR(skb);
	ret = demo_key_tlv(skb, key);
	if (ret)
		/* ruleid: pair-skb */
		return ret;
	/* ok: pair-skb */
	return demo_send_cmd(dd, skb);
}

static int good(struct demo_dev *dd, const struct demo_key *key)
{
	struct sk_buff *skb = demo_req_alloc(dd, key->idx);
	int ret;

	if (IS_ERR(skb))
		/* ok: pair-skb */
		return PTR_ERR(skb);
	ret = demo_key_tlv(skb, key);
	if (ret)
		goto err_free;
	/* ok: pair-skb */
	return demo_send_cmd(dd, skb);

err_free:
	dev_kfree_skb(skb);
	/* ok: pair-skb */
	return ret;
}
