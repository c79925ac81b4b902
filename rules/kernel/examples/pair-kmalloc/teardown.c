/* pair-kmalloc: a table kept in the caller's object, which the object's teardown frees. */

struct demo_fs_info {
	u16 *map;
	int users;
	struct rcu_head rcu;
};

static void demo_free_map(struct demo_fs_info *fi)
{
	kvfree(fi->map);
}

/* Registered below, never called by name: the teardown of the object. */
static void demo_free_info_rcu(struct rcu_head *head)
{
	struct demo_fs_info *fi = container_of(head, struct demo_fs_info, rcu);

	demo_free_map(fi);
	kfree(fi);
}

static void demo_kill(struct demo_super *sb)
{
	call_rcu(&DEMO_FI(sb)->rcu, demo_free_info_rcu);
}

/* The map is in the superblock's object as soon as it is stored: a failed load leaves
 * it to the teardown, which runs after a failed setup too. */
static int good_load_map(struct demo_super *sb, const u16 *src, int n)
{
	struct demo_fs_info *fi = DEMO_FI(sb);
	u16 *map;
	int i;

	map = kvcalloc(n, sizeof(*map), GFP_KERNEL);
	if (!map)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	fi->map = map;
	for (i = 0; i < n; i++) {
		if (src[i] == 0xffff)
			/* ok: pair-kmalloc */
			return -EINVAL;
		map[i] = src[i];
	}
	/* ok: pair-kmalloc */
	return 0;
}

/* Kept in an object made here: nobody else frees it when the setup fails. */
static int bad_load_map_into_new_info(struct demo_super *sb, const u16 *src, int n)
{
	struct demo_fs_info *fi;
	u16 *map;

	fi = kzalloc(sizeof(*fi), GFP_KERNEL);
	if (!fi)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	map = kvcalloc(n, sizeof(*map), GFP_KERNEL);
	if (!map) {
		kfree(fi);
		/* ok: pair-kmalloc */
		return -ENOMEM;
	}
	fi->map = map;
	if (src[0] == 0xffff) {
		kfree(fi);
		/* ruleid: pair-kmalloc */
		return -EINVAL;
	}
	demo_set_info(sb, fi);
	/* ok: pair-kmalloc */
	return 0;
}

/* The object's own init hook: when it fails the object is discarded without its
 * teardown, so the map it stored is still its to free. */
static int bad_demo_fs_init(struct demo_super *sb, int n)
{
	struct demo_fs_info *fi = DEMO_FI(sb);

	fi->map = kvcalloc(n, sizeof(*fi->map), GFP_KERNEL);
	if (!fi->map)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	if (demo_hw_ready(sb) < 0)
		/* ruleid: pair-kmalloc */
		return -EIO;
	/* ok: pair-kmalloc */
	return 0;
}
