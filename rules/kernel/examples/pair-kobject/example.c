/* pair-kobject: kobject_init_and_add() needs kobject_put() even when it fails. */
static int demo_bad_add(struct demo *d, struct kobject *parent)
{
	int ret;

	ret = kobject_init_and_add(&d->kobj, &demo_ktype, parent, "demo%d", d->id);
	if (ret)
		/* ruleid: pair-kobject */
		return ret;
	/* ok: pair-kobject */
	return 0;
}

static int demo_good_add(struct demo *d, struct kobject *parent)
{
	int ret;

	ret = kobject_init_and_add(&d->kobj, &demo_ktype, parent, "demo%d", d->id);
	if (ret) {
		kobject_put(&d->kobj);
		/* ok: pair-kobject */
		return ret;
	}
	/* ok: pair-kobject */
	return 0;
}
