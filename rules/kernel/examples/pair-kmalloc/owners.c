/* pair-kmalloc: who owns a buffer once it left the function's hands. */

/* The copy goes straight into a call that keeps it (or frees it when it fails):
 * the function never holds it. */
static int good_copy_given_at_once(struct demo_dev *dd, const char *label)
{
	if (!demo_add_label(dd, kstrdup(label, GFP_KERNEL)))
		/* ok: pair-kmalloc */
		return -ENOMEM;
	/* ok: pair-kmalloc */
	return 0;
}

static void demo_drop_lut(struct demo_dev *dd)
{
	kvfree(dd->lut);
	dd->lut = NULL;
}

/* Stored in the device first, then given back through that field by a helper. */
static int good_stored_then_helper(struct demo_dev *dd, const u8 *src, int n)
{
	u16 *lut;
	int i;

	lut = kvcalloc(n, sizeof(*lut), GFP_KERNEL);
	if (!lut)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	dd->lut = lut;
	for (i = 0; i < n; i++) {
		if (src[i] == 0xff)
			goto drop;
		lut[i] = src[i] * 3;
	}
	/* ok: pair-kmalloc */
	return 0;
drop:
	demo_drop_lut(dd);
	/* ok: pair-kmalloc */
	return -EINVAL;
}

/* The same without the helper on the bad entry: the device keeps a table the
 * function gives up on. */
static int bad_stored_then_left(struct demo_dev *dd, const u8 *src, int n)
{
	u16 *lut;
	int i;

	lut = kvcalloc(n, sizeof(*lut), GFP_KERNEL);
	if (!lut)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	dd->lut = lut;
	for (i = 0; i < n; i++) {
		if (src[i] == 0xff)
			/* ruleid: pair-kmalloc */
			return -EINVAL;
		lut[i] = src[i] * 3;
	}
	/* ok: pair-kmalloc */
	return 0;
}
