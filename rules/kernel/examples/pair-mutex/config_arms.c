/* pair-mutex: a lock taken and dropped under the same #if: a path keeps to one arm. */
static int good_same_arms(struct demo_node *dn, u32 __user *out)
{
	u32 flags;

#if DEMO_API_VERSION >= 3
	demo_lock_shared(dn);
#else
	mutex_lock(&dn->lock);
#endif
	flags = demo_read_flags(dn);
#if DEMO_API_VERSION >= 3
	demo_unlock_shared(dn);
#else
	mutex_unlock(&dn->lock);
#endif
	/* ok: pair-mutex */
	return put_user(flags, out);
}

/* The later block tests another condition: its arm without the unlock is possible. */
static int bad_other_condition(struct demo_node *dn, u32 __user *out)
{
	u32 flags;

#if DEMO_API_VERSION >= 3
	demo_lock_shared(dn);
#else
	mutex_lock(&dn->lock);
#endif
	flags = demo_read_flags(dn);
#ifdef DEMO_SHARED_UNLOCK
	demo_unlock_shared(dn);
#else
	mutex_unlock(&dn->lock);
#endif
	/* ruleid: pair-mutex */
	return put_user(flags, out);
}
