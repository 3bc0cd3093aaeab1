package vdm.xen;

/**
 * An intercept of a domain's memory accesses to addresses its p2m does not map (Xen's struct hvm_mmio_ops: check,
 * read, write, found by hvm_find_io_handler in registration order): vPCI's MSI-X table and PBA traps for the
 * hardware domain (vpci_msix_table_ops), msixtbl for an HVM guest, and last the device model's ioreq server.
 * {@link #claims} is on the access path: it allocates nothing.
 */
public interface MmioIntercept {
    /** Xen's check(): whether this intercept handles {@code gaddr} in the vCPU's domain. */
    boolean claims(Vcpu vcpu, long gaddr);

    /** The access's value, zero-extended from {@code size} (1, 2, 4 or 8) bytes. */
    long read(Vcpu vcpu, long gaddr, int size);

    void write(Vcpu vcpu, long gaddr, int size, long value);
}
