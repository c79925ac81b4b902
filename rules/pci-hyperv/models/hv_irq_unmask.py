"""Model of MSI masking and routing around hv_irq_unmask(), across hibernation.

State (one MSI of one device behind one Hyper-V PCI bus):
  msi.masked    desc->masked as the IRQ core sees it
  msi.affinity  the CPUs Linux recorded in irq_data (effective affinity)
  msi.routed    the CPUs the hypervisor delivers the MSI to
  hbus.state    enum hv_pcibus_state; hbus.protocol_version; hbus.lock_held
  channel_open  whether the vmbus channel is open (closed while hibernating)
  hibernating, errors, errors_in_hibernation, online_cpus
Scenario knobs: hypercall_status (None: success while the channel is open,
HV_STATUS_INVALID_PARAMETER when it is closed), alloc_ok, nr_bank (None: unknown,
both outcomes explored).

Reports name the state as the driver does (TERMS, ENUMS): a reviewer reads
``desc->masked`` and ``hbus->state == hv_pcibus_probed``, not the model's fields.
"""

from bot.model.api import Call, Event, Invariant, Model, Obj, Scenario, Unknown

HV_STATUS_INVALID_PARAMETER = 0x5
PROTOCOL_1_1, PROTOCOL_1_2 = 0x00010001, 0x00010002
INSTALLED, REMOVING, PROBED = 2, 3, 1  # enum hv_pcibus_state of the driver
TERMS = {
    "msi.masked": "desc->masked",
    "msi.affinity": "effective affinity",
    "msi.routed": "CPUs the hypervisor delivers to",
    "hbus.state": "hbus->state",
    "hbus.lock_held": "spin_is_locked(&hbus->retarget_msi_interrupt_lock)",
}
ENUMS = {"hbus.state": "hv_pcibus_state"}


def system(masked=True, affinity=(0,), routed=(), state=INSTALLED,
           protocol=PROTOCOL_1_2, alloc_ok=True, nr_bank=1, status=None):
    st = Obj("system")
    st.msi = Obj("msi", masked=masked, affinity=frozenset(affinity), routed=frozenset(routed))
    st.irq_data = Obj("irq_data")
    st.hbus = Obj("hbus", state=state, lock_held=False,
                  protocol_version=Unknown("protocol_version") if protocol is None else protocol)
    st.channel_open = True
    st.hibernating = False
    st.errors = []
    st.errors_in_hibernation = []
    st.online_cpus = frozenset(range(4))
    st.alloc_ok, st.nr_bank, st.hypercall_status = alloc_ok, nr_bank, status
    return st


# stubs: what the functions hv_irq_unmask() calls do to the model ------------

def _lock(call):
    if call.state.hbus.lock_held:
        call.note("lock taken twice")
    call.state.hbus.lock_held = True


def _unlock(call):
    call.state.hbus.lock_held = False


def _hypercall(call):
    st = call.state
    status = st.hypercall_status
    if status is None:
        status = 0 if st.channel_open else HV_STATUS_INVALID_PARAMETER
    if status == 0:
        st.msi.routed = st.msi.affinity & st.online_cpus
        call.note(f"the hypervisor routes the MSI to CPUs {sorted(st.msi.routed)}")
    elif status == HV_STATUS_INVALID_PARAMETER:
        call.note("fails with HV_STATUS_INVALID_PARAMETER")
    return status


def _dev_err(call):
    st = call.state
    st.errors.append(f'dev_err() at line {call.line} logs "{call.args[1]}"'
                     if len(call.args) > 1 else f"dev_err() at line {call.line}")
    if st.hibernating:
        st.errors_in_hibernation.append(st.errors[-1])
    call.note("logs an error")


def _unmask(call):
    call.state.msi.masked = False
    call.note("unmasks the MSI")


def _mask(call):
    call.state.msi.masked = True
    call.note("masks the MSI")


def _knob(name):
    def stub(call):
        value = getattr(call.state, name)
        return Unknown(name) if value is None else value
    return stub


STUBS = {
    "spin_lock_irqsave": _lock,
    "spin_unlock_irqrestore": _unlock,
    "hv_do_hypercall": _hypercall,
    "dev_err": _dev_err,
    "pci_msi_unmask_irq": _unmask,
    "pci_msi_mask_irq": _mask,
    "container_of": lambda call: call.state.hbus,
    "irq_data_get_effective_affinity_mask": lambda call: call.state.msi.affinity,
    "alloc_cpumask_var": _knob("alloc_ok"),
    "cpumask_to_vpset": _knob("nr_bank"),
    "for_each_cpu_and": lambda call: len(call.state.msi.affinity & call.state.online_cpus),
}

