/* pair-kmalloc: a local that takes over the buffer names it from there on. */

/* The longer name replaces the short one; the frees through "name" free it. */
static int good_take_over_name(struct demo_ent *e, const char *prefix)
{
	char *name, *full;

	name = kstrdup(e->label, GFP_KERNEL);
	if (!name)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	if (e->nested) {
		full = kasprintf(GFP_KERNEL, "%s/%s", prefix, e->label);
		if (!full) {
			kfree(name);
			/* ok: pair-kmalloc */
			return -ENOMEM;
		}
		kfree(name);
		name = full;
	}
	if (demo_name_taken(e->dir, e->label)) {
		kfree(name);
		/* ok: pair-kmalloc */
		return -EEXIST;
	}
	demo_set_name(e, name);
	/* ok: pair-kmalloc */
	return 0;
}

/* The same without the free on the taken name: either buffer is left behind. */
static int bad_take_over_name(struct demo_ent *e, const char *prefix)
{
	char *name, *full;

	name = kstrdup(e->label, GFP_KERNEL);
	if (!name)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	if (e->nested) {
		full = kasprintf(GFP_KERNEL, "%s/%s", prefix, e->label);
		if (!full) {
			kfree(name);
			/* ok: pair-kmalloc */
			return -ENOMEM;
		}
		kfree(name);
		name = full;
	}
	if (demo_name_taken(e->dir, e->label))
		/* ruleid: pair-kmalloc */
		return -EEXIST;
	demo_set_name(e, name);
	/* ok: pair-kmalloc */
	return 0;
}
