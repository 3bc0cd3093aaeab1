package vdm.xen;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import vdm.errno.Errno;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.IoApic;
import vdm.ioapic.RecordingSink;

/**
 * An HVM guest's interrupt side: its virtual IO-APIC (48 pins, version 0x11, as Xen's vioapic for domUs) and the
 * INTx bindings of passed-through devices (XEN_DOMCTL_bind_pt_irq): machine irq (== GSI) -> guest pirq -> guest
 * GSI {@code 16 + ((device << 2) + (device >> 3) + intx) & 31} (Xen's hvm_pci_intx_gsi).
 */
public final class GuestInterrupts {
    public static final int PINS = 48;

    /** A bound INTx: the guest pirq, the machine irq it maps, and where the guest sees it. */
    public record Binding(int pirq, int machineIrq, int guestDevice, int intx, int guestGsi) {}

    private final Xen xen;
    private final Domain domain;
    private final RecordingSink delivered = new RecordingSink();
    private final IoApic vioapic;
    private final Map<Integer, Binding> byMachineIrq = new ConcurrentHashMap<>();

    GuestInterrupts(Xen xen, Domain domain) {
        this.xen = xen;
        this.domain = domain;
        InterruptSink sink = delivered;
        this.vioapic = IoApic.builder().id(1).pins(PINS).version(IoApic.VERSION_11).sink(sink).build();
    }

    /** The guest's IO-APIC, which the guest programs like any IO-APIC. */
    public IoApic vioapic() { return vioapic; }

    /** What the guest's IO-APIC delivered (the guest "receives" these vectors). */
    public RecordingSink delivered() { return delivered; }

    public static int intxGsi(int device, int intx) {
        return 16 + (((device << 2) + (device >> 3) + intx) & 31);
    }

    public Map<Integer, Binding> bindings() {
        return Map.copyOf(byMachineIrq);
    }

    /**
     * XEN_DOMCTL_bind_pt_irq for PCI INTx: the guest pirq must be mapped ({@code -EINVAL}), the guest must be
     * allowed the machine irq ({@code -EPERM}) and its pin must be set up ({@code -EINVAL}); then the physical pin
     * is unmasked (pirq_guest_bind starts the irq).
     */
    public int bind(Domain caller, int pirq, int guestDevice, int intx) {
        int rc = doBind(caller, pirq, guestDevice, intx);
        return xen.traced(caller, "XEN_DOMCTL_bind_pt_irq", rc, "domid=%d machine_irq=%d device=%d intx=%d", domain.id(),
                pirq, guestDevice, intx);
    }

    private int doBind(Domain caller, int pirq, int guestDevice, int intx) {
        if (!caller.isHardwareDomain()) return -Errno.EPERM;
        int irq = domain.pirqs().irq(pirq);
        if (irq <= 0) return -Errno.EINVAL;
        if (!domain.irqPermitted(irq)) return -Errno.EPERM;
        IoApicRouting routing = xen.routing();
        if (routing == null || irq >= routing.gsiLimit() || !routing.programmed(irq)) return -Errno.EINVAL;
        Binding b = new Binding(pirq, irq, guestDevice, intx, intxGsi(guestDevice, intx));
        if (byMachineIrq.putIfAbsent(irq, b) != null) return -Errno.EEXIST;
        domain.pirqs().bind(pirq, true);
        IoApic physical = routing.physical().ioApic(irq);
        int pin = routing.physical().pin(irq);
        physical.setEntry(pin, physical.entry(pin) & ~vdm.ioapic.RedirectionEntry.MASK);
        return 0;
    }

    /** XEN_DOMCTL_unbind_pt_irq: masks the physical pin again. */
    public int unbind(Domain caller, int pirq) {
        int rc = doUnbind(caller, pirq);
        return xen.traced(caller, "XEN_DOMCTL_unbind_pt_irq", rc, "domid=%d machine_irq=%d", domain.id(), pirq);
    }

    private int doUnbind(Domain caller, int pirq) {
        if (!caller.isHardwareDomain()) return -Errno.EPERM;
        int irq = domain.pirqs().irq(pirq);
        Binding b = irq > 0 ? byMachineIrq.get(irq) : null;
        if (b == null || b.pirq() != pirq) return -Errno.EINVAL;
        byMachineIrq.remove(irq);
        domain.pirqs().bind(pirq, false);
        mask(irq);
        return 0;
    }

    /** The bindings ordered by machine irq (a state capture). */
    Binding[] bindingsInOrder() {
        return byMachineIrq.values().stream().sorted(java.util.Comparator.comparingInt(Binding::machineIrq)).toArray(Binding[]::new);
    }

    /** Replaces the bindings (a state restore): the physical pins' entries are restored with the host's IO-APICs. */
    void restoreBindings(Binding[] saved) {
        byMachineIrq.clear();
        for (Binding b : saved) byMachineIrq.put(b.machineIrq(), b);
    }

    void unbindAll() {
        for (Binding b : byMachineIrq.values()) mask(b.machineIrq());
        byMachineIrq.clear();
    }

    private void mask(int irq) {
        IoApicRouting routing = xen.routing();
        if (routing == null || !routing.physical().serves(irq)) return;
        IoApic physical = routing.physical().ioApic(irq);
        int pin = routing.physical().pin(irq);
        physical.setEntry(pin, physical.entry(pin) | vdm.ioapic.RedirectionEntry.MASK);
    }

    /** A machine interrupt on {@code gsi}: asserted into the guest's IO-APIC if this guest has it bound. */
    boolean deliverMachineIrq(int gsi) {
        Binding b = byMachineIrq.get(gsi);
        if (b == null) return false;
        vioapic.assertPin(b.guestGsi());
        return true;
    }

    /**
     * The guest's EOI of {@code vector}: its IO-APIC clears remote IRR, the INTx line is lowered, and Xen EOIs the
     * machine interrupt so the physical pin can fire again (pirq_guest_eoi).
     */
    public void guestEoi(int vector) {
        for (Binding b : byMachineIrq.values()) {
            if (vdm.ioapic.RedirectionEntry.vector(vioapic.entry(b.guestGsi())) == vector) {
                vioapic.deassertPin(b.guestGsi());
                IoApicRouting routing = xen.routing();
                long entry = routing.physical().entry(b.machineIrq());
                routing.physical().ioApic(b.machineIrq()).eoi(vdm.ioapic.RedirectionEntry.vector(entry));
            }
        }
        vioapic.eoi(vector);
    }
}
