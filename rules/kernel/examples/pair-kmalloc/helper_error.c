/* pair-kmalloc: a helper of the file that fills a caller's buffer field and, when
 * its own check fails, frees it again before it says so. */

struct demo_slots {
	u8 *map;
	int n;
};

/* The map is the caller's only when this returns 0: a busy range frees it and
 * returns how many slots to skip (> 0), a failed allocation returns < 0. */
static int demo_grab_slots(struct demo_slots *s, int n)
{
	int busy;

	s->map = kzalloc(n, GFP_KERNEL);
	if (!s->map)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	s->n = n;
	busy = demo_busy_in_range(s->n);
	if (busy > 0) {
		kfree(s->map);
		/* ok: pair-kmalloc */
		return busy;
	}
	/* ok: pair-kmalloc */
	return 0;
}

/* The caller leaves on any result but 0 without freeing: the helper already did. */
static int good_scan_after_helper(struct demo_slots *s, int want, int limit)
{
	int at = 0, ret;

	while (at < limit) {
		ret = demo_grab_slots(s, want);
		if (ret < 0)
			/* ok: pair-kmalloc */
			return ret;
		if (ret == 0)
			break;
		at += ret;
		if (demo_should_stop(at))
			/* ok: pair-kmalloc */
			return -EBUSY;
	}
	demo_fill_slots(s);
	kfree(s->map);
	/* ok: pair-kmalloc */
	return 0;
}

/* The same helper without the free on a busy range: it keeps the map then too. */
static int demo_grab_slots_keep(struct demo_slots *s, int n)
{
	int busy;

	s->map = kzalloc(n, GFP_KERNEL);
	if (!s->map)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	s->n = n;
	busy = demo_busy_in_range(s->n);
	if (busy > 0)
		/* ok: pair-kmalloc */
		return busy;
	/* ok: pair-kmalloc */
	return 0;
}

/* So a caller that leaves on a busy range leaks the map. */
static int bad_scan_after_keeping_helper(struct demo_slots *s, int want, int limit)
{
	int at = 0, ret;

	while (at < limit) {
		ret = demo_grab_slots_keep(s, want);
		if (ret < 0)
			/* ok: pair-kmalloc */
			return ret;
		if (ret == 0)
			break;
		at += ret;
		if (demo_should_stop(at))
			/* ruleid: pair-kmalloc */
			return -EBUSY;
	}
	demo_fill_slots(s);
	kfree(s->map);
	/* ok: pair-kmalloc */
	return 0;
}

/* A search that hands the caller the slot it found, the map filled for it: the
 * index it returns is a count it advanced, not an errno. */
static int good_search_returns_index(struct demo_slots *s, int want, int limit, int from)
{
	int at, ret;

	at = from > 0 ? from : 0;
	while (at < limit) {
		ret = demo_grab_slots(s, want);
		if (ret < 0)
			/* ok: pair-kmalloc */
			return ret;
		if (ret == 0)
			/* ok: pair-kmalloc */
			return at;
		at += ret;
	}
	/* ok: pair-kmalloc */
	return -ENOSPC;
}

/* The same index taken from a call may be an errno: leaving with it keeps the map. */
static int bad_search_returns_looked_up_index(struct demo_slots *s, int want)
{
	int at, ret;

	at = demo_first_free(s);
	ret = demo_grab_slots(s, want);
	if (ret < 0)
		/* ok: pair-kmalloc */
		return ret;
	if (ret == 0)
		/* ruleid: pair-kmalloc */
		return at;
	at += ret;
	/* ok: pair-kmalloc */
	return -ENOSPC;
}
