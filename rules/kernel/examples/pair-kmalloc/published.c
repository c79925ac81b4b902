/* pair-kmalloc: an entry a helper allocates and links into the tree its caller gave is
 * the tree's; one a helper only returns is the caller's. */
struct demo_entry {
	struct rb_node node;
	int id;
	int count;
};

static struct demo_entry *demo_ref_get(struct demo_tree *t, int id)
{
	struct demo_entry *e = demo_lookup(t, id);

	if (e) {
		e->count++;
		return e;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	e->id = id;
	e->count = 1;
	demo_tree_insert(&e->node, &t->root);
	return e;
}

static int good_enable(struct demo *d, int id)
{
	struct demo_entry *e = demo_ref_get(&d->refs, id);

	if (IS_ERR(e))
		/* ok: pair-kmalloc */
		return PTR_ERR(e);
	if (demo_hw_enable(d, id))
		/* ok: pair-kmalloc */
		return -EIO;
	/* ok: pair-kmalloc */
	return 0;
}

static struct demo_entry *demo_entry_new(int id)
{
	struct demo_entry *e = kzalloc(sizeof(*e), GFP_KERNEL);

	if (!e)
		return ERR_PTR(-ENOMEM);
	e->id = id;
	return e;
}

static int bad_enable(struct demo *d, int id)
{
	struct demo_entry *e = demo_entry_new(id);

	if (IS_ERR(e))
		/* ok: pair-kmalloc */
		return PTR_ERR(e);
	if (demo_hw_enable(d, id))
		/* ruleid: pair-kmalloc */
		return -EIO;
	demo_tree_insert(&e->node, &d->refs.root);
	/* ok: pair-kmalloc */
	return 0;
}
