package vdm.xen;

import vdm.pci.Sbdf;

/**
 * Xen's MSI and MSI-X interrupts (issue 13: to be built): the irqs a map_pirq of an MSI allocates and the msi_desc
 * each one keeps (xen/arch/x86/msi.c: pci_enable_msi, msi_capability_init, msix_capability_init, msi_compose_msg,
 * write_msi_msg, guest_mask_msi_irq), the PT_IRQ_TYPE_MSI bindings of xen/drivers/passthrough/x86/hvm.c
 * (pt_irq_create_bind, pt_irq_destroy_bind), and delivery: a device's message to Xen's vector reaches the bound
 * pirq's domain as its own vector and destination (do_IRQ -> hvm_dirq_assist -> vmsi_deliver_pirq -> vmsi_deliver).
 */
public final class MsiIrqs {
    /** struct msi_info: the device, the vector count (MSI) or entry number (MSI-X), and the MSI-X table's address (0 for MSI). */
    public record MsiInfo(Sbdf sbdf, int entryNr, long tableBase) {}

    private final Xen xen;

    MsiIrqs(Xen xen) {
        this.xen = xen;
    }

    /**
     * allocate_and_map_msi_pirq(d, index, &pirq, type, msi): {@code type} is {@link PhysdevOps#MAP_PIRQ_TYPE_MSI}
     * (MSI-X when {@code info.tableBase()} is not 0) or {@link PhysdevOps#MAP_PIRQ_TYPE_MULTI_MSI}; {@code pirq} -1
     * allocates. Returns the pirq or the errno.
     */
    PhysdevOps.PirqResult allocateAndMap(Domain caller, Domain d, int pirq, int type, MsiInfo info) {
        throw new UnsupportedOperationException("MSI irqs are not modelled yet");
    }

    /** pt_irq_create_bind for PT_IRQ_TYPE_MSI: {@code gtable} is the guest's MSI-X table address (0 for MSI). */
    int createBind(Domain d, int pirq, int gvec, int gflags, long gtable) {
        throw new UnsupportedOperationException("MSI bindings are not modelled yet");
    }

    /** pt_irq_destroy_bind for PT_IRQ_TYPE_MSI. */
    int destroyBind(Domain d, int pirq) {
        throw new UnsupportedOperationException("MSI bindings are not modelled yet");
    }

    /** guest_mask_msi_irq: the guest's own mask of the pirq's vector, which Xen applies to the device's mask bit. */
    void guestMask(Domain d, int pirq, boolean mask) {
        throw new UnsupportedOperationException("MSI masking is not modelled yet");
    }

    /** unmap_domain_pirq of an MSI pirq: the irq is freed and the device's MSI (entry) disabled (pci_disable_msi). */
    int unmap(Domain caller, Domain d, int pirq) {
        throw new UnsupportedOperationException("MSI irqs are not modelled yet");
    }

    /**
     * A device's MSI/MSI-X message arrives (the host's {@link vdm.host.MsiTarget}): the vector Xen programmed names its
     * irq, whose bound domain receives the vector and destination it asked for. Lock-free, allocation-free.
     */
    public void message(long address, int data) {
        throw new UnsupportedOperationException("MSI delivery is not modelled yet");
    }
}
