package vdm.xen;

import vdm.log.Level;
import vdm.errno.Errno;
import vdm.pci.Sbdf;

/**
 * Physdev hypercalls with Xen's numbers, arguments, checks and errno (xen/arch/x86/physdev.c, irq.c), and the
 * hvm_physdev_op filter an HVM or PVH caller passes first, in its pre-fix (4.19) and post-fix (4.20) forms.
 */
public final class PhysdevOps {
    public static final int IRQ_STATUS_QUERY = 5;
    public static final int EOI = 12;
    public static final int MAP_PIRQ = 13;
    public static final int UNMAP_PIRQ = 14;
    public static final int SETUP_GSI = 21;
    public static final int GET_FREE_PIRQ = 23;
    public static final int PCI_MMCFG_RESERVED = 24;
    public static final int PCI_DEVICE_ADD = 25;
    public static final int PCI_DEVICE_REMOVE = 26;
    /** PHYSDEVOP_pci_device_reset; v4 of the series called it PHYSDEVOP_pci_device_state_reset. */
    public static final int PCI_DEVICE_RESET = 32;

    public static final int MAP_PIRQ_TYPE_MSI = 0;
    public static final int MAP_PIRQ_TYPE_GSI = 1;
    /** MSI with the segment in the upper half of {@code bus} (public/physdev.h). */
    public static final int MAP_PIRQ_TYPE_MSI_SEG = 3;
    public static final int MAP_PIRQ_TYPE_MULTI_MSI = 4;

    /**
     * struct physdev_map_pirq: for an MSI, {@code bus} (with the segment in bits 31:16 for MAP_PIRQ_TYPE_MSI_SEG),
     * {@code devfn}, {@code entryNr} (the MSI-X entry, or the vector count for MULTI_MSI) and {@code tableBase} (the
     * MSI-X table's machine address, 0 for MSI). For a GSI only domid, type, index and pirq count.
     */
    public record MapPirq(int domid, int type, int index, int pirq, int bus, int devfn, int entryNr, long tableBase) {}

    public static final int RESET_COLD = 0, RESET_WARM = 1, RESET_HOT = 2, RESET_FLR = 3;

    /** First pirq Xen hands out for a GSI (get_free_pirq skips the legacy range). */
    static final int FIRST_GSI_PIRQ = 16;

    /** A result with the pirq it produced (0 on failure). */
    public record PirqResult(int rc, int pirq) {}

    private final Xen xen;

    PhysdevOps(Xen xen) {
        this.xen = xen;
    }

    /** hvm_physdev_op's filter: 0 to go on, or {@code -ENOSYS}. Only HVM and PVH callers pass through it. */
    public int filter(Domain caller, int cmd) {
        if (!caller.isHvmContainer()) return 0;
        XenConfig c = xen.config();
        switch (cmd) {
            case MAP_PIRQ, UNMAP_PIRQ:
                return c.pvhMapPirq() || caller.hasPirq() ? 0 : -Errno.ENOSYS;
            case EOI, IRQ_STATUS_QUERY, GET_FREE_PIRQ:
                return caller.hasPirq() ? 0 : -Errno.ENOSYS;
            case PCI_MMCFG_RESERVED, PCI_DEVICE_ADD, PCI_DEVICE_REMOVE:
                return caller.isHardwareDomain() ? 0 : -Errno.ENOSYS;
            case SETUP_GSI:
                return c.pvhSetupGsi() && caller.isHardwareDomain() ? 0 : -Errno.ENOSYS;
            case PCI_DEVICE_RESET:
                return c.pciDeviceReset() && caller.isHardwareDomain() ? 0 : -Errno.ENOSYS;
            default:
                return -Errno.ENOSYS;
        }
    }

    /** The caller may act on the target: it is the hardware domain (XSM_DM_PRIV without a device-model domain). */
    private static boolean privileged(Domain caller, Domain target) {
        return caller.isHardwareDomain() || caller == target;
    }

    private int gsiLimit() {
        return xen.routing() == null ? 0 : xen.routing().gsiLimit();
    }

