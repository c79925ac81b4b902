/* pair-spinlock: a lock taken under a parameter's test is released under the same test. */
static void bad(struct demo_mlme *mlme, bool lock_queue)
{
	if (lock_queue)
		spin_lock_bh(&mlme->queue_lock);
	if (demo_drop_network(mlme))
		/* ruleid: pair-spinlock */
		return;
	if (lock_queue)
		spin_unlock_bh(&mlme->queue_lock);
	/* ok: pair-spinlock */
}

static void good(struct demo_mlme *mlme, bool lock_queue)
{
	if (lock_queue)
		spin_lock_bh(&mlme->queue_lock);
	demo_drop_network(mlme);
	if (lock_queue)
		spin_unlock_bh(&mlme->queue_lock);
	/* ok: pair-spinlock */
}
