/* pair-spinlock-irqsave: the release is missed on the error path of bad(), not in good(). */
static int bad(struct demo *d)
{
	int ret;

	spin_lock_irqsave(&d->lock, flags);
	if (d->broken)
		/* ruleid: pair-spinlock-irqsave */
		return -EIO;
	spin_unlock_irqrestore(&d->lock, flags);
	/* ok: pair-spinlock-irqsave */
	return 0;
}

static int good(struct demo *d)
{
	int ret;

	spin_lock_irqsave(&d->lock, flags);
	if (d->broken) {
		spin_unlock_irqrestore(&d->lock, flags);
		/* ok: pair-spinlock-irqsave */
		return -EIO;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	/* ok: pair-spinlock-irqsave */
	return 0;
}