    /** PHYSDEVOP_map_pirq {domid, type, index, pirq}: pirq -1 allocates. */
    public PirqResult mapPirq(Domain caller, int domid, int type, int index, int pirq) {
        PirqResult r = doMapPirq(caller, domid, type, index, pirq);
        xen.traced(caller, "PHYSDEVOP_map_pirq", r.rc(), "domid=%d type=%s index=%d pirq=%d -> pirq %d", domid,
                type == MAP_PIRQ_TYPE_GSI ? "GSI" : type == MAP_PIRQ_TYPE_MSI ? "MSI" : Integer.toString(type), index, pirq, r.pirq());
        return r;
    }

    private PirqResult doMapPirq(Domain caller, int domid, int type, int index, int pirq) {
        int f = filter(caller, MAP_PIRQ);
        if (f != 0) return new PirqResult(f, 0);
        Domain d = xen.domain(domid);
        if (d == null) return new PirqResult(-Errno.ESRCH, 0);
        if (!privileged(caller, d)) return new PirqResult(-Errno.EPERM, 0);
        return switch (type) {
            case MAP_PIRQ_TYPE_GSI -> allocateAndMapGsiPirq(caller, d, index, pirq);
            case MAP_PIRQ_TYPE_MSI -> allocateAndMapMsiPirq(caller, d, pirq);
            default -> {
                xen.log().log(caller.id(), Level.ERR, String.format("dom%d: wrong map_pirq type %x", d.id(), type));
                yield new PirqResult(-Errno.EINVAL, 0);
            }
        };
    }

    /**
     * PHYSDEVOP_map_pirq with the whole struct (do_physdev_op): MAP_PIRQ_TYPE_MSI_SEG becomes MSI with the segment
     * from {@code bus >> 16}; MULTI_MSI takes its segment the same way and refuses a table base ({@code -EINVAL});
     * plain MSI is segment 0. The bus is the low byte of {@code bus}. A GSI goes the GSI way. An MSI must name a
     * device the target domain owns (pci_get_pdev(d, sbdf): {@code -ENODEV} otherwise, XSA-237's rule), and its
     * entry must fit the device ({@code -EINVAL} past the MSI-X table; {@code -ENFILE} for more MSI vectors than
     * the device offers).
     */
    public PirqResult mapPirq(Domain caller, MapPirq args) {
        int type = args.type();
        int segment = switch (type) {
            case MAP_PIRQ_TYPE_MSI_SEG, MAP_PIRQ_TYPE_MULTI_MSI -> args.bus() >>> 16;
            default -> 0;
        };
        Sbdf sbdf = new Sbdf(segment, args.bus() & 0xff, (args.devfn() >>> 3) & 0x1f, args.devfn() & 7);
        PirqResult r;
        if (type == MAP_PIRQ_TYPE_MULTI_MSI && args.tableBase() != 0) r = new PirqResult(-Errno.EINVAL, 0);
        else r = doMapPirqMsi(caller, args, type == MAP_PIRQ_TYPE_MSI_SEG ? MAP_PIRQ_TYPE_MSI : type, sbdf);
        xen.traced(caller, "PHYSDEVOP_map_pirq", r.rc(), "domid=%d type=%s index=%d pirq=%d bus=0x%x devfn=0x%x entry_nr=%d table_base=0x%x -> pirq %d",
                args.domid(), typeName(type), args.index(), args.pirq(), args.bus(), args.devfn(), args.entryNr(), args.tableBase(), r.pirq());
        return r;
    }

    private static String typeName(int type) {
        return switch (type) {
            case MAP_PIRQ_TYPE_GSI -> "GSI";
            case MAP_PIRQ_TYPE_MSI -> "MSI";
            case MAP_PIRQ_TYPE_MSI_SEG -> "MSI_SEG";
            case MAP_PIRQ_TYPE_MULTI_MSI -> "MULTI_MSI";
            default -> Integer.toString(type);
        };
    }

