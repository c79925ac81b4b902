/* pair-kmalloc: setting up a lock, list head or work inside a new object does not hand
 * the object on; linking it into a list does. */
struct demo_ring {
	struct mutex lock;
	struct list_head pending;
	struct list_head node;
	struct work_struct work;
	int size;
};

static int bad_ring_setup(struct demo *d, int size)
{
	struct demo_ring *ring = kzalloc(sizeof(*ring), GFP_KERNEL);

	if (!ring)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	mutex_init(&ring->lock);
	INIT_LIST_HEAD(&ring->pending);
	INIT_WORK(&ring->work, demo_ring_work);
	if (size > DEMO_RING_MAX)
		/* ruleid: pair-kmalloc */
		return -EINVAL;
	ring->size = size;
	d->ring = ring;
	/* ok: pair-kmalloc */
	return 0;
}

static int good_ring_add(struct demo *d, int size)
{
	struct demo_ring *ring = kzalloc(sizeof(*ring), GFP_KERNEL);

	if (!ring)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	mutex_init(&ring->lock);
	list_add_tail(&ring->node, &d->rings);
	if (size > DEMO_RING_MAX)
		/* ok: pair-kmalloc */
		return -EINVAL;
	ring->size = size;
	/* ok: pair-kmalloc */
	return 0;
}
