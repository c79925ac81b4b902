/* pair-mutex-trylock: mutex_trylock() returns 1 when it took the lock. */
static int bad(struct demo *d)
{
	if (!mutex_trylock(&d->lock))
		/* ok: pair-mutex-trylock */
		return -EBUSY;
	if (d->broken)
		/* ruleid: pair-mutex-trylock */
		return -EIO;
	mutex_unlock(&d->lock);
	/* ok: pair-mutex-trylock */
	return 0;
}

static bool good(struct demo *d)
{
	if (mutex_trylock(&d->lock)) {
		d->count++;
		mutex_unlock(&d->lock);
		/* ok: pair-mutex-trylock */
		return true;
	}
	/* ok: pair-mutex-trylock */
	return false;
}
