/* pair-kmalloc: a test under a branch hint or a warning is the test itself. */
struct demo_table {
	unsigned long *low;
	unsigned long *high;
};

static int bad(struct demo_table *t, size_t n)
{
	t->low = kvcalloc(n, sizeof(*t->low), GFP_KERNEL);
	if (unlikely(!t->low))
		/* ok: pair-kmalloc */
		return -ENOMEM;
	t->high = kvcalloc(n, sizeof(*t->high), GFP_KERNEL);
	if (WARN_ON(!t->high))
		/* ruleid: pair-kmalloc */
		return -ENOMEM;
	return 0;
}

static bool good(size_t n)
{
	unsigned long *scratch;

	scratch = kmalloc_array(n, sizeof(*scratch), GFP_KERNEL);
	if (unlikely(!scratch))
		/* ok: pair-kmalloc */
		return false;
	if (likely(n > 1))
		scratch[1] = 0;
	kfree(scratch);
	/* ok: pair-kmalloc */
	return true;
}
