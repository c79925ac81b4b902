/* pair-kmalloc: frames a helper puts into the device object given to it, which the
 * device's last close frees; and the same helper filling an object made here. */

struct demo_cam {
	void *frames;
	void *still;
	unsigned long size;
	int users;
};

/* The driver's own allocator, a wrapper around vmalloc(). */
static void *demo_zalloc(unsigned long size)
{
	void *p = vmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

static void demo_free_frames(struct demo_cam *cam)
{
	vfree(cam->frames);
	cam->frames = NULL;
	vfree(cam->still);
	cam->still = NULL;
}

/* Registered below, never called by name: the teardown of the device's buffers. */
static int demo_cam_release(struct file *file)
{
	struct demo_cam *cam = demo_cam_of(file);

	if (--cam->users == 0)
		demo_free_frames(cam);
	return 0;
}

static const struct file_operations demo_cam_fops = {
	.release = demo_cam_release,
};

static int demo_alloc_still(struct demo_cam *cam)
{
	if (!cam->still) {
		cam->still = demo_zalloc(cam->size);
		if (!cam->still)
			return -ENOMEM;
	}
	return 0;
}

static int demo_alloc_frames(struct demo_cam *cam, int count)
{
	int err = demo_alloc_still(cam);

	if (err < 0)
		/* ok: pair-kmalloc */
		return err;
	cam->frames = vmalloc(cam->size * count);
	if (!cam->frames)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	/* ok: pair-kmalloc */
	return 0;
}

/* The frames stay in the device until its last close, whatever this request does next. */
static int good_request_buffers(struct file *file, int count)
{
	struct demo_cam *cam = demo_cam_of(file);
	int err;

	err = demo_alloc_frames(cam, count);
	if (err < 0)
		/* ok: pair-kmalloc */
		return err;
	if (count > 32)
		/* ok: pair-kmalloc */
		return -EINVAL;
	/* ok: pair-kmalloc */
	return 0;
}

/* An object made here has no teardown yet: its still image goes with it or leaks. */
static struct demo_cam *bad_new_cam(unsigned long size)
{
	struct demo_cam *cam = kzalloc(sizeof(*cam), GFP_KERNEL);

	if (!cam)
		/* ok: pair-kmalloc */
		return NULL;
	cam->size = size;
	cam->still = demo_zalloc(size);
	if (!cam->still) {
		kfree(cam);
		/* ok: pair-kmalloc */
		return NULL;
	}
	if (size > SZ_16M) {
		kfree(cam);
		/* ruleid: pair-kmalloc */
		return NULL;
	}
	/* ok: pair-kmalloc */
	return cam;
}