    private PirqResult doMapPirqMsi(Domain caller, MapPirq args, int type, Sbdf sbdf) {
        int f = filter(caller, MAP_PIRQ);
        if (f != 0) return new PirqResult(f, 0);
        Domain d = xen.domain(args.domid());
        if (d == null) return new PirqResult(-Errno.ESRCH, 0);
        if (!privileged(caller, d)) return new PirqResult(-Errno.EPERM, 0);
        return switch (type) {
            case MAP_PIRQ_TYPE_GSI -> allocateAndMapGsiPirq(caller, d, args.index(), args.pirq());
            case MAP_PIRQ_TYPE_MSI, MAP_PIRQ_TYPE_MULTI_MSI -> MsiMapping.allocateAndMap(xen, xen.msi(), caller, d, args.index(), args.pirq(), type,
                    new MsiIrqs.MsiInfo(sbdf, args.entryNr(), args.tableBase()));
            default -> {
                xen.log().log(caller.id(), Level.ERR, String.format("dom%d: wrong map_pirq type %x", d.id(), type));
                yield new PirqResult(-Errno.EINVAL, 0);
            }
        };
    }

    /** allocate_and_map_gsi_pirq: {@code index} is the GSI; the hardware domain may map one it has no pirq for. */
    PirqResult allocateAndMapGsiPirq(Domain caller, Domain d, int index, int pirq) {
        if (index < 0 || index >= gsiLimit()) {
            xen.log().log(caller.id(), Level.ERR, String.format("dom%d: map invalid irq %d", d.id(), index));
            return new PirqResult(-Errno.EINVAL, 0);
        }
        int irq = caller.pirqs().irq(index);
        if (irq <= 0) {
            if (!caller.isHardwareDomain()) {
                xen.log().log(caller.id(), Level.ERR, String.format("dom%d: map pirq with incorrect irq!", d.id()));
                return new PirqResult(-Errno.EINVAL, 0);
            }
            irq = index;
        }
        synchronized (d.pirqs()) {
            int p = allocatePirq(d, pirq, irq, true);
            if (p < 0) return new PirqResult(p, 0);
            int rc = mapDomainPirq(caller, d, p, irq, PirqTable.Type.GSI);
            return new PirqResult(rc, rc == 0 ? p : 0);
        }
    }

    /**
     * An MSI's irq is allocated from one space for the whole host (Xen's create_irq under its irq descriptor lock):
     * allocations are serialized on the MSI irq lock ({@link MsiIrqs}' monitor), taken before any pirq table, so two
     * map_pirqs into different domains wait only for each other's irq allocation, not for each other's tables.
     */
    private PirqResult allocateAndMapMsiPirq(Domain caller, Domain d, int pirq) {
        MsiIrqs msi = xen.msi();
        synchronized (msi.lock()) {
            // This form names no device: the irq is created (create_irq) but no msi_desc is set up for it.
            int irq = msi.createIrq(caller);
            if (irq < 0) return new PirqResult(irq, 0);
            synchronized (d.pirqs()) {
                int p = allocatePirq(d, pirq, irq, false);
                int rc = p < 0 ? p : mapDomainPirq(caller, d, p, irq, PirqTable.Type.MSI);
                if (rc != 0) msi.destroyIrq(irq);
                return new PirqResult(rc, rc == 0 ? p : 0);
            }
        }
    }

    /** allocate_pirq: the pirq already mapped to irq when allocating, -EEXIST for a different explicit one. */
    private int allocatePirq(Domain d, int pirq, int irq, boolean gsi) {
        int current = d.pirqs().pirq(irq);
        if (pirq < 0) {
            if (current != 0) return current;
            int p = gsi ? d.pirqs().free(FIRST_GSI_PIRQ, gsiLimit()) : freeFromTop(d);
            if (p < 0) {
                xen.log().log(d.id(), Level.ERR, String.format("dom%d: no free pirq", d.id()));
                return -Errno.ENOSPC;
            }
            return p;
        }
        if (current != 0 && current != pirq) {
            xen.log().log(d.id(), Level.ERR, String.format("dom%d: irq %d already mapped to pirq %d", d.id(), irq, current));
            return -Errno.EEXIST;
        }
        if (pirq >= d.pirqs().size()) return -Errno.EINVAL;
        return pirq;
    }

