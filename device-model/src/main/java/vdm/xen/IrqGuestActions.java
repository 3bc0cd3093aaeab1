package vdm.xen;

import java.util.BitSet;
import vdm.errno.Errno;

/**
 * The guest actions of IO-APIC irqs (Xen's {@code irq_guest_action_t} hung on an irq_desc by pirq_guest_bind,
 * xen/arch/x86/irq.c): which domains an irq is bound to, and whether the action is shareable. The first domain to bind
 * an irq creates the action with {@code shareable = will_share}; a later one is refused with {@code -EBUSY} unless
 * both it and the action share ("Cannot bind IRQ%d to dom%d. Others do not share." when the action does not, "...
 * Will not share with others." when the newcomer does not). A domU's PCI INTx always binds with
 * BIND_PIRQ__WILL_SHARE; the hardware domain's with its vIO-APIC pin's trigger mode (pt_irq_create_bind: level
 * shares, edge does not). The action goes when its last domain unbinds.
 *
 * <p>Only what cannot be read off the domains is kept: the irqs whose action does not share. Who is bound is the
 * domains' own state (a guest's INTx binding, {@link GuestInterrupts#binds}; the hardware domain's bound GSI pirq).
 * MSI irqs are never shared (one per vector) and are not kept here. Lock order: after a {@link GuestInterrupts}' and
 * before any {@link PirqTable}'s.
 */
final class IrqGuestActions {
    private final Xen xen;
    /** Irqs whose guest action was created with will_share = 0. */
    private final BitSet exclusive = new BitSet();

    IrqGuestActions(Xen xen) {
        this.xen = xen;
    }

    /**
     * pirq_guest_bind of {@code irq} (the domain's {@code pirq}) for {@code d}: 0, or {@code -EBUSY} with Xen's
     * XENLOG_G_INFO line when another domain holds the irq and one of the two does not share.
     */
    synchronized int bind(Domain d, int pirq, int irq, boolean willShare) {
        if (!boundByOther(d, irq)) {
            exclusive.set(irq, !willShare); // a new action: shareable = will_share
            return 0;
        }
        if (!willShare || exclusive.get(irq)) {
            // printk(XENLOG_G_INFO ...): no vCPU prefix
            xen.log().info(-1, "Cannot bind IRQ%d to dom%d. %s.", pirq, d.id(), willShare ? "Others do not share" : "Will not share with others");
            return -Errno.EBUSY;
        }
        return 0;
    }

    /** After a domain unbound {@code irq} (__pirq_guest_unbind): the action goes with its last domain. */
    synchronized void released(int irq) {
        if (!boundByOther(null, irq)) exclusive.clear(irq);
    }

    /** Whether a domain other than {@code d} has {@code irq} bound. */
    private boolean boundByOther(Domain d, int irq) {
        if (xen.machineIrqBound(irq, d)) return true;
        Domain dom0 = xen.dom0();
        if (dom0 == null || dom0 == d) return false;
        int pirq = dom0.pirqs().pirq(irq);
        return pirq > 0 && dom0.pirqs().type(pirq) == PirqTable.Type.GSI && dom0.pirqs().bound(pirq);
    }

    /** The irqs whose action does not share, ascending (a state capture). */
    synchronized int[] exclusiveIrqs() {
        return exclusive.stream().toArray();
    }

    synchronized void restore(int[] irqs) {
        exclusive.clear();
        for (int i : irqs) {
            if (i < 0 || i >= Xen.NR_IRQS) throw new IllegalArgumentException("an unshared irq guest action on irq " + i + ", outside 0.." + (Xen.NR_IRQS - 1));
            exclusive.set(i);
        }
    }
}
