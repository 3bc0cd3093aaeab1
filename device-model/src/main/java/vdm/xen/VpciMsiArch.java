package vdm.xen;

import vdm.log.Level;
import vdm.pci.Sbdf;

/**
 * The x86 side of vPCI's MSI and MSI-X for the hardware domain (xen/arch/x86/hvm/vmsi.c: vpci_msi_enable,
 * vpci_msi_update, vpci_msi_disable, vpci_mask_pirq): a pirq allocated and mapped for the device, bound to the vector
 * the domain programmed with PT_IRQ_TYPE_MSI, unbound and unmapped on disable. Runs under the device's vPCI lock.
 */
final class VpciMsiArch {
    /** Xen's INVALID_PIRQ. */
    static final int INVALID_PIRQ = -1;
    /** MSI_ADDR_BASE_MASK and MSI_ADDR_HEADER (asm/msi.h): the address must be in the 0xfee00000 interrupt window. */
    static final long ADDR_BASE_MASK = ~0xfffffL, ADDR_HEADER = 0xfee00000L;
    static final int DATA_VECTOR_MASK = 0xff;

    private final Xen xen;
    private final Domain domain;
    private final Sbdf sbdf;

    VpciMsiArch(Xen xen, Domain domain, Sbdf sbdf) {
        this.xen = xen;
        this.domain = domain;
        this.sbdf = sbdf;
    }

    /**
     * vpci_msi_enable: a pirq for entry {@code nr} (MSI-X, {@code tableBase} the table's host address) or for
     * {@code nr} vectors (MSI, tableBase 0) through allocate_and_map_msi_pirq. Returns the pirq or the errno.
     */
    int enable(int nr, long tableBase) {
        int type = tableBase != 0 ? PhysdevOps.MAP_PIRQ_TYPE_MSI : PhysdevOps.MAP_PIRQ_TYPE_MULTI_MSI;
        PhysdevOps.PirqResult r = xen.msi().allocateAndMap(domain, domain, INVALID_PIRQ, type,
                new MsiIrqs.MsiInfo(sbdf, nr, tableBase));
        if (r.rc() < 0) {
            xen.log().log(domain.id(), Level.ERR, String.format("%s: failed to map PIRQ: %d", sbdf, r.rc()));
            return r.rc();
        }
        return r.pirq();
    }

    /**
     * vpci_msi_update: binds {@code vectors} pirqs from {@code pirq} to the vectors {@code data} names, each masked as
     * its bit in {@code mask} says; an address outside the interrupt window is refused with {@code -EOPNOTSUPP}, and a
     * bind that fails undoes the ones before it.
     */
    int update(int data, long address, int vectors, int pirq, int mask) {
        if ((address & ADDR_BASE_MASK) != ADDR_HEADER) {
            xen.log().log(domain.id(), Level.ERR, String.format("%s: PIRQ %d: unsupported address %x", sbdf, pirq, address));
            return -vdm.errno.Errno.EOPNOTSUPP;
        }
        int vector = data & DATA_VECTOR_MASK;
        // Multiple messages: the low log2(vectors) bits of the vector count up (fls(vectors) - 1 bits).
        int vectorMask = 0xff >>> (8 - (32 - Integer.numberOfLeadingZeros(vectors)) + 1);
        for (int i = 0; i < vectors; i++) {
            int gvec = (vector & ~vectorMask) | ((vector + i) & vectorMask);
            int rc = xen.msi().createBind(domain, pirq + i, gvec, MsiGflags.of(data, address, ((mask >>> i) & 1) != 0), 0);
            if (rc != 0) {
                xen.log().log(domain.id(), Level.ERR, String.format("%s: failed to bind PIRQ %d: %d", sbdf, pirq + i, rc));
                for (int j = i - 1; j >= 0; j--) xen.msi().destroyBind(domain, pirq + j);
                return rc;
            }
        }
        return 0;
    }

    /** vpci_msi_disable: unbinds {@code nr} pirqs from {@code pirq} if they were bound, then unmaps the first. */
    void disable(int pirq, int nr, boolean bound) {
        for (int i = 0; i < nr && bound; i++) xen.msi().destroyBind(domain, pirq + i);
        xen.msi().unmap(domain, domain, pirq);
    }

    /** Unbinds {@code nr} bound pirqs from {@code pirq} (vpci_msi_arch_update's first step). */
    void unbind(int pirq, int nr) {
        for (int i = 0; i < nr; i++) xen.msi().destroyBind(domain, pirq + i);
    }

    /** vpci_mask_pirq -> guest_mask_msi_irq. */
    void mask(int pirq, boolean mask) {
        if (pirq != INVALID_PIRQ) xen.msi().guestMask(domain, pirq, mask);
    }
}
