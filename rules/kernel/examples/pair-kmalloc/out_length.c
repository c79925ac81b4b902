/* pair-kmalloc: a helper that hands a buffer back through an out-parameter and
 * keeps it only where it returns a length (> 0), freeing it otherwise: its caller
 * owes the buffer only once that length was seen, or the pointer found set. */
ssize_t demo_read_attr(struct demo_dev *dd, const char *name, char **out)
{
	ssize_t len;
	char *buf;

	*out = NULL;
	len = demo_attr_len(dd, name);
	if (len < 0)
		return len;
	buf = kmalloc(len + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = demo_attr_copy(dd, name, buf, len);
	if (len > 0)
		*out = buf;
	else
		kfree(buf);
	return len;
}

/* the length tested, then the pointer: nothing is left */
static int good(struct demo_dev *dd, struct demo_rsp *rsp)
{
	char *buf = NULL;
	ssize_t len;
	int rc = 0;

	len = demo_read_attr(dd, "acl", &buf);
	if (len > 0) {
		rsp->count += demo_convert(rsp, buf, len);
		kfree(buf);
		buf = NULL;
	}
	len = demo_read_attr(dd, "default", &buf);
	if (len <= 0) {
		rc = -ENOENT;
		/* ok: pair-kmalloc */
		return rc;
	}
	rsp->count += demo_convert(rsp, buf, len);
	if (buf)
		kfree(buf);
	/* ok: pair-kmalloc */
	return rc;
}

/* into the caller's object, the result given back as is: the caller's to free */
static int good_into_result(struct demo_dev *dd, struct demo_result *res)
{
	int ret;

	ret = demo_read_attr(dd, "policy", &res->policy);
	dd->reads++;
	/* ok: pair-kmalloc */
	return ret;
}

static int bad(struct demo_dev *dd, struct demo_rsp *rsp)
{
	char *buf;
	ssize_t len;

	len = demo_read_attr(dd, "acl", &buf);
	if (len <= 0)
		/* ok: pair-kmalloc */
		return -ENOENT;
	if (len > rsp->room)
		/* ruleid: pair-kmalloc */
		return -ENOSPC;
	rsp->count += demo_convert(rsp, buf, len);
	kfree(buf);
	/* ok: pair-kmalloc */
	return 0;
}
