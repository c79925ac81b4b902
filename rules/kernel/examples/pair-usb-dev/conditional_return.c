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