# invariants ------------------------------------------------------------------

UNLOCKED = Invariant("lock released", lambda st: "hv_irq_unmask() returned holding "
                     "retarget_msi_interrupt_lock" if st.hbus.lock_held else None)
UNMASKED = Invariant("MSI unmasked", lambda st: "the MSI stays masked (desc->masked)"
                     if st.msi.masked else None)
ROUTED = Invariant("routed to the affinity", lambda st: None
                   if st.msi.routed == st.msi.affinity & st.online_cpus
                   else f"the hypervisor routes the MSI to CPUs {sorted(st.msi.routed)}, "
                        f"Linux recorded {sorted(st.msi.affinity)}")
QUIET = Invariant("no error logged during hibernation", lambda st: "during hibernation "
                  + st.errors_in_hibernation[0] if st.errors_in_hibernation else None,
                  severity="warning")
ERROR_LOGGED = Invariant("failure logged", lambda st: None if st.errors else
                         "the failed hypercall was not logged", severity="warning")

UNMASK = Call(lambda st: [st.irq_data], "hv_irq_unmask(data) runs")


def _suspend(st):
    st.hbus.state = REMOVING
    st.channel_open = False
    st.hibernating = True


def _cpus_offline(st):
    st.msi.masked = True
    st.msi.affinity = frozenset({0})
    st.online_cpus = frozenset({0})


def _resume(st):
    st.hibernating = False
    st.online_cpus = frozenset(range(4))
    st.channel_open = True
    st.hbus.state = INSTALLED
    if not st.msi.masked:
        st.msi.routed = st.msi.affinity & st.online_cpus


SCENARIOS = [
    Scenario("first-activation", "the first activation, when the hypercall succeeds",
             lambda: system(masked=True, affinity={1}),
             [UNMASK], [UNMASKED, ROUTED], [UNLOCKED]),
    Scenario("affinity-change", "an affinity change at run time",
             lambda: system(masked=False, affinity={0}, routed={0}),
             [Event("hv_set_affinity() records CPUs {2,3}",
                    lambda st: setattr(st.msi, "affinity", frozenset({2, 3}))), UNMASK],
             [UNMASKED, ROUTED], [UNLOCKED]),
    Scenario("hibernation", "hibernation, when CPUs go offline after hv_pci_suspend() "
             "closed the channel and hv_do_hypercall() fails with "
             "HV_STATUS_INVALID_PARAMETER",
             lambda: system(masked=False, affinity={0, 1, 2, 3}, routed={0, 1, 2, 3}),
             [Event("hv_pci_suspend(): hbus->state = hv_pcibus_removing, channel closed",
                    _suspend),
              Event("CPUs 1-3 go offline: migrate_one_irq() masks the MSI and "
                    "hv_set_affinity() records CPU 0", _cpus_offline),
              Call(lambda st: [st.irq_data], "hv_irq_unmask(data) runs, hv_do_hypercall() "
                   "fails with HV_STATUS_INVALID_PARAMETER"),
              Event("resume: hv_pci_resume() -> hv_pci_restore_msi_state() re-targets "
                    "every MSI that is not masked", _resume)],
             [UNMASKED, ROUTED, QUIET], [UNLOCKED]),
    Scenario("removal-before-init", "an early removal, when "
             "hv_do_hypercall() fails with HV_STATUS_INVALID_PARAMETER while "
             "hbus->state == hv_pcibus_probed",
             lambda: system(masked=True, affinity={1}, state=PROBED,
                            status=HV_STATUS_INVALID_PARAMETER),
             [UNMASK], [UNMASKED, ERROR_LOGGED], [UNLOCKED]),
    Scenario("protocol-and-allocation", "every protocol version, with "
             "alloc_cpumask_var() and cpumask_to_vpset() failing or not",
             lambda: system(masked=True, affinity={1}, protocol=None, alloc_ok=None,
                            nr_bank=None),
             [UNMASK], [UNMASKED], [UNLOCKED]),
]

MODEL = Model("hv_irq_unmask", STUBS, SCENARIOS, terms=TERMS, enums=ENUMS)
