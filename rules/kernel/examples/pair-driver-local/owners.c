/* pair-driver-local: an allocator that fills a caller's object for an owner. */

static int demo_alloc_blocks(struct demo_inode *di, unsigned int count, struct demo_run *run)
{
	run->first = demo_bitmap_take(di->vol, count);
	if (run->first < 0)
		/* ok: pair-driver-local */
		return -ENOSPC;
	run->count = count;
	/* ok: pair-driver-local */
	return 0;
}

static int demo_free_blocks(struct demo_inode *di, struct demo_run *run)
{
	/* ok: pair-driver-local */
	return demo_bitmap_give(di->vol, run->first, run->count);
}

/* The blocks land in ``run`` and are linked into the inode's chain: the inode (the
 * first argument) is their owner, not what was taken. */
static int demo_grow(struct demo_inode *di, unsigned int count)
{
	struct demo_run run;
	int ret;

	ret = demo_alloc_blocks(di, count, &run);
	if (ret)
		/* ok: pair-driver-local */
		return ret;
	if (demo_link_run(di, &run))
		/* ok: pair-driver-local */
		return -EIO;
	di->last = run.first + run.count - 1;
	/* ok: pair-driver-local */
	return 0;
}
