/* hv_irq_unmask() that returns early when the retarget hypercall fails. */
enum hv_pcibus_state { hv_pcibus_init = 0, hv_pcibus_probed, hv_pcibus_installed,
		       hv_pcibus_removing };

static void hv_irq_unmask(struct irq_data *data)
{
	struct hv_pcibus_device *hbus;
	unsigned long flags;
	u64 res;

	hbus = container_of(data->chip_data, struct hv_pcibus_device, sysdata);
	spin_lock_irqsave(&hbus->retarget_msi_interrupt_lock, flags);
	res = hv_do_hypercall(HVCALL_RETARGET_INTERRUPT, NULL, NULL);
	spin_unlock_irqrestore(&hbus->retarget_msi_interrupt_lock, flags);
	if (res) {
		dev_err(&hbus->hdev->device, "%s() failed: %#llx", __func__, res);
		/* ruleid: hv-unmask-behaviour */
		return;
	}
	pci_msi_unmask_irq(data);
	/* ok: hv-unmask-behaviour */
}
