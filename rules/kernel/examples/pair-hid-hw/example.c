/* pair-hid-hw: a HID device started in probe is stopped when a later step fails. */
static int good_probe(struct hid_device *hdev, const struct hid_device_id *id)
{
	int ret;

	ret = hid_parse(hdev);
	if (ret)
		/* ok: pair-hid-hw */
		return ret;
	ret = hid_hw_start(hdev, HID_CONNECT_DEFAULT);
	if (ret)
		/* ok: pair-hid-hw */
		return ret;
	ret = demo_init_leds(hdev);
	if (ret)
		goto err_stop;
	/* ok: pair-hid-hw */
	return 0;
err_stop:
	hid_hw_stop(hdev);
	/* ok: pair-hid-hw */
	return ret;
}

static int bad_probe(struct hid_device *hdev, const struct hid_device_id *id)
{
	int ret;

	ret = hid_hw_start(hdev, HID_CONNECT_DEFAULT);
	if (ret)
		/* ok: pair-hid-hw */
		return ret;
	ret = demo_init_leds(hdev);
	if (ret)
		/* ruleid: pair-hid-hw */
		return ret;
	/* ok: pair-hid-hw */
	return 0;
}