    private int freeFromTop(Domain d) {
        for (int p = d.pirqs().size() - 1; p >= Math.max(gsiLimit(), FIRST_GSI_PIRQ); p--) {
            if (d.pirqs().irq(p) == 0) return p;
        }
        return -1;
    }

    /** map_domain_pirq: the caller must have access to the irq; mapping grants the target access to it. */
    private int mapDomainPirq(Domain caller, Domain d, int pirq, int irq, PirqTable.Type type) {
        if (!caller.irqPermitted(irq)) return -Errno.EPERM;
        if (pirq <= 0 || pirq >= d.pirqs().size() || irq <= 0 || irq >= Xen.NR_IRQS) {
            xen.log().log(d.id(), Level.ERR, String.format("dom%d: invalid pirq %d or irq %d", d.id(), pirq, irq));
            return -Errno.EINVAL;
        }
        int oldIrq = d.pirqs().irq(pirq), oldPirq = d.pirqs().pirq(irq);
        if ((oldIrq > 0 && oldIrq != irq) || (oldPirq != 0 && oldPirq != pirq)) {
            xen.log().log(d.id(), Level.WARNING, String.format("dom%d: pirq %d or irq %d already mapped (%d,%d)",
                    d.id(), pirq, irq, oldPirq, oldIrq));
            return 0;
        }
        d.permitIrq(irq);
        d.pirqs().map(pirq, irq, type);
        return 0;
    }

    /** PHYSDEVOP_unmap_pirq {domid, pirq}. */
    public int unmapPirq(Domain caller, int domid, int pirq) {
        int rc = doUnmapPirq(caller, domid, pirq);
        return xen.traced(caller, "PHYSDEVOP_unmap_pirq", rc, "domid=%d pirq=%d", domid, pirq);
    }

    private int doUnmapPirq(Domain caller, int domid, int pirq) {
        int f = filter(caller, UNMAP_PIRQ);
        if (f != 0) return f;
        Domain d = xen.domain(domid);
        if (d == null) return -Errno.ESRCH;
        if (!privileged(caller, d)) return -Errno.EPERM;
        if (pirq <= 0 || pirq >= d.pirqs().size()) return -Errno.EINVAL;
        if (d.pirqs().irq(pirq) <= 0) return notMapped(d, pirq);
        if (d.pirqs().type(pirq) == PirqTable.Type.MSI) return xen.msi().unmap(caller, d, pirq);
        // unmap_domain_pirq: pirq_guest_force_unbind first (outside the pirq table's lock: a bind takes the guest's
        // interrupt lock, then the table's). Another device of the guest may still use the pirq: it loses it.
        if (d.interrupts() != null && d.interrupts().forceUnbind(pirq)) {
            xen.log().log(d.id(), Level.WARNING, String.format("dom%d: forcing unbind of pirq %d", d.id(), pirq));
        }
        synchronized (d.pirqs()) {
            int irq = d.pirqs().irq(pirq);
            if (irq <= 0) return notMapped(d, pirq);
            d.pirqs().unmap(pirq);
            if (!d.isHardwareDomain()) d.denyIrq(irq);
            return 0;
        }
    }

    private int notMapped(Domain d, int pirq) {
        xen.log().log(d.id(), Level.ERR, String.format("dom%d: pirq %d not mapped", d.id(), pirq));
        return -Errno.EINVAL;
    }

    /** PHYSDEVOP_setup_gsi {gsi, triggering (0 edge, 1 level), polarity (0 high, 1 low)}. */
    public int setupGsi(Domain caller, int gsi, int triggering, int polarity) {
        int rc = doSetupGsi(caller, gsi, triggering, polarity);
        return xen.traced(caller, "PHYSDEVOP_setup_gsi", rc, "gsi=%d triggering=%d polarity=%d", gsi, triggering, polarity);
    }

