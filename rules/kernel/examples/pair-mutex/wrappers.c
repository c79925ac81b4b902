/* pair-mutex: a function that takes a lock for its caller and never drops it is the
 * caller's to balance; one that drops it on some paths must on all. */
static void demo_cfg_lock(struct demo *d)
{
	mutex_lock(&d->cfg_lock);
	/* ok: pair-mutex */
	return;
}

static struct demo_task *demo_task_find_lock(struct demo *d, int id)
{
	struct demo_task *t = demo_task_find(d, id);

	if (t)
		mutex_lock(&t->lock);
	/* ok: pair-mutex */
	return t;
}

static int bad_cfg_update(struct demo *d, int val)
{
	mutex_lock(&d->cfg_lock);
	if (val < 0)
		/* ruleid: pair-mutex */
		return -EINVAL;
	d->val = val;
	mutex_unlock(&d->cfg_lock);
	/* ok: pair-mutex */
	return 0;
}
