/* pair-rcu-read: the release is missed on the error path of bad(), not in good(). */
static int bad(struct demo *d)
{
	int ret;

	rcu_read_lock();
	if (d->broken)
		/* ruleid: pair-rcu-read */
		return -EIO;
	rcu_read_unlock();
	/* ok: pair-rcu-read */
	return 0;
}

static int good(struct demo *d)
{
	int ret;

	rcu_read_lock();
	if (d->broken) {
		rcu_read_unlock();
		/* ok: pair-rcu-read */
		return -EIO;
	}
	rcu_read_unlock();
	/* ok: pair-rcu-read */
	return 0;
}
