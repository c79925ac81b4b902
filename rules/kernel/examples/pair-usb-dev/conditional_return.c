/* pair-usb-dev: 'return ok ? 0 : -E;' fails only where the path left ok false. */
static int bad(struct demo_dvobj *d, struct usb_interface *intf)
{
	int status = _FAIL;

	d->udev = usb_get_dev(interface_to_usbdev(intf));
	if (demo_start(d) < 0)
		goto out;
	status = _SUCCESS;
out:
	/* ruleid: pair-usb-dev */
	return status == _SUCCESS ? 0 : -ENODEV;
}

static int good(struct demo_dvobj *d, struct usb_interface *intf)
{
	int status = _FAIL;

	d->udev = usb_get_dev(interface_to_usbdev(intf));
	if (demo_start(d) < 0)
		goto put;
	status = _SUCCESS;
put:
	if (status != _SUCCESS)
		usb_put_dev(d->udev);
	/* ok: pair-usb-dev */
	return status == _SUCCESS ? 0 : -ENODEV;
}

/* A helper takes the reference; a status never given a failure value is still not
 * _SUCCESS where a test said so: the unwind's return is an error return, and the probe
 * keeps the reference only on its success path. */
static struct demo_dvobj *demo_dvobj_init(struct usb_interface *intf)
{
	struct demo_dvobj *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return NULL;
	usb_get_dev(interface_to_usbdev(intf));
	return d;
}

static void demo_dvobj_deinit(struct usb_interface *intf)
{
	kfree(usb_get_intfdata(intf));
	usb_put_dev(interface_to_usbdev(intf));
}

static int good_probe_status_set_on_success_only(struct usb_interface *intf)
{
	struct demo_dvobj *d;
	int status;

	d = demo_dvobj_init(intf);
	if (!d)
		goto exit;
	if (demo_start(d) < 0)
		goto deinit;
	status = _SUCCESS;
deinit:
	if (status != _SUCCESS)
		demo_dvobj_deinit(intf);
exit:
	/* ok: pair-usb-dev */
	return status == _SUCCESS ? 0 : -ENODEV;
}
