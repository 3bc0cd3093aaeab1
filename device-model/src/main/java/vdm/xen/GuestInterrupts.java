package vdm.xen;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import vdm.errno.Errno;
import vdm.ioapic.InterruptSink;
import vdm.ioapic.IoApic;
import vdm.ioapic.RecordingSink;
import vdm.ioapic.RedirectionEntry;

/**
 * An HVM guest's interrupt side: its virtual IO-APIC (48 pins, version 0x11, as Xen's vioapic for domUs) and the
 * INTx bindings of passed-through devices (XEN_DOMCTL_bind_pt_irq): machine irq (== GSI) -> guest pirq -> guest
 * GSI {@code 16 + ((device << 2) + (device >> 3) + intx) & 31} (Xen's hvm_pci_intx_gsi).
 *
 * <p>Memory order: a binding is published into the by-irq array with a release store (bind and unbind are
 * serialized on this object) and read with an acquire load on the delivery path; the list that EOIs walk is
 * replaced whole through a volatile field. Delivery and EOI take no lock and allocate nothing. The physical pin's
 * mask changes through {@link IoApic#updateEntry}, one compare-and-set, so a concurrent change to the same entry
 * (another guest's bind, dom0 reprogramming) is never lost.
 */
public final class GuestInterrupts {
    public static final int PINS = 48;

    /** A bound INTx: the guest pirq, the machine irq it maps, and where the guest sees it. */
    public record Binding(int pirq, int machineIrq, int guestDevice, int intx, int guestGsi) {}

    private final Xen xen;
    private final Domain domain;
    private final RecordingSink delivered = new RecordingSink();
    private final IoApic vioapic;
    private static final VarHandle BINDINGS = MethodHandles.arrayElementVarHandle(Binding[].class);
    /** Bindings by machine irq (Xen.NR_IRQS entries), for delivery. */
    private final Binding[] byMachineIrq = new Binding[Xen.NR_IRQS];
    /** The same bindings in machine irq order, for EOIs and captures; replaced whole on bind and unbind. */
    private volatile Binding[] bound = new Binding[0];

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

    /** The bindings by machine irq, in that order. */
    public Map<Integer, Binding> bindings() {
        Map<Integer, Binding> out = new LinkedHashMap<>();
        for (Binding b : bound) out.put(b.machineIrq(), b);
        return out;
    }

    private Binding bindingAcquire(int irq) {
        return irq >= 0 && irq < byMachineIrq.length ? (Binding) BINDINGS.getAcquire(byMachineIrq, irq) : null;
    }

    /** Publishes or removes the binding of {@code irq} (under this object's lock). */
    private void publish(int irq, Binding b) {
        BINDINGS.setRelease(byMachineIrq, irq, b);
        Binding[] now = Arrays.stream(byMachineIrq).filter(x -> x != null).sorted(Comparator.comparingInt(Binding::machineIrq))
                .toArray(Binding[]::new);
        bound = now;
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

    private synchronized int doBind(Domain caller, int pirq, int guestDevice, int intx) {
        if (!caller.isHardwareDomain()) return -Errno.EPERM;
        int irq = domain.pirqs().irq(pirq);
        if (irq <= 0) return -Errno.EINVAL;
        if (!domain.irqPermitted(irq)) return -Errno.EPERM;
        IoApicRouting routing = xen.routing();
        if (routing == null || irq >= routing.gsiLimit() || !routing.programmed(irq)) return -Errno.EINVAL;
        if (irq >= byMachineIrq.length) return -Errno.EINVAL;
        if (byMachineIrq[irq] != null) return -Errno.EEXIST;
        publish(irq, new Binding(pirq, irq, guestDevice, intx, intxGsi(guestDevice, intx)));
        domain.pirqs().bind(pirq, true);
        IoApic physical = routing.physical().ioApic(irq);
        physical.updateEntry(routing.physical().pin(irq), RedirectionEntry.MASK, 0); // unmask: pirq_guest_bind
        return 0;
    }

    /** XEN_DOMCTL_unbind_pt_irq: masks the physical pin again. */
    public int unbind(Domain caller, int pirq) {
        int rc = doUnbind(caller, pirq);
        return xen.traced(caller, "XEN_DOMCTL_unbind_pt_irq", rc, "domid=%d machine_irq=%d", domain.id(), pirq);
    }

    private synchronized int doUnbind(Domain caller, int pirq) {
        if (!caller.isHardwareDomain()) return -Errno.EPERM;
        int irq = domain.pirqs().irq(pirq);
        Binding b = irq > 0 ? bindingAcquire(irq) : null;
        if (b == null || b.pirq() != pirq) return -Errno.EINVAL;
        publish(irq, null);
        domain.pirqs().bind(pirq, false);
        if (!xen.machineIrqBound(irq)) mask(irq); // pirq_guest_unbind: the irq is disabled once no guest holds it
        return 0;
    }

    /** The bindings ordered by machine irq (a state capture). */
    Binding[] bindingsInOrder() {
        return bound.clone();
    }

    /** Replaces the bindings (a state restore): the physical pins' entries are restored with the host's IO-APICs. */
    synchronized void restoreBindings(Binding[] saved) {
        for (Binding b : bound) BINDINGS.setRelease(byMachineIrq, b.machineIrq(), null);
        for (Binding b : saved) BINDINGS.setRelease(byMachineIrq, b.machineIrq(), b);
        Binding[] now = saved.clone();
        Arrays.sort(now, Comparator.comparingInt(Binding::machineIrq));
        bound = now;
    }

    synchronized void unbindAll() {
        Binding[] was = bound;
        for (Binding b : was) BINDINGS.setRelease(byMachineIrq, b.machineIrq(), null);
        bound = new Binding[0];
        for (Binding b : was) if (!xen.machineIrqBound(b.machineIrq())) mask(b.machineIrq());
    }

    private void mask(int irq) {
        IoApicRouting routing = xen.routing();
        if (routing == null || !routing.physical().serves(irq)) return;
        routing.physical().ioApic(irq).updateEntry(routing.physical().pin(irq), 0, RedirectionEntry.MASK);
    }

    /** A machine interrupt on {@code gsi}: asserted into the guest's IO-APIC if this guest has it bound. */
    /** Whether this guest has {@code irq} bound (lock-free). */
    boolean binds(int irq) {
        return bindingAcquire(irq) != null;
    }

    boolean deliverMachineIrq(int gsi) {
        Binding b = bindingAcquire(gsi);
        if (b == null) return false;
        vioapic.assertPin(b.guestGsi());
        return true;
    }

    /**
     * The guest's EOI of {@code vector}: its IO-APIC clears remote IRR, the INTx line is lowered, and Xen EOIs the
     * machine interrupt so the physical pin can fire again (pirq_guest_eoi).
     */
    public void guestEoi(int vector) {
        for (Binding b : bound) {
            if (RedirectionEntry.vector(vioapic.entry(b.guestGsi())) == vector) {
                vioapic.deassertPin(b.guestGsi());
                IoApicRouting routing = xen.routing();
                long entry = routing.physical().entry(b.machineIrq());
                routing.physical().ioApic(b.machineIrq()).eoi(RedirectionEntry.vector(entry));
            }
        }
        vioapic.eoi(vector);
    }
}
