package vdm.xen;

import vdm.pci.Sbdf;

/**
 * Xen's struct msi_desc for one irq (xen/arch/x86/include/asm/msi.h): the device, MSI or MSI-X, the capability's
 * position, the entry (the MSI-X table entry, or the vector's index in an MSI block), what Xen knows of the
 * capability (64-bit address, per-vector mask bit and its register), the MSI-X entry's machine address (Xen's
 * mask_base), the vector Xen gave the irq and the message it wrote, and the host and guest masks. Written under
 * {@link MsiIrqs}' lock only.
 */
final class MsiDesc {
    final int irq;
    final Sbdf sbdf;
    final boolean msix;
    /** The capability's offset in config space (msi_attrib.pos). */
    final int pos;
    /** MSI-X: the table entry; MSI: the index in the block (msi_attrib.entry_nr). */
    final int entryNr;
    /** MSI: the block's size on its first entry, 0 on the others (msi.nvec); MSI-X: 1. */
    final int nvec;
    final boolean is64;
    /** MSI: the capability has per-vector mask bits (msi_attrib.maskbit); MSI-X: always. */
    final boolean maskbit;
    /** MSI: the mask bits register (msi.mpos), -1 without; MSI-X: -1. */
    final int mpos;
    /** MSI-X: the machine address of the table entry (mask_base); 0 for MSI. */
    final long entryAddress;
    /** MSI-X: the table's machine address; 0 for MSI. */
    final long tableBase;
    final int vector;
    /** The APIC id of the CPU the message targets (msg.dest32). */
    final int destApic;
    /** The device's owner when Xen set the irq up (pdev->domain), for Xen's messages. */
    final int ownerId;
    boolean hostMasked;
    /** Volatile: msixtbl_read answers it without the lock (Xen reads it under rcu_read_lock only). */
    volatile boolean guestMasked;

    MsiDesc(int irq, Sbdf sbdf, boolean msix, int pos, int entryNr, int nvec, boolean is64, boolean maskbit, int mpos,
            long entryAddress, long tableBase, int vector, int destApic, int ownerId, boolean hostMasked, boolean guestMasked) {
        this.ownerId = ownerId;
        this.irq = irq;
        this.sbdf = sbdf;
        this.msix = msix;
        this.pos = pos;
        this.entryNr = entryNr;
        this.nvec = nvec;
        this.is64 = is64;
        this.maskbit = maskbit;
        this.mpos = mpos;
        this.entryAddress = entryAddress;
        this.tableBase = tableBase;
        this.vector = vector;
        this.destApic = destApic;
        this.hostMasked = hostMasked;
        this.guestMasked = guestMasked;
    }

    /** msi_compose_msg's address: 0xfee00000, physical destination mode, no redirection hint, dest id 19:12. */
    long address() {
        return MsiIrqs.composeAddress(destApic);
    }

    /** msi_compose_msg's data: edge, assert, fixed delivery, the vector. */
    int data() {
        return MsiIrqs.composeData(vector);
    }

    MsiIrqs.DescState save() {
        return new MsiIrqs.DescState(irq, sbdf, msix, pos, entryNr, nvec, is64, maskbit, mpos, entryAddress, tableBase, vector, destApic, ownerId, hostMasked,
                guestMasked);
    }

    static MsiDesc of(MsiIrqs.DescState s) {
        return new MsiDesc(s.irq(), s.sbdf(), s.msix(), s.pos(), s.entryNr(), s.nvec(), s.is64(), s.maskbit(), s.mpos(), s.entryAddress(),
                s.tableBase(), s.vector(), s.destApic(), s.ownerId(), s.hostMasked(), s.guestMasked());
    }
}
