package vdm.toolstack;

import vdm.xen.MsiGflags;
import vdm.xen.PhysdevOps;

/**
 * The map, bind and teardown xen_pt_msi.c shares between MSI and MSI-X (msi_msix_setup, msi_msix_update,
 * msi_msix_disable): QEMU maps the device's vector into the guest's pirq space with xc_physdev_map_pirq_msi, binds
 * the pirq to the guest's vector with xc_domain_update_msi_irq, and undoes both with xc_domain_unbind_msi_irq and
 * xc_physdev_unmap_pirq. Errors are QEMU's lines with libxc's errno (positive, as QEMU prints errno).
 */
final class XenPtMsiBinding {
    /** XEN_PT_UNASSIGNED_PIRQ. */
    static final int UNASSIGNED = -1;
    /** XEN_PT_AUTO_ASSIGN: map_pirq's index for "any". */
    private static final int AUTO_ASSIGN = -1;

    private final PtContext ctx;

    XenPtMsiBinding(PtContext ctx) {
        this.ctx = ctx;
    }

    /** msi_vector: the guest's vector, data bits 7:0. */
    static int vector(int data) {
        return data & 0xff;
    }

    /** msi_gflags: as QEMU builds them, before msi_msix_update adds the unmasked bit. */
    static int gflags(int data, long address) {
        return MsiGflags.of(data, address, true);
    }

    private static String kind(boolean msix) {
        return msix ? "-X" : "";
    }

    /**
     * msi_msix_setup: a guest vector of 0 asks for the pirq its address names (extended destination id in the upper
     * address, destination id in 19:12), else {@code pirq} is what the caller holds. With {@code notMapped} the vector
     * is mapped: xc_physdev_map_pirq_msi(domid, AUTO_ASSIGN, &pirq, devfn, real_device.bus, entry, table_base). QEMU
     * hands libxc the bus alone, so the segment is always 0 (a device on another segment is not the one Xen finds).
     * Returns 0 and the pirq (or {@link #UNASSIGNED}), or the map's -errno.
     */
    Setup setup(long address, int data, int pirq, boolean msix, int entry, boolean notMapped, long tableBase) {
        int gvec = vector(data);
        if (gvec == 0) {
            pirq = (int) ((address >>> 32) & 0xffffff00L) | (int) ((address >>> 12) & 0xff);
            if (pirq == 0) pirq = UNASSIGNED; // a misconfigured guest: QEMU tries the emulated path
            else ctx.info("msi_msix_setup", "requested pirq %d for MSI%s (vec: 0x%x, entry: 0x%x)", pirq, kind(msix), gvec, entry);
        }
        if (notMapped) {
            var args = new PhysdevOps.MapPirq(ctx.guest().id(), PhysdevOps.MAP_PIRQ_TYPE_MSI_SEG, AUTO_ASSIGN, pirq,
                    ctx.host().bus(), ctx.host().device() << 3 | ctx.host().function(), entry, msix ? tableBase : 0);
            PhysdevOps.PirqResult r = ctx.xen().physdev().mapPirq(ctx.kernel().domain(), args);
            if (r.rc() != 0) {
                ctx.error("msi_msix_setup", r.rc(), "Mapping of MSI%s (err: %d, vec: 0x%x, entry 0x%x)", kind(msix), -r.rc(), gvec, entry);
                return new Setup(r.rc(), pirq);
            }
            pirq = r.pirq();
        }
        return new Setup(0, pirq);
    }

    /** msi_msix_setup's result: 0 or the map's -errno, and the pirq. */
    record Setup(int rc, int pirq) {}

    /**
     * msi_msix_update: "Updating MSI%s with pirq ..." then xc_domain_update_msi_irq(gvec, pirq, gflags | unmasked
     * unless {@code masked}, gtable: the guest's table address for MSI-X, 0 for MSI). A refused bind unmaps the pirq
     * the caller held ({@code oldPirq}), which the caller then forgets. Returns 0 or the -errno.
     */
    int update(long address, int data, int pirq, boolean msix, int entry, int oldPirq, long gtable, boolean masked) {
        int gvec = vector(data), gflags = gflags(data, address);
        ctx.info("msi_msix_update", "Updating MSI%s with pirq %d gvec 0x%x gflags 0x%x (entry: 0x%x)", kind(msix), pirq, gvec, gflags, entry);
        int bindFlags = masked ? gflags : gflags | MsiGflags.UNMASKED;
        int rc = ctx.xen().domctls().bindPtIrqMsi(ctx.kernel().domain(), ctx.guest().id(), pirq, gvec, bindFlags, msix ? gtable : 0);
        if (rc != 0) {
            ctx.error("msi_msix_update", rc, "Updating of MSI%s failed. (err: %d)", kind(msix), -rc);
            int urc = ctx.xen().physdev().unmapPirq(ctx.kernel().domain(), ctx.guest().id(), oldPirq);
            if (urc != 0) ctx.error("msi_msix_update", urc, "Unmapping of MSI%s pirq %d failed. (err: %d)", kind(msix), oldPirq, -urc);
        }
        return rc;
    }

    /**
     * msi_msix_disable: nothing for an unassigned pirq; else "Unbind MSI%s with pirq %d, gvec 0x%x" and
     * xc_domain_unbind_msi_irq when {@code bound} (a failure stops there), then "Unmap MSI%s pirq %d" and
     * xc_physdev_unmap_pirq. Returns 0 or the -errno.
     */
    int disable(long address, int data, int pirq, boolean msix, boolean bound) {
        if (pirq == UNASSIGNED) return 0;
        int gvec = vector(data);
        if (bound) {
            ctx.info("msi_msix_disable", "Unbind MSI%s with pirq %d, gvec 0x%x", kind(msix), pirq, gvec);
            int rc = ctx.xen().domctls().unbindPtIrqMsi(ctx.kernel().domain(), ctx.guest().id(), pirq, gvec, gflags(data, address));
            if (rc != 0) {
                ctx.error("msi_msix_disable", rc, "Unbinding of MSI%s failed. (err: %d, pirq: %d, gvec: 0x%x)", kind(msix), -rc, pirq, gvec);
                return rc;
            }
        }
        ctx.info("msi_msix_disable", "Unmap MSI%s pirq %d", kind(msix), pirq);
        int rc = ctx.xen().physdev().unmapPirq(ctx.kernel().domain(), ctx.guest().id(), pirq);
        if (rc != 0) {
            ctx.error("msi_msix_disable", rc, "Unmapping of MSI%s pirq %d failed. (err: %d)", kind(msix), pirq, -rc);
            return rc;
        }
        return 0;
    }
}
