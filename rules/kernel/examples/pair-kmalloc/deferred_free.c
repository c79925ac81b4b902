/* pair-kmalloc: an object given to a helper that hands a member of it to an RCU callback,
 * which frees it; and one given only to a helper that reads it. */
struct demo_peer {
	struct rcu_head rcu;
	struct napi_struct napi;
	int id;
};

static struct demo_peer *demo_peer_create(int id)
{
	struct demo_peer *peer = kzalloc(sizeof(*peer), GFP_KERNEL);

	if (!peer)
		return ERR_PTR(-ENOMEM);
	peer->id = id;
	return peer;
}

static void demo_peer_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct demo_peer, rcu));
}

void demo_peer_release(struct demo_peer *peer)
{
	napi_disable(&peer->napi);
	call_rcu(&peer->rcu, demo_peer_free_rcu);
}

static int demo_peer_check(struct demo_peer *peer)
{
	return peer->id > 0 ? 0 : -EINVAL;
}

struct demo_peer *good_peer_new(int id, const void *addr)
{
	struct demo_peer *peer = demo_peer_create(id);

	if (IS_ERR(peer))
		/* ok: pair-kmalloc */
		return peer;
	if (!addr) {
		demo_peer_release(peer);
		/* ok: pair-kmalloc */
		return ERR_PTR(-EINVAL);
	}
	/* ok: pair-kmalloc */
	return peer;
}

struct demo_peer *bad_peer_new(int id, const void *addr)
{
	struct demo_peer *peer = demo_peer_create(id);

	if (IS_ERR(peer))
		/* ok: pair-kmalloc */
		return peer;
	if (demo_peer_check(peer))
		/* ruleid: pair-kmalloc */
		return ERR_PTR(-EINVAL);
	/* ok: pair-kmalloc */
	return peer;
}
