/* pair-mutex: cleanup.h forms release the lock by themselves; a plain lock next to them
 * still has to be released. */
static int guarded(struct demo *d)
{
	guard(mutex)(&d->lock);
	if (d->broken)
		/* ok: pair-mutex */
		return -EIO;
	mutex_lock(&d->other);
	if (d->busy)
		/* ruleid: pair-mutex */
		return -EBUSY;
	mutex_unlock(&d->other);
	/* ok: pair-mutex */
	return 0;
}

static int scoped(struct demo *d)
{
	scoped_guard(mutex, &d->lock) {
		if (d->broken)
			/* ok: pair-mutex */
			return -EIO;
		d->count++;
	}
	mutex_lock(&d->other);
	if (d->busy)
		/* ruleid: pair-mutex */
		return -EBUSY;
	mutex_unlock(&d->other);
	/* ok: pair-mutex */
	return 0;
}

static int conditional(struct demo *d)
{
	scoped_cond_guard(mutex_intr, return -EINTR, &d->lock) {
		if (d->broken)
			/* ok: pair-mutex */
			return -EIO;
		mutex_lock(&d->other);
		if (d->busy)
			/* ruleid: pair-mutex */
			return -EBUSY;
		mutex_unlock(&d->other);
	}
	/* ok: pair-mutex */
	return 0;
}

static struct demo_key *relocked(struct demo *d, struct demo_conf *conf)
{
	struct demo_key *key;

	/* entered with d->lock held: let go of it around a call that takes it */
	mutex_unlock(&d->lock);
	key = demo_add_key(d, conf);
	mutex_lock(&d->lock);

	if (IS_ERR(key))
		/* ok: pair-mutex */
		return NULL;
	/* ok: pair-mutex */
	return key;
}
