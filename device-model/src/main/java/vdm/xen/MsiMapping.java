package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import vdm.errno.Errno;
import vdm.log.Level;

/**
 * Mapping and unmapping MSI pirqs (xen/arch/x86/irq.c allocate_and_map_msi_pirq, allocate_pirq, map_domain_pirq,
 * unmap_domain_pirq) with the device's side of pci_enable_msi / pci_disable_msi (xen/arch/x86/msi.c). Runs under
 * {@link MsiIrqs}' lock, then the target domain's pirq table. A failure leaves pirqs, irqs, vectors and the device's
 * MSI state as they were (Xen's error paths undo each step; the device's masks and Multiple Message Enable stay as
 * Xen's set-up left them, as on real hardware).
 */
final class MsiMapping {
    private MsiMapping() {}

    static PhysdevOps.PirqResult allocateAndMap(Xen xen, MsiIrqs irqs, Domain caller, Domain d, int pirq, int type, MsiIrqs.MsiInfo info) {
        return allocateAndMap(xen, irqs, caller, d, -1, pirq, type, info);
    }

    /** allocate_and_map_msi_pirq(d, index, &pirq, type, msi): {@code index} -1 creates an irq, else names one. */
    static PhysdevOps.PirqResult allocateAndMap(Xen xen, MsiIrqs irqs, Domain caller, Domain d, int index, int pirq, int type,
                                                MsiIrqs.MsiInfo info) {
        PciHardware hw = info.sbdf() == null ? null : xen.bus().function(info.sbdf().packed());
        // Read without Xen's lock: a vPCI handler maps its device's MSI holding the device's vPCI lock, after Xen's.
        Domain held = hw == null ? null : xen.assignedToLockFree(info.sbdf());
        Domain pdevOwner = hw == null ? null : held != null ? held : xen.dom0(); // pdev->domain: the hardware domain's unless assigned
        XenLog log = xen.log();
        if (type != PhysdevOps.MAP_PIRQ_TYPE_MSI && type != PhysdevOps.MAP_PIRQ_TYPE_MULTI_MSI) {
            log.log(caller.id(), Level.ERR, String.format("dom%d: wrong pirq type %x", d.id(), type));
            return new PhysdevOps.PirqResult(-Errno.EINVAL, 0);
        }
        int nr = type == PhysdevOps.MAP_PIRQ_TYPE_MSI && info.tableBase() == 0 ? 1 : info.entryNr();
        synchronized (irqs.lock()) {
            boolean create = type == PhysdevOps.MAP_PIRQ_TYPE_MULTI_MSI || index == -1;
            int irq = create ? irqs.createIrq(caller) : index;
            int gsis = xen.routing() == null ? 0 : xen.routing().gsiLimit();
            if (irq < gsis || irq >= Xen.NR_IRQS) {
                log.log(caller.id(), Level.ERR, String.format("dom%d: can't create irq for msi!", d.id()));
                return new PhysdevOps.PirqResult(-Errno.EINVAL, 0);
            }
            int[] block = {nr};
            int rc;
            int p;
            synchronized (d.pirqs()) {
                p = allocatePirq(xen, d, index, pirq, irq, type, block);
                rc = p < 0 ? p : mapDomainPirq(xen, irqs, caller, d, p, irq, type, info, block[0], pdevOwner, hw);
            }
            if (rc != 0 && create) irqs.destroyIrq(irq);
            return new PhysdevOps.PirqResult(rc, rc == 0 ? p : 0);
        }
    }

    /** allocate_pirq for an MSI: the pirq already on the irq, a free one from the top, or a free aligned block. */
    private static int allocatePirq(Xen xen, Domain d, int index, int pirq, int irq, int type, int[] nr) {
        XenLog log = xen.log();
        int current = d.pirqs().pirq(irq);
        int gsis = xen.routing() == null ? 0 : xen.routing().gsiLimit();
        if (pirq < 0) {
            if (current != 0) {
                log.log(d.id(), Level.ERR, String.format("dom%d: %d:%d already mapped to %d", d.id(), index, pirq, current));
                return current;
            }
            if (type == PhysdevOps.MAP_PIRQ_TYPE_MULTI_MSI) {
                if (nr[0] <= 0 || nr[0] > MsiIrqs.MAX_MSI_IRQS) return -Errno.EDOM;
                // iommu_intremap is on (the model's Xen remaps interrupts), so a block of more than one is allowed
                while ((nr[0] & (nr[0] - 1)) != 0) nr[0] += nr[0] & -nr[0];
                int first = freePirqs(d, nr[0], gsis);
                if (first < 0) {
                    int n = nr[0];
                    while ((n >>= 1) > 1) if (freePirqs(d, n, gsis) > 0) break;
                    log.log(d.id(), Level.ERR, String.format("dom%d: no block of %d free pirqs", d.id(), n << 1));
                    return -Errno.ENOSPC;
                }
                return first;
            }
            for (int i = d.pirqs().size() - 1; i >= gsis; i--) if (d.pirqs().irq(i) == 0) return i; // get_free_pirq
            log.log(d.id(), Level.ERR, String.format("dom%d: no free pirq", d.id()));
            return -Errno.ENOSPC;
        }
        if (current != 0 && pirq != current) {
            log.log(d.id(), Level.ERR, String.format("dom%d: irq %d already mapped to pirq %d", d.id(), irq, current));
            return -Errno.EEXIST;
        }
        return pirq;
    }

