package vdm.xen;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
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
 * <p>Several guest devices may share one machine irq, as two functions behind one pin do (Xen's
 * pt_irq_create_bind, drivers/passthrough/x86/hvm.c): each bind adds a link (device, intx -> guest GSI, Xen's
 * dev_intx_gsi_link and hvm_girq_dpci_mapping) to the pirq, and only the first one binds the machine irq to the
 * guest (pirq_guest_bind, "Bind the same mirq once in the same domain"). An interrupt asserts every link's guest
 * line (hvm_dirq_assist: hvm_pci_intx_assert per link, pending++), and the machine irq is EOIed once the guest has
 * EOIed every link it asserted (hvm_dpci_eoi -> hvm_pirq_eoi: pirq_guest_eoi when --pending reaches 0). vdm does
 * not keep Xen's pending count: it EOIs the machine irq when none of the irq's links still has its guest line
 * asserted, which is the same for level-triggered guest pins and leaves nothing extra to capture.
 *
 * <p>Memory order: the links an irq delivers to are published as one array per irq with a release store (bind and
 * unbind are serialized on this object) and read with an acquire load on the delivery path; the list of every
 * link, which EOIs walk, is replaced whole through a volatile field. Delivery and EOI take no lock and allocate
 * nothing. The physical pin's mask changes through {@link IoApic#updateEntry}, one compare-and-set, so a
 * concurrent change to the same entry (another guest's bind, dom0 reprogramming) is never lost.
 */
public final class GuestInterrupts {
    public static final int PINS = 48;

    /**
     * One bound INTx link: the guest pirq (the domctl's machine_irq), the machine irq it mapped when bound, the guest
     * device and INTx, and the guest GSI the link asserts.
     */
    public record Binding(int pirq, int machineIrq, int guestDevice, int intx, int guestGsi) {}

    private final Xen xen;
    private final Domain domain;
    private final RecordingSink delivered = new RecordingSink();
    private final IoApic vioapic;
    private static final VarHandle LINKS = MethodHandles.arrayElementVarHandle(Binding[][].class);
    /**
     * By machine irq (Xen.NR_IRQS entries), the links it is delivered to while this guest has it bound
     * (pirq_guest_bind); null while it is not, also when the pirq still has links after a forced unbind.
     */
    private final Binding[][] delivering = new Binding[Xen.NR_IRQS][];
    /** Every link, in machine irq order and for one irq in bind order (digl_list); replaced whole on bind and unbind. */
    private volatile Binding[] bound = new Binding[0];

    GuestInterrupts(Xen xen, Domain domain) {
        this.xen = xen;
        this.domain = domain;
        InterruptSink sink = delivered;
        this.vioapic = IoApic.builder().id(1).pins(PINS).version(IoApic.VERSION_11).sink(sink).build();
    }

    /** The guest whose interrupts these are. */
    Domain domain() { return domain; }

    /** The guest's IO-APIC, which the guest programs like any IO-APIC. */
    public IoApic vioapic() { return vioapic; }

    /** What the guest's IO-APIC delivered (the guest "receives" these vectors). */
    public RecordingSink delivered() { return delivered; }

    public static int intxGsi(int device, int intx) {
        return 16 + (((device << 2) + (device >> 3) + intx) & 31);
    }

    /** The links by machine irq, in that order; each irq's in bind order. */
    public Map<Integer, List<Binding>> bindings() {
        Map<Integer, List<Binding>> out = new LinkedHashMap<>();
        for (Binding b : bound) out.computeIfAbsent(b.machineIrq(), k -> new ArrayList<>()).add(b);
        return out;
    }

    private Binding[] deliveringAcquire(int irq) {
        return irq >= 0 && irq < delivering.length ? (Binding[]) LINKS.getAcquire(delivering, irq) : null;
    }

    /** The links of {@code pirq}, in bind order (Xen's digl_list of the pirq). */
    private static Binding[] linksOf(Binding[] all, int pirq) {
        return Arrays.stream(all).filter(b -> b.pirq() == pirq).toArray(Binding[]::new);
    }

    /** Replaces every link (under this object's lock), keeping bind order within an irq (a stable sort). */
    private void setLinks(Binding[] all) {
        Binding[] now = all.clone();
        Arrays.sort(now, Comparator.comparingInt(Binding::machineIrq));
        bound = now;
    }

    /**
     * XEN_DOMCTL_bind_pt_irq for PCI INTx: the guest pirq must be mapped ({@code -EINVAL}), the guest must be
     * allowed the machine irq ({@code -EPERM}) and its pin must be set up ({@code -EINVAL}). The link is added;
     * the first link of the pirq also binds the machine irq to the guest, which unmasks the physical pin
     * (pirq_guest_bind starts the irq), unless another domain holds the irq unshared ({@link IrqGuestActions}:
     * {@code -EBUSY}, "Others do not share", and no link). pt_irq_create_bind looks for no earlier link: the same device and INTx bound
     * twice gets a second link and 0.
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
        if (irq >= delivering.length) return -Errno.EINVAL;
        Binding link = new Binding(pirq, irq, guestDevice, intx, intxGsi(guestDevice, intx));
        Binding[] was = bound;
        // HVM_IRQ_DPCI_MAPPED: the pirq has links, so the machine irq was bound (or force-unbound) already
        boolean mapped = linksOf(was, pirq).length != 0;
        if (!mapped) {
            // pirq_guest_bind(d->vcpu[0], info, BIND_PIRQ__WILL_SHARE): refused, the link is dropped again (-EBUSY)
            int rc = xen.irqActions().bind(domain, pirq, irq, true);
            if (rc != 0) return rc;
        }
        Binding[] all = Arrays.copyOf(was, was.length + 1);
        all[was.length] = link;
        setLinks(all);
        if (mapped) {
            Binding[] now = deliveringAcquire(irq);
            if (now != null && now[0].pirq() == pirq) LINKS.setRelease(delivering, irq, linksOf(bound, pirq));
            return 0;
        }
        LINKS.setRelease(delivering, irq, new Binding[] {link});
        domain.pirqs().bind(pirq, true);
        IoApic physical = routing.physical().ioApic(irq);
        physical.updateEntry(routing.physical().pin(irq), RedirectionEntry.MASK, 0); // unmask: pirq_guest_bind
        return 0;
    }

    /**
     * XEN_DOMCTL_unbind_pt_irq {machine_irq, device, intx} (pt_irq_destroy_bind): no link of the pirq for that
     * device and INTx is {@code -EINVAL}; otherwise the device's links go ("partial" unmap while others remain), and
     * with the pirq's last link ("final") the machine irq is unbound from the guest (pirq_guest_unbind), which masks
     * the physical pin once no guest holds it. Upstream drops one girq per call but every matching digl, so after a
     * duplicate bind its second unbind still finds a girq and returns 0; vdm drops both at once and answers
     * {@code -EINVAL} then.
     */
    public int unbind(Domain caller, int pirq, int guestDevice, int intx) {
        int rc = doUnbind(caller, pirq, guestDevice, intx);
        return xen.traced(caller, "XEN_DOMCTL_unbind_pt_irq", rc, "domid=%d machine_irq=%d device=%d intx=%d", domain.id(),
                pirq, guestDevice, intx);
    }

    private synchronized int doUnbind(Domain caller, int pirq, int guestDevice, int intx) {
        if (!caller.isHardwareDomain()) return -Errno.EPERM;
        Binding[] was = bound;
        Binding[] keep = Arrays.stream(was).filter(b -> b.pirq() != pirq || b.guestDevice() != guestDevice || b.intx() != intx)
                .toArray(Binding[]::new);
        if (keep.length == was.length) return -Errno.EINVAL;
        int irq = linksOf(was, pirq)[0].machineIrq();
        setLinks(keep);
        Binding[] now = deliveringAcquire(irq);
        if (now == null || now[0].pirq() != pirq) return 0; // force-unbound: the irq is no longer this guest's
        Binding[] left = linksOf(keep, pirq);
        if (left.length != 0) {
            LINKS.setRelease(delivering, irq, left);
            return 0;
        }
        LINKS.setRelease(delivering, irq, null);
        domain.pirqs().bind(pirq, false);
        if (!xen.machineIrqBound(irq)) mask(irq); // pirq_guest_unbind: the irq is disabled once no guest holds it
        xen.irqActions().released(irq);
        return 0;
    }

    /**
     * unmap_domain_pirq's pirq_guest_force_unbind: a pirq unmapped while the guest still has it bound stops being
     * delivered to the guest (and the physical pin is masked once no guest holds it), while its links stay as Xen's
     * pirq_dpci keeps them until XEN_DOMCTL_unbind_pt_irq. Returns whether it was bound (Xen then logs "forcing
     * unbind").
     */
    synchronized boolean forceUnbind(int pirq) {
        int irq = domain.pirqs().irq(pirq);
        Binding[] now = deliveringAcquire(irq);
        if (now == null || now[0].pirq() != pirq) return false;
        LINKS.setRelease(delivering, irq, null);
        domain.pirqs().bind(pirq, false);
        if (!xen.machineIrqBound(irq)) mask(irq);
        xen.irqActions().released(irq);
        return true;
    }

    /** The links ordered by machine irq (a state capture). */
    Binding[] bindingsInOrder() {
        return bound.clone();
    }

    /**
     * Replaces the links (a state restore, after the pirq table's): a pirq's links are delivered to again when the
     * restored table has the pirq bound to the irq they name; the physical pins' entries are restored with the host's
     * IO-APICs.
     */
    synchronized void restoreBindings(Binding[] saved) {
        for (Binding b : bound) if (b.machineIrq() >= 0 && b.machineIrq() < delivering.length) LINKS.setRelease(delivering, b.machineIrq(), null);
        setLinks(saved);
        Binding[] all = bound;
        for (Binding b : all) {
            if (domain.pirqs().bound(b.pirq()) && domain.pirqs().irq(b.pirq()) == b.machineIrq() && deliveringAcquire(b.machineIrq()) == null) {
                LINKS.setRelease(delivering, b.machineIrq(), linksOf(all, b.pirq()));
            }
        }
    }

    synchronized void unbindAll() {
        Binding[] was = bound;
        for (Binding b : was) if (b.machineIrq() >= 0 && b.machineIrq() < delivering.length) LINKS.setRelease(delivering, b.machineIrq(), null);
        bound = new Binding[0];
        for (Binding b : was) if (!xen.machineIrqBound(b.machineIrq())) mask(b.machineIrq());
        for (Binding b : was) if (b.machineIrq() >= 0 && b.machineIrq() < Xen.NR_IRQS) xen.irqActions().released(b.machineIrq());
    }

    private void mask(int irq) {
        IoApicRouting routing = xen.routing();
        if (routing == null || !routing.physical().serves(irq)) return;
        routing.physical().ioApic(irq).updateEntry(routing.physical().pin(irq), 0, RedirectionEntry.MASK);
    }

    /** Whether this guest has {@code irq} bound (lock-free). */
    boolean binds(int irq) {
        return deliveringAcquire(irq) != null;
    }

    /** A machine interrupt on {@code gsi}: every link of it asserts its guest line, if this guest has it bound. */
    boolean deliverMachineIrq(int gsi) {
        Binding[] links = deliveringAcquire(gsi);
        if (links == null) return false;
        for (Binding b : links) vioapic.assertPin(b.guestGsi()); // hvm_dirq_assist: hvm_pci_intx_assert per link
        return true;
    }

    /**
     * The guest's EOI of {@code vector} (vioapic_update_EOI -> hvm_dpci_eoi for each pin with that vector): each
     * link on such a pin has its INTx line lowered; then each machine irq whose links no longer assert any guest
     * line is EOIed so the physical pin can fire again (hvm_pirq_eoi -> pirq_guest_eoi once pending is 0), and the
     * guest's IO-APIC clears remote IRR. The lines are all lowered before any machine EOI, whose re-delivery would
     * otherwise be lowered by this same EOI.
     */
    public void guestEoi(int vector) {
        Binding[] all = bound;
        for (Binding b : all) {
            if (RedirectionEntry.vector(vioapic.entry(b.guestGsi())) == vector) vioapic.deassertPin(b.guestGsi());
        }
        for (Binding b : all) {
            if (RedirectionEntry.vector(vioapic.entry(b.guestGsi())) == vector) eoiIfDone(b.machineIrq());
        }
        vioapic.eoi(vector);
    }

    /** pirq_guest_eoi of {@code irq} once no link this guest has it delivered to still asserts its guest line. */
    private void eoiIfDone(int irq) {
        Binding[] links = deliveringAcquire(irq);
        if (links == null) return; // force-unbound: Xen finds no irq to EOI
        for (Binding l : links) if (vioapic.pending(l.guestGsi())) return;
        IoApicRouting routing = xen.routing();
        long entry = routing.physical().entry(irq);
        routing.physical().ioApic(irq).eoi(RedirectionEntry.vector(entry));
    }
}
