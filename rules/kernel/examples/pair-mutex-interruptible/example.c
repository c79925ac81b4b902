/* pair-mutex-interruptible: the release is missed on the error path of bad(), not in good(). */
static int bad(struct demo *d)
{
	int ret;

	ret = mutex_lock_interruptible(&d->lock);
	if (ret)
		return ret;
	if (d->broken)
		/* ruleid: pair-mutex-interruptible */
		return -EIO;
	mutex_unlock(&d->lock);
	/* ok: pair-mutex-interruptible */
	return 0;
}

static int good(struct demo *d)
{
	int ret;

	ret = mutex_lock_interruptible(&d->lock);
	if (ret)
		return ret;
	if (d->broken) {
		mutex_unlock(&d->lock);
		/* ok: pair-mutex-interruptible */
		return -EIO;
	}
	mutex_unlock(&d->lock);
	/* ok: pair-mutex-interruptible */
	return 0;
}