    /** get_free_pirqs: the lowest pirq of {@code n} free consecutive ones, searched from the top; -ENOSPC. */
    private static int freePirqs(Domain d, int n, int gsis) {
        int found = 0;
        for (int i = d.pirqs().size() - 1; i >= gsis; i--) {
            if (d.pirqs().irq(i) == 0) {
                if (++found == n) return i;
            } else {
                found = 0;
            }
        }
        return -Errno.ENOSPC;
    }

    /** map_domain_pirq for an MSI: pci_get_pdev(d, sbdf) (XSA-237), pci_enable_msi, setup_msi_irq for each irq of the block. */
    private static int mapDomainPirq(Xen xen, MsiIrqs irqs, Domain caller, Domain d, int pirq, int irq, int type, MsiIrqs.MsiInfo info,
                                     int nr, Domain pdevOwner, PciHardware hw) {
        XenLog log = xen.log();
        if (!caller.irqPermitted(irq)) return -Errno.EPERM;
        if (pirq < 0 || pirq >= d.pirqs().size() || irq <= 0 || irq >= Xen.NR_IRQS) {
            log.log(d.id(), Level.ERR, String.format("dom%d: invalid pirq %d or irq %d", d.id(), pirq, irq));
            return -Errno.EINVAL;
        }
        int oldIrq = d.pirqs().irq(pirq), oldPirq = d.pirqs().pirq(irq);
        if ((oldIrq > 0 && oldIrq != irq) || (oldPirq != 0 && oldPirq != pirq)) {
            log.log(d.id(), Level.WARNING, String.format("dom%d: pirq %d or irq %d already mapped (%d,%d)", d.id(), pirq, irq, oldPirq, oldIrq));
            return 0;
        }
        // pci_get_pdev(d, sbdf) looks in d's own devices: a domain that does not own the device gets -ENODEV (XSA-237,
        // 3308374b1b). Before it map_domain_pirq's pci_get_pdev(seg, bus, devfn) found the device whoever owned it, and
        // only a device Xen does not know failed (pci_enable_msi's own lookup: -ENODEV).
        if (hw == null || (xen.config().msiMapOwned() && pdevOwner != d)) return -Errno.ENODEV;
        if (irqs.desc(irq) != null) {
            log.log(d.id(), Level.ERR, String.format("dom%d: irq %d in use", d.id(), irq));
            return -Errno.EBUSY;
        }
        boolean multi = type == PhysdevOps.MAP_PIRQ_TYPE_MULTI_MSI;
        int count = info.tableBase() != 0 ? 1 : nr;
        // The block's further pirqs must be free (allocate_pirq found them so; an explicit pirq may not be).
        for (int i = 1; i < count; i++) {
            if (pirq + i >= d.pirqs().size() || d.pirqs().irq(pirq + i) != 0) return -Errno.EBUSY;
        }
        List<Integer> blockIrqs = new ArrayList<>();
        blockIrqs.add(irq);
        if (multi) {
            for (int i = 1; i < count; i++) {
                int more = irqs.createIrq(caller);
                if (more < 0) {
                    for (int j = 1; j < blockIrqs.size(); j++) irqs.destroyIrq(blockIrqs.get(j));
                    return more;
                }
                blockIrqs.add(more);
            }
        }
        int rc = info.tableBase() != 0
                ? MsiEnable.msix(xen, irqs, hw, info, irq, pdevOwner.id())
                : MsiEnable.msi(xen, irqs, hw, info.sbdf(), blockIrqs, pdevOwner.id());
        if (rc != 0) {
            for (int j = 1; j < blockIrqs.size(); j++) irqs.destroyIrq(blockIrqs.get(j));
            return rc > 0 ? -Errno.ENFILE : rc; // a positive answer is the vector count the device offers
        }
        for (int i = 0; i < blockIrqs.size(); i++) {
            int each = blockIrqs.get(i);
            d.permitIrq(each);
            d.pirqs().map(pirq + i, each, PirqTable.Type.MSI);
        }
        return 0;
    }

    /** unmap_domain_pirq of an MSI pirq (and an MSI block's further pirqs). Caller checked the domain and privilege. */
    static int unmap(Xen xen, MsiIrqs irqs, Domain d, int pirq) {
        XenLog log = xen.log();
        synchronized (irqs.lock()) {
            int irq = d.pirqs().irq(pirq);
            if (irq <= 0) {
                log.log(d.id(), Level.ERR, String.format("dom%d: pirq %d not mapped", d.id(), pirq));
                return -Errno.EINVAL;
            }
            MsiDesc desc = irqs.desc(irq);
            int nr = 1;
            if (desc != null && !desc.msix) {
                if (desc.entryNr != 0) {
                    log.log(d.id(), Level.ERR, String.format("dom%d: trying to unmap secondary MSI pirq %d", d.id(), pirq));
                    return -Errno.EBUSY;
                }
                nr = desc.nvec;
            }
            if (irqs.bindings().forceUnbind(d, pirq)) {
                log.log(d.id(), Level.WARNING, String.format("dom%d: forcing unbind of pirq %d", d.id(), pirq));
            }
            if (desc != null) MsiEnable.disable(xen, irqs, desc);
            List<Integer> freed = new ArrayList<>();
            synchronized (d.pirqs()) {
                for (int i = 0; i < nr; i++) {
                    int each = d.pirqs().irq(pirq + i);
                    if (each <= 0) {
                        log.log(d.id(), Level.ERR, String.format("d%d: MSI pirq %d not mapped", d.id(), pirq + i));
                        continue;
                    }
                    if (i > 0) irqs.bindings().forceUnbind(d, pirq + i);
                    d.pirqs().unmap(pirq + i);
                    d.denyIrq(each);
                    freed.add(each);
                }
            }
            for (int each : freed) irqs.destroyIrq(each); // msi_free_irq
            return 0;
        }
    }
}
