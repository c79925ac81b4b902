/* pair-skb: a reply skb that the driver's query helper hands back through an
 * out-parameter (taken off a queue two helpers down, kept only where the helper
 * returns 0) is the caller's to free once the query succeeded. */
struct sk_buff *demo_wait_reply(struct demo_dev *dd, unsigned long deadline)
{
	if (time_after(jiffies, deadline))
		return NULL;
	wait_event_timeout(dd->wait, !skb_queue_empty(&dd->replies), deadline - jiffies);
	return skb_dequeue(&dd->replies);
}

int demo_send_and_get(struct demo_dev *dd, struct sk_buff *skb, int cmd,
		      struct sk_buff **reply)
{
	int ret, seq;

	if (reply)
		*reply = NULL;
	mutex_lock(&dd->cmd_lock);
	ret = dd->ops->send(dd, skb, cmd, &seq);
	if (ret < 0)
		goto out;
	do {
		skb = demo_wait_reply(dd, jiffies + dd->timeout);
		ret = dd->ops->check_reply(dd, cmd, skb, seq);
		if (!ret && reply)
			*reply = skb;
		else
			dev_kfree_skb(skb);
	} while (ret == -EAGAIN);
out:
	mutex_unlock(&dd->cmd_lock);
	return ret;
}

int demo_query(struct demo_dev *dd, int cmd, const void *req, int len,
	       struct sk_buff **reply)
{
	struct sk_buff *skb;

	skb = alloc_skb(len, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	skb_put_data(skb, req, len);
	return demo_send_and_get(dd, skb, cmd, reply);
}

/* handing the reply on to its own caller: nothing to free here */
int demo_query_band(struct demo_dev *dd, u8 band, struct sk_buff **reply)
{
	int ret;

	ret = demo_query(dd, DEMO_CMD_BAND, &band, sizeof(band), reply);
	/* ok: pair-skb */
	return ret;
}

static int bad(struct demo_dev *dd, u8 band)
{
	struct demo_temp_event *ev;
	struct sk_buff *skb;
	int ret;

	ret = demo_query(dd, DEMO_CMD_TEMP, &band, sizeof(band), &skb);
	if (ret)
		/* ok: pair-skb */
		return ret;
	ev = (struct demo_temp_event *)skb->data;
	/* ruleid: pair-skb */
	return le32_to_cpu(ev->temp);
}

static int good(struct demo_dev *dd, u8 band)
{
	struct demo_temp_event *ev;
	struct sk_buff *skb;
	int ret, temp;

	ret = demo_query(dd, DEMO_CMD_TEMP, &band, sizeof(band), &skb);
	if (ret)
		/* ok: pair-skb */
		return ret;
	ev = (struct demo_temp_event *)skb->data;
	temp = le32_to_cpu(ev->temp);
	dev_kfree_skb(skb);
	/* ok: pair-skb */
	return temp;
}

/* a receive buffer refilled from the driver's free queue: the skb moves from one
 * holder to another, and the buffer keeps it whatever the function returns */
static int good_refill(struct demo_dev *dd, struct demo_rx_buf *rb)
{
	if (!rb->skb)
		rb->skb = skb_dequeue(&dd->free_q);
	if (!rb->skb)
		/* ok: pair-skb */
		return -ENOMEM;
	if (demo_submit_rx(dd, rb->urb))
		/* ok: pair-skb */
		return -EIO;
	/* ok: pair-skb */
	return 0;
}
