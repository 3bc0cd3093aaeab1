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

    /**
     * XEN_DOMCTL_ioport_permission {first_port, nr_ports, allow} (xen/arch/x86/domctl.c): a range that wraps or passes
     * MAX_IOPORTS is {@code -EINVAL}; a caller not permitted those ports itself is {@code -EPERM}.
     */
    public int ioportPermission(Domain caller, int domid, int first, int ports, boolean allow) {
        int rc = doIoportPermission(caller, domid, first, ports, allow);
        return xen.traced(caller, "XEN_DOMCTL_ioport_permission", rc, "domid=%d first_port=0x%x nr_ports=0x%x allow=%d", domid, first, ports,
                allow ? 1 : 0);
    }

    private int doIoportPermission(Domain caller, int domid, int first, int ports, boolean allow) {
        Domain d = xen.domain(domid);
        if (d == null) return -Errno.ESRCH;
        if (first < 0 || ports <= 0 || first + ports > IoPorts.MAX_IOPORTS) return -Errno.EINVAL;
        if (!caller.isHardwareDomain()) return -Errno.EPERM; // xsm_ioport_permission(XSM_PRIV)
        int last = first + ports - 1;
        if (!caller.ioPorts().permitted(first, last)) return -Errno.EPERM;
        if (allow) d.ioPorts().permit(first, last); else d.ioPorts().deny(first, last);
        return 0;
    }

    /**
     * XEN_DOMCTL_memory_mapping {domid, first_gfn, first_mfn, nr_mfns, add}: the device model maps a guest BAR onto
     * the host BAR. Only the hardware domain may; unknown domain {@code -ESRCH}; a range that wraps or passes the
     * physical address width {@code -EINVAL}; frames the caller, or for an add the target, is not permitted
     * ({@code d->iomem_caps}) {@code -EPERM}; an overlap {@code -EEXIST}.
     */
    public int memoryMapping(Domain caller, int domid, long gfn, long mfn, long frames, boolean add, P2m.Owner owner) {
        int rc;
        Domain d = xen.domain(domid);
        long last = mfn + frames - 1;
        if (d == null) rc = -Errno.ESRCH;
        else if (frames <= 0 || last < mfn || last > IomemCaps.MAX_MFN || gfn + frames - 1 < gfn) rc = -Errno.EINVAL; // wrap, paddr_bits
        else if (!caller.isHardwareDomain()) rc = -Errno.EPERM;
        // xen/common/domctl.c: the caller must be permitted the frames (iomem_access_permitted(current->domain, ...)),
        // and an add needs the target permitted them too: libxl's xc_domain_iomem_permission at attach.
        else if (!caller.iomem().permitted(mfn, last) || (add && !d.iomem().permitted(mfn, last))) rc = -Errno.EPERM;
        else if (!add) rc = d.p2m().unmap(gfn << P2m.PAGE_SHIFT, frames << P2m.PAGE_SHIFT);
        else if ((rc = d.p2m().map(gfn << P2m.PAGE_SHIFT, frames << P2m.PAGE_SHIFT, mfn << P2m.PAGE_SHIFT, owner)) == 0) {
            d.ram().replaced(gfn, frames, owner); // set_typed_p2m_entry lets MMIO replace RAM (GuestRam)
        }
        return xen.traced(caller, "XEN_DOMCTL_memory_mapping", rc, "domid=%d gfn=0x%x mfn=0x%x nr=%d add=%d", domid, gfn, mfn,
                frames, add ? 1 : 0);
    }

    /**
     * XEN_DOMCTL_iomem_permission {first_mfn, nr_mfns, allow_access} (xen/common/domctl.c): a range that wraps is
     * {@code -EINVAL} (the model also refuses an empty one, and frames past the physical address width, which the
     * rangeset would hold but nothing could map); a caller that is not the hardware domain (xsm_iomem_permission,
     * XSM_PRIV) or is not permitted the frames itself ({@code iomem_access_permitted(current->domain, ...)})
     * {@code -EPERM}; then iomem_permit_access or iomem_deny_access. Revoking frames never granted succeeds.
     */
    public int iomemPermission(Domain caller, int domid, long firstMfn, long nrMfns, boolean allow) {
        int rc = doIomemPermission(caller, domid, firstMfn, nrMfns, allow);
        return xen.traced(caller, "XEN_DOMCTL_iomem_permission", rc, "domid=%d first_mfn=0x%x nr_mfns=0x%x allow_access=%d", domid, firstMfn,
                nrMfns, allow ? 1 : 0);
    }

    private int doIomemPermission(Domain caller, int domid, long first, long nr, boolean allow) {
        Domain d = xen.domain(domid);
        if (d == null) return -Errno.ESRCH;
        long last = first + nr - 1;
        if (first < 0 || nr <= 0 || last < first || last > IomemCaps.MAX_MFN) return -Errno.EINVAL;
        if (!caller.isHardwareDomain()) return -Errno.EPERM;
        if (!caller.iomem().permitted(first, last)) return -Errno.EPERM;
        if (allow) d.iomem().permit(first, last); else d.iomem().deny(first, last);
        return 0;
    }

    /**
     * XEN_DOMCTL_ioport_mapping {first_gport, first_mport, nr_ports, add_mapping} (xen/arch/x86/domctl.c): QEMU's
     * xen_pt_region_update for a guest IO BAR. Only an HVM domain ({@code -EOPNOTSUPP}); ports within MAX_IOPORTS
     * ({@code -EINVAL}); the caller must be permitted the machine ports ({@code -EPERM}); an add needs the guest to be
     * permitted them too ({@code -EPERM}: libxl's grant at attach); a remove of a range never added is {@code -ENOENT}.
     * {@code owner} is the BAR the range maps (the model's tag, see {@link IoPorts}).
     */
    public int ioportMapping(Domain caller, int domid, int gport, int mport, int ports, boolean add, P2m.Owner owner) {
        int rc = doIoportMapping(caller, domid, gport, mport, ports, add, owner);
        return xen.traced(caller, "XEN_DOMCTL_ioport_mapping", rc, "domid=%d gport=0x%x mport=0x%x nr=0x%x add=%d", domid, gport, mport, ports,
                add ? 1 : 0);
    }

    private int doIoportMapping(Domain caller, int domid, int gport, int mport, int ports, boolean add, P2m.Owner owner) {
        Domain d = xen.domain(domid);
        if (d == null) return -Errno.ESRCH;
        if (d.kind() != Domain.Kind.HVM) {
            xen.log().log(-1, vdm.log.Level.ERR, "ioport_map against non-HVM domain");
            return -Errno.EOPNOTSUPP;
        }
        if (gport < 0 || mport < 0 || ports <= 0 || gport + ports > IoPorts.MAX_IOPORTS || mport + ports > IoPorts.MAX_IOPORTS) {
            xen.log().log(-1, vdm.log.Level.ERR, String.format("ioport_map:invalid:dom%d gport=%x mport=%x nr=%x", domid, gport, mport, ports));
            return -Errno.EINVAL;
        }
        if (!caller.isHardwareDomain()) return -Errno.EPERM; // xsm_ioport_mapping(XSM_DM_PRIV): dom0's QEMU here
        int last = mport + ports - 1;
        if (!caller.ioPorts().permitted(mport, last)) return -Errno.EPERM;
        if (!add) {
            xen.log().info(-1, "ioport_map:remove: d%d gport=%x mport=%x nr=%x", domid, gport, mport, ports);
            return d.ioPorts().unmap(mport, ports);
        }
        if (!d.ioPorts().permitted(mport, last)) return -Errno.EPERM;
        xen.log().info(-1, "ioport_map:add: d%d gport=%x mport=%x nr=%x", domid, gport, mport, ports);
        return d.ioPorts().map(gport, mport, ports, owner);
    }

    /**
     * XEN_DOMCTL_bind_pt_irq for PT_IRQ_TYPE_MSI (libxc's xc_domain_update_msi_irq; xen/arch/x86/domctl.c): {@code pirq}
     * of domain {@code domid} delivers guest vector {@code gvec} with {@code gflags} ({@link MsiGflags}); {@code gtable}
     * is the guest's MSI-X table address, 0 for MSI. A domain that is not HVM or PVH {@code -EINVAL}; a caller other
     * than the hardware domain (XSM_DM_PRIV) or a pirq with no irq it may use {@code -EPERM}; then pt_irq_create_bind,
     * whose failure Xen logs ("pt_irq_create_bind failed (%ld) for %pd").
     */
    public int bindPtIrqMsi(Domain caller, int domid, int pirq, int gvec, int gflags, long gtable) {
        int rc = doBindPtIrqMsi(caller, domid, pirq, gvec, gflags, gtable);
        return xen.traced(caller, "XEN_DOMCTL_bind_pt_irq", rc, "domid=%d irq_type=MSI machine_irq=%d gvec=0x%x gflags=0x%x gtable=0x%x", domid,
                pirq, gvec, gflags, gtable);
    }

    private int doBindPtIrqMsi(Domain caller, int domid, int pirq, int gvec, int gflags, long gtable) {
        Domain d = xen.domain(domid);
        if (d == null) return -Errno.ESRCH;
        if (!d.isHvmContainer()) return -Errno.EINVAL;
        if (!caller.isHardwareDomain()) return -Errno.EPERM;
        int irq = d.pirqs().irq(pirq);
        if (irq <= 0 || !caller.irqPermitted(irq)) return -Errno.EPERM;
        int rc = xen.msi().createBind(d, pirq, gvec, gflags, gtable);
        if (rc < 0) xen.log().log(-1, vdm.log.Level.ERR, String.format("pt_irq_create_bind failed (%d) for d%d", rc, d.id()));
        return rc;
    }

    /**
     * XEN_DOMCTL_unbind_pt_irq for PT_IRQ_TYPE_MSI (xc_domain_unbind_msi_irq): the checks of {@link #bindPtIrqMsi},
     * then pt_irq_destroy_bind ("pt_irq_destroy_bind failed (%ld) for %pd"). {@code gvec} and {@code gflags} are
     * carried as libxc passes them; Xen does not look at them.
     */
    public int unbindPtIrqMsi(Domain caller, int domid, int pirq, int gvec, int gflags) {
        int rc = doUnbindPtIrqMsi(caller, domid, pirq);
        return xen.traced(caller, "XEN_DOMCTL_unbind_pt_irq", rc, "domid=%d irq_type=MSI machine_irq=%d gvec=0x%x gflags=0x%x", domid, pirq,
                gvec, gflags);
    }

    private int doUnbindPtIrqMsi(Domain caller, int domid, int pirq) {
        Domain d = xen.domain(domid);
        if (d == null) return -Errno.ESRCH;
        if (!d.isHvmContainer()) return -Errno.EINVAL;
        if (!caller.isHardwareDomain()) return -Errno.EPERM;
        int irq = d.pirqs().irq(pirq);
        if (!caller.irqPermitted(irq)) return -Errno.EPERM;
        int rc = xen.msi().destroyBind(d, pirq);
        if (rc < 0) xen.log().log(-1, vdm.log.Level.ERR, String.format("pt_irq_destroy_bind failed (%d) for d%d", rc, d.id()));
        return rc;
    }
}