    private int doSetupGsi(Domain caller, int gsi, int triggering, int polarity) {
        int f = filter(caller, SETUP_GSI);
        if (f != 0) return f;
        if (!caller.isHardwareDomain()) return -Errno.EPERM;
        if (xen.routing() == null || gsi < 0 || gsi >= gsiLimit()) return -Errno.EINVAL;
        if (gsi == xen.routing().sciGsi()) return gsi; // the SCI is Xen's own: it answers the GSI
        return xen.routing().registerGsi(gsi, triggering != 0, polarity != 0);
    }

    /**
     * PHYSDEVOP_pci_device_reset {seg, bus, devfn, flags}: the device was reset, so Xen rebuilds its vPCI from the
     * hardware (deassign + assign). Unknown flags {@code -EINVAL}, unknown device {@code -ENODEV}, a caller that is
     * not the hardware domain {@code -ENOSYS} (the filter).
     */
    public int pciDeviceReset(Domain caller, Sbdf sbdf, int flags) {
        return xen.traced(caller, "PHYSDEVOP_pci_device_reset", doReset(caller, sbdf, flags),
                "sbdf=%s flags=%d", sbdf, flags);
    }

    /** The same operation under the name v4 of the series gave it. */
    public int pciDeviceStateReset(Domain caller, Sbdf sbdf, int flags) {
        return xen.traced(caller, "PHYSDEVOP_pci_device_state_reset", doReset(caller, sbdf, flags),
                "sbdf=%s flags=%d", sbdf, flags);
    }

    private int doReset(Domain caller, Sbdf sbdf, int flags) {
        if (!xen.config().pciDeviceReset()) return -Errno.ENOSYS;
        int f = filter(caller, PCI_DEVICE_RESET);
        if (f != 0) return f;
        if (!caller.isHardwareDomain()) return -Errno.ENOSYS;
        if (flags < RESET_COLD || flags > RESET_FLR) return -Errno.EINVAL;
        if (xen.bus().function(sbdf.packed()) == null) return -Errno.ENODEV;
        Domain owner = xen.owner(sbdf);
        if (owner == null) return 0; // no vPCI state to rebuild (a PV dom0)
        return xen.rebuildVpci(owner, sbdf);
    }

    /**
     * PHYSDEVOP_pci_device_add {seg, bus, devfn} (pci_add_device): dom0's kernel tells Xen of a function it found, as
     * Linux's xen_add_device does from the bus notifier when a function is scanned (before any resource is assigned).
     * Only the hardware domain (XSM_PRIV: {@code -EPERM}); an unknown function {@code -ENODEV}.
     */
    public int pciDeviceAdd(Domain caller, Sbdf sbdf) {
        int rc = filter(caller, PCI_DEVICE_ADD);
        if (rc == 0 && !caller.isHardwareDomain()) rc = -Errno.EPERM;
        if (rc == 0) {
            synchronized (xen) {
                rc = xen.assignment().hotAdd(sbdf);
            }
        }
        return xen.traced(caller, "PHYSDEVOP_pci_device_add", rc, "seg=%d bus=%d devfn=%d", sbdf.segment(), sbdf.bus(), sbdf.devfn());
    }

    /** PHYSDEVOP_pci_device_remove {seg, bus, devfn} (pci_remove_device), from xen_remove_device when a function goes. */
    public int pciDeviceRemove(Domain caller, Sbdf sbdf) {
        int rc = filter(caller, PCI_DEVICE_REMOVE);
        if (rc == 0 && !caller.isHardwareDomain()) rc = -Errno.EPERM;
        if (rc == 0) {
            synchronized (xen) {
                rc = xen.assignment().hotRemove(sbdf);
            }
        }
        return xen.traced(caller, "PHYSDEVOP_pci_device_remove", rc, "seg=%d bus=%d devfn=%d", sbdf.segment(), sbdf.bus(), sbdf.devfn());
    }
}
