/* pair-usb-dev: a driver's named status (_SUCCESS, _FAIL) says which exits fail. */
static int bad(struct demo_dvobj *d, struct usb_interface *intf)
{
	int status = _FAIL;

	d->udev = usb_get_dev(interface_to_usbdev(intf));
	if (demo_setup(d) < 0)
		/* ruleid: pair-usb-dev */
		return status;
	status = _SUCCESS;
	/* ok: pair-usb-dev */
	return status;
}

static int good(struct demo_dvobj *d, struct usb_interface *intf)
{
	int status = _FAIL;

	d->udev = usb_get_dev(interface_to_usbdev(intf));
	if (demo_setup(d) < 0)
		goto put;
	status = _SUCCESS;
put:
	if (status != _SUCCESS)
		usb_put_dev(d->udev);
	/* ok: pair-usb-dev */
	return status;
}
