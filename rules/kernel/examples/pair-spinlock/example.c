/* pair-spinlock: the release is missed on the error path of bad(), not in good(). */
static int bad(struct demo *d)
{
	int ret;

	spin_lock(&d->lock);
	if (d->broken)
		/* ruleid: pair-spinlock */
		return -EIO;
	spin_unlock(&d->lock);
	/* ok: pair-spinlock */
	return 0;
}

static int good(struct demo *d)
{
	int ret;

	spin_lock(&d->lock);
	if (d->broken) {
		spin_unlock(&d->lock);
		/* ok: pair-spinlock */
		return -EIO;
	}
	spin_unlock(&d->lock);
	/* ok: pair-spinlock */
	return 0;
}
