/* pair-mutex-interruptible: tested where it is called; a failed lock owes nothing. */
static ssize_t bad(struct demo *d, char *buf)
{
	ssize_t len;

	if (mutex_lock_interruptible(&d->lock))
		/* ok: pair-mutex-interruptible */
		return -ERESTARTSYS;
	if (!d->ready)
		/* ruleid: pair-mutex-interruptible */
		return -EAGAIN;
	len = demo_fill(d, buf);
	mutex_unlock(&d->lock);
	/* ok: pair-mutex-interruptible */
	return len;
}

static int good(struct demo *d)
{
	int ret;

	ret = mutex_lock_killable(&d->lock);
	if (ret < 0)
		/* ok: pair-mutex-interruptible */
		return ret;
	ret = demo_apply(d);
	mutex_unlock(&d->lock);
	/* ok: pair-mutex-interruptible */
	return ret;
}

static int ignored(struct demo *d)
{
	int ret;

	/* ruleid: pair-mutex-interruptible */
	mutex_lock_interruptible(&d->lock);
	ret = demo_apply(d);
	mutex_unlock(&d->lock);
	/* ok: pair-mutex-interruptible */
	return ret;
}
