/* pair-mutex: the release is missed on the error path of bad(), not in good(). */
static int bad(struct demo *d)
{
	int ret;

	mutex_lock(&d->lock);
	if (d->broken)
		/* ruleid: pair-mutex */
		return -EIO;
	mutex_unlock(&d->lock);
	/* ok: pair-mutex */
	return 0;
}

static int good(struct demo *d)
{
	int ret;

	mutex_lock(&d->lock);
	if (d->broken) {
		mutex_unlock(&d->lock);
		/* ok: pair-mutex */
		return -EIO;
	}
	mutex_unlock(&d->lock);
	/* ok: pair-mutex */
	return 0;
}
