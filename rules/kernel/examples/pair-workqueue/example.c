/* pair-workqueue: the init keeps the workqueue when it succeeds, not when it fails. */
static int bad(struct demo_dev *dd)
{
	int ret;

	dd->txq_wq = alloc_workqueue("demo_tx_wq", WQ_UNBOUND | WQ_HIGHPRI, 0);
	ret = demo_load_firmware(dd);
	if (ret)
		/* ruleid: pair-workqueue */
		return ret;
	/* ok: pair-workqueue */
	return 0;
}

static int good(struct demo_dev *dd)
{
	int ret;

	dd->txq_wq = alloc_workqueue("demo_tx_wq", WQ_UNBOUND | WQ_HIGHPRI, 0);
	if (!dd->txq_wq)
		/* ok: pair-workqueue */
		return -ENOMEM;
	ret = demo_load_firmware(dd);
	if (ret) {
		destroy_workqueue(dd->txq_wq);
		/* ok: pair-workqueue */
		return ret;
	}
	/* ok: pair-workqueue */
	return 0;
}
