/* pair-drm-dev-enter: the cookie drm_dev_enter() fills is what drm_dev_exit() takes. */
static int bad(struct drm_device *ddev, struct demo_args *args)
{
	int cookie, ret;

	if (!drm_dev_enter(ddev, &cookie))
		/* ok: pair-drm-dev-enter */
		return -ENODEV;
	if (args->flags & DEMO_BAD_FLAGS)
		/* ruleid: pair-drm-dev-enter */
		return -EINVAL;
	ret = demo_create(ddev, args);
	drm_dev_exit(cookie);
	/* ok: pair-drm-dev-enter */
	return ret;
}

static int good(struct drm_device *ddev, struct demo_args *args)
{
	int cookie, ret;

	if (!drm_dev_enter(ddev, &cookie))
		/* ok: pair-drm-dev-enter */
		return -ENODEV;
	if (args->flags & DEMO_BAD_FLAGS) {
		ret = -EINVAL;
		goto out_exit;
	}
	ret = demo_create(ddev, args);
out_exit:
	drm_dev_exit(cookie);
	/* ok: pair-drm-dev-enter */
	return ret;
}
