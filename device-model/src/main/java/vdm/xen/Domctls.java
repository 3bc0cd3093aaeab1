package vdm.xen;

import vdm.errno.Errno;

/** The domctls of passthrough (xen/common/domctl.c, xen/arch/x86/domctl.c) with their checks and errno. */
public final class Domctls {
    public static final int IRQ_PERMISSION = 20;
    public static final int GSI_PERMISSION = 88;
    public static final int GSI_GRANT = 1, GSI_REVOKE = 0;

    private final Xen xen;

    Domctls(Xen xen) {
        this.xen = xen;
    }

    /**
     * XEN_DOMCTL_irq_permission {pirq, allow}: pirq based. The caller's own pirq must map an irq it may use, else
     * {@code -EPERM}: the PVH dom0 failure, since a PVH dom0 never mapped that GSI.
     */
    public int irqPermission(Domain caller, int domid, int pirq, boolean allow) {
        int rc = doIrqPermission(caller, domid, pirq, allow);
        return xen.traced(caller, "XEN_DOMCTL_irq_permission", rc, "domid=%d pirq=%d allow=%d", domid, pirq, allow ? 1 : 0);
    }

    private int doIrqPermission(Domain caller, int domid, int pirq, boolean allow) {
        Domain d = xen.domain(domid);
        if (d == null) return -Errno.ESRCH;
        if (!caller.isHardwareDomain()) return -Errno.EPERM;
        if (pirq < 0 || pirq >= caller.pirqs().size()) return -Errno.EINVAL;
        int irq = caller.pirqs().irq(pirq); // pirq_access_permitted(current->domain, pirq)
        if (irq == 0 || !caller.irqPermitted(irq)) return -Errno.EPERM;
        if (allow) d.permitIrq(irq); else d.denyIrq(irq);
        return 0;
    }

    /**
     * XEN_DOMCTL_gsi_permission {gsi, flags: GRANT 1 / REVOKE 0} (Xen 4.20): bad flags {@code -EINVAL}, a GSI above
     * the highest {@code -ERANGE}, a caller without access to its irq {@code -EPERM} (a GSI whose pin was never set
     * up has no irq yet).
     */
    public int gsiPermission(Domain caller, int domid, int gsi, int flags) {
        int rc = doGsiPermission(caller, domid, gsi, flags);
        return xen.traced(caller, "XEN_DOMCTL_gsi_permission", rc, "domid=%d gsi=%d flags=%d", domid, gsi, flags);
    }

    private int doGsiPermission(Domain caller, int domid, int gsi, int flags) {
        if (!xen.config().gsiPermission()) return -Errno.ENOSYS;
        Domain d = xen.domain(domid);
        if (d == null) return -Errno.ESRCH;
        if ((flags & ~GSI_GRANT) != 0) return -Errno.EINVAL;
        int limit = xen.routing() == null ? 0 : xen.routing().gsiLimit();
        if (gsi < 0 || gsi >= limit) return -Errno.ERANGE;
        // gsi_2_irq: a GSI has an irq only once its pin is set up (mp_register_gsi); then irq == gsi.
        int irq = xen.routing().programmed(gsi) ? gsi : -1;
        if (!caller.isHardwareDomain() || !caller.irqPermitted(irq)) return -Errno.EPERM;
        if (flags == GSI_GRANT) d.permitIrq(irq); else d.denyIrq(irq);
        return 0;
    }
}
