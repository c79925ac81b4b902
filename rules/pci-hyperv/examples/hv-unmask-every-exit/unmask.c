/* The shape of hv_irq_unmask() before the fix: the failure return skips the unmask. */
static void hv_irq_unmask(struct irq_data *data)
{
	u64 res;

	spin_lock_irqsave(&hbus->retarget_msi_interrupt_lock, flags);
	res = hv_do_hypercall(HVCALL_RETARGET_INTERRUPT, params, NULL);
	spin_unlock_irqrestore(&hbus->retarget_msi_interrupt_lock, flags);
	if (res) {
		dev_err(&hbus->hdev->device, "%s() failed: %#llx", __func__, res);
		/* ruleid: hv-unmask-every-exit */
		return;
	}
	pci_msi_unmask_irq(data);
	/* ok: hv-unmask-every-exit */
}
