/* pair-usb-dev: a probe that takes the USB device drops it again when it fails. */
static int bad(struct usb_interface *intf)
{
	struct demo *d;
	int ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		/* ok: pair-usb-dev */
		return -ENOMEM;
	d->udev = usb_get_dev(interface_to_usbdev(intf));
	ret = demo_setup_urbs(d);
	if (ret)
		goto out_free;
	/* ok: pair-usb-dev */
	return 0;
out_free:
	kfree(d);
	/* ruleid: pair-usb-dev */
	return ret;
}

static int good(struct usb_interface *intf)
{
	struct demo *d;
	int ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		/* ok: pair-usb-dev */
		return -ENOMEM;
	d->udev = usb_get_dev(interface_to_usbdev(intf));
	ret = demo_setup_urbs(d);
	if (ret)
		goto out_put;
	/* ok: pair-usb-dev */
	return 0;
out_put:
	usb_put_dev(d->udev);
	kfree(d);
	/* ok: pair-usb-dev */
	return ret;
}

static int untested(struct usb_device *udev, struct demo *d)
{
	usb_get_dev(udev);
	if (demo_claim(d))
		/* ruleid: pair-usb-dev */
		return -EBUSY;
	d->udev = udev;
	/* ok: pair-usb-dev */
	return 0;
}
