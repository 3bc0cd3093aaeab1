package vdm.xen;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import vdm.errno.Errno;

/**
 * The PT_IRQ_TYPE_MSI bindings (xen/drivers/passthrough/x86/hvm.c): pt_irq_create_bind binds a mapped MSI pirq to
 * the guest (pirq_guest_bind starts the irq unmasked for Xen and masked for the guest), registers an MSI-X guest
 * table with msixtbl, records the guest vector and gflags, and unmasks when the gflags say UNMASKED; a second
 * create on a bound pirq only updates gvec and gflags. pt_irq_destroy_bind masks for the guest, unbinds
 * (pirq_guest_unbind shuts the irq down, masked) and unregisters from msixtbl. Set-up runs under {@link MsiIrqs}'
 * lock; the bindings are published by irq with release stores for {@link MsiIrqs#message}'s acquire loads.
 */
final class MsiBindings {
    /** What delivery needs of a binding, immutable: replaced whole when the guest's vector or flags change. */
    record Delivery(Domain domain, int pirq, int irq, int gvec, int gflags, long gtable) {}

    private static final VarHandle REFS = MethodHandles.arrayElementVarHandle(Delivery[].class);

    private final Xen xen;
    private final MsiIrqs irqs;
    private final Delivery[] byIrq = new Delivery[Xen.NR_IRQS];

    MsiBindings(Xen xen, MsiIrqs irqs) {
        this.xen = xen;
        this.irqs = irqs;
    }

    /** The binding of Xen's {@code irq}, or null: an acquire load, pairing with {@link #publish}'s release store. */
    Delivery delivery(int irq) {
        return irq > 0 && irq < byIrq.length ? (Delivery) REFS.getAcquire(byIrq, irq) : null;
    }

    private void publish(int irq, Delivery d) {
        REFS.setRelease(byIrq, irq, d); // release: a message that finds it sees its fields
    }

    int create(Domain d, int pirq, int gvec, int gflags, long gtable) {
        if (pirq < 0 || pirq >= d.pirqs().size()) return -Errno.EINVAL;
        synchronized (irqs.lock()) {
            int irq = d.pirqs().irq(pirq);
            int kept = gflags & ~MsiGflags.UNMASKED; // pirq_dpci->gmsi.gflags never holds UNMASKED
            Delivery cur = delivery(irq);
            MsiDesc desc = irqs.desc(irq);
            if (cur != null && cur.domain() == d && cur.pirq() == pirq) {
                // Already bound as an MSI: "update guest data/addr" (after pirq_guest_eoi, which clears nothing here)
                if (cur.gvec() != gvec || cur.gflags() != kept) publish(irq, new Delivery(d, pirq, irq, gvec, kept, cur.gtable()));
            } else {
                // Bound some other way (INTx): pirq_dpci's flags lack MACH_MSI | GUEST_MSI.
                if (d.pirqs().bound(pirq)) return -Errno.EBUSY;
                // pirq_guest_bind: a pirq with no irq (or an irq with no MSI descriptor) has no irq_desc to bind.
                if (irq <= 0 || desc == null) return -Errno.EINVAL;
                irqs.setMask(desc, false, true); // startup_msi_irq with IRQ_GUEST set: Xen unmasks, the guest has not
                if (gtable != 0) {
                    int rc = xen.msixtbl().register(d, pirq, gtable);
                    if (rc != 0) {
                        irqs.setMask(desc, true, true); // pirq_guest_unbind: shutdown_msi_irq
                        return rc;
                    }
                }
                publish(irq, new Delivery(d, pirq, irq, gvec, kept, gtable));
                d.pirqs().bind(pirq, true);
            }
            if (MsiGflags.unmasked(gflags)) irqs.setMask(desc, desc.hostMasked, false); // guest_mask_msi_irq(desc, false)
            return 0;
        }
    }

    int destroy(Domain d, int pirq) {
        synchronized (irqs.lock()) {
            MsiDesc desc = pirq < 0 || pirq >= d.pirqs().size() ? null : irqs.descOf(d, pirq);
            if (desc == null) return -Errno.EINVAL; // domain_spin_lock_irq_desc finds no descriptor
            // "Leave the MSI masked, so that the state when calling pt_irq_create_bind is consistent across bind/unbinds."
            irqs.setMask(desc, desc.hostMasked, true);
            Delivery cur = delivery(desc.irq);
            if (cur != null && cur.domain() == d) unbind(cur, desc);
            return 0;
        }
    }

    /**
     * unmap_domain_pirq's pirq_guest_force_unbind of a bound MSI pirq: it is unbound as destroy does it. Xen keeps the
     * dpci's flags (and the msixtbl entry) until the device model's unbind; the model drops them with the irq, which
     * is about to be freed. Returns whether it was bound. Caller holds {@link MsiIrqs}' lock.
     */
    boolean forceUnbind(Domain d, int pirq) {
        int irq = d.pirqs().irq(pirq);
        Delivery cur = delivery(irq);
        if (cur == null || cur.domain() != d) return false;
        MsiDesc desc = irqs.desc(irq);
        if (desc != null) unbind(cur, desc);
        else {
            publish(irq, null);
            d.pirqs().bind(pirq, false);
        }
        return true;
    }

    private void unbind(Delivery cur, MsiDesc desc) {
        irqs.setMask(desc, true, true); // pirq_guest_unbind -> shutdown_msi_irq
        xen.msixtbl().unregister(cur.domain(), cur.pirq());
        publish(cur.irq(), null);
        cur.domain().pirqs().bind(cur.pirq(), false);
    }

    /** The binding of a domain's pirq, if any (for the invariants and the toolstack's checks). */
    MsiIrqs.Binding binding(Domain d, int pirq) {
        Delivery cur = delivery(d.pirqs().irq(pirq));
        return cur == null || cur.domain() != d || cur.pirq() != pirq ? null : state(cur);
    }

    private static MsiIrqs.Binding state(Delivery b) {
        return new MsiIrqs.Binding(b.domain().id(), b.pirq(), b.irq(), b.gvec(), b.gflags(), b.gtable());
    }

    /** Every binding, by irq. */
    MsiIrqs.Binding[] capture() {
        java.util.List<MsiIrqs.Binding> out = new java.util.ArrayList<>();
        for (int irq = 1; irq < byIrq.length; irq++) {
            Delivery b = delivery(irq);
            if (b != null) out.add(state(b));
        }
        return out.toArray(MsiIrqs.Binding[]::new);
    }

    void check(MsiIrqs.Binding[] saved, java.util.function.IntPredicate hasDomain) {
        for (MsiIrqs.Binding b : saved) {
            if (b.irq() <= 0 || b.irq() >= Xen.NR_IRQS) throw new IllegalArgumentException("MSI binding of pirq " + b.pirq() + ": irq " + b.irq() + " out of range");
            if (b.gvec() < 0 || b.gvec() > 0xff) throw new IllegalArgumentException("MSI binding of pirq " + b.pirq() + ": guest vector " + b.gvec());
            if (!hasDomain.test(b.domid())) throw new IllegalArgumentException("MSI binding of pirq " + b.pirq() + ": no domain " + b.domid());
        }
    }

    void restore(MsiIrqs.Binding[] saved) {
        for (int irq = 1; irq < byIrq.length; irq++) publish(irq, null);
        for (MsiIrqs.Binding b : saved) publish(b.irq(), new Delivery(xen.domain(b.domid()), b.pirq(), b.irq(), b.gvec(), b.gflags(), b.gtable()));
    }
}
