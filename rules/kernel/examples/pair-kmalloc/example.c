/* pair-kmalloc: a scratch buffer is freed on every exit that did not give it away. */
static ssize_t bad(struct demo_phy *phy, char __user *ubuf, size_t count, loff_t *pos)
{
	ssize_t ret;
	char *text;
	int len;

	text = kzalloc(512, GFP_KERNEL);
	if (!text)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	ret = demo_query_levels(phy);
	if (ret)
		/* ruleid: pair-kmalloc */
		return ret;
	len = scnprintf(text, 512, "levels %d\n", phy->levels);
	ret = simple_read_from_buffer(ubuf, count, pos, text, len);
	kfree(text);
	/* ok: pair-kmalloc */
	return ret;
}

static ssize_t good(struct demo_phy *phy, char __user *ubuf, size_t count, loff_t *pos)
{
	ssize_t ret;
	char *text;
	int len;

	text = kzalloc(512, GFP_KERNEL);
	if (!text)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	ret = demo_query_levels(phy);
	if (ret)
		goto out;
	len = scnprintf(text, 512, "levels %d\n", phy->levels);
	ret = simple_read_from_buffer(ubuf, count, pos, text, len);
out:
	kfree(text);
	/* ok: pair-kmalloc */
	return ret;
}

/* Given to a call that may keep it (a queue, a send that frees it): no longer ours. */
static int good_handed(struct demo_dev *dd, const void *data, size_t len)
{
	struct demo_msg *msg;
	int ret;

	msg = kmalloc(sizeof(*msg) + len, GFP_KERNEL);
	if (!msg)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	memcpy(msg->body, data, len);
	ret = demo_queue_msg(dd, msg);
	if (ret)
		/* ok: pair-kmalloc */
		return ret;
	/* ok: pair-kmalloc */
	return 0;
}

/* Kept by the object: owed on the error exits only. */
static int good_kept(struct demo_dev *dd)
{
	dd->table = kcalloc(16, sizeof(*dd->table), GFP_KERNEL);
	if (!dd->table)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	/* ok: pair-kmalloc */
	return 0;
}

/* The field is reached through a local that points into the device: the unwind's
 * kfree(state->map) gives back what state->map = kzalloc() took. */
static int good_field_alias(struct demo_dev *dd, const struct demo_blob *blob)
{
	struct demo_state *state = &dd->state;
	int i;

	state->map = kzalloc(sizeof(*state->map), GFP_KERNEL);
	if (!state->map)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	for (i = 0; i < blob->count; i++) {
		if (blob->len[i] > DEMO_MAX_LEN)
			goto err;
		state->map->len[i] = blob->len[i];
	}
	/* ok: pair-kmalloc */
	return 0;

err:
	kfree(state->map);
	state->map = NULL;
	/* ok: pair-kmalloc */
	return -EINVAL;
}

static int bad_field_alias(struct demo_dev *dd, const struct demo_blob *blob)
{
	struct demo_state *state = &dd->state;
	int i;

	state->map = kzalloc(sizeof(*state->map), GFP_KERNEL);
	if (!state->map)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	for (i = 0; i < blob->count; i++) {
		if (blob->len[i] > DEMO_MAX_LEN)
			/* ruleid: pair-kmalloc */
			return -EINVAL;
		state->map->len[i] = blob->len[i];
	}
	/* ok: pair-kmalloc */
	return 0;
}
