/* pair-pm-runtime: a stream switch keeps the device powered while it streams, and drops
 * the reference when asked to stop. */
static int good_set_stream(struct v4l2_subdev *sd, int enable)
{
	struct demo_sensor *s = to_demo_sensor(sd);
	int ret = 0;

	mutex_lock(&s->lock);
	if (enable) {
		ret = pm_runtime_resume_and_get(s->dev);
		if (ret < 0)
			goto unlock;
		ret = demo_start(s);
		if (ret) {
			pm_runtime_put(s->dev);
			goto unlock;
		}
	} else {
		demo_stop(s);
		pm_runtime_put(s->dev);
	}
unlock:
	mutex_unlock(&s->lock);
	/* ok: pair-pm-runtime */
	return ret;
}

static int bad_set_stream(struct v4l2_subdev *sd, int enable)
{
	struct demo_sensor *s = to_demo_sensor(sd);
	int ret = 0;

	if (!enable) {
		demo_stop(s);
		pm_runtime_put(s->dev);
		/* ok: pair-pm-runtime */
		return 0;
	}
	ret = pm_runtime_resume_and_get(s->dev);
	if (ret < 0)
		/* ok: pair-pm-runtime */
		return ret;
	ret = demo_start(s);
	if (ret)
		/* ruleid: pair-pm-runtime */
		return ret;
	/* ok: pair-pm-runtime */
	return 0;
}
