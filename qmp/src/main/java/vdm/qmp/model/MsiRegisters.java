package vdm.qmp.model;

import vdm.host.PhysicalFunction;
import vdm.pci.layout.Layout.PlacedCapability;

/**
 * A function's MSI and MSI-X registers as the hardware holds them, read the way lspci does: Message Control and the
 * capability's registers from config space, the MSI-X table and PBA from BAR memory (the device's side,
 * {@link PhysicalFunction#memRead}, decoded or not). Offsets and bits are Linux's include/uapi/linux/pci_regs.h
 * (PCI_MSI_*, PCI_MSIX_*), after PCI 3.0 6.8.1 and 6.8.2. Reading has no effect on the device.
 */
final class MsiRegisters {
    private MsiRegisters() {}

    /** The MSI capability's state (PCI_MSI_FLAGS and what follows it), or null if the function has none. */
    static Msi msi(PhysicalFunction f) {
        PlacedCapability c = f.layout().capability(vdm.pci.cap.Msi.ID, false);
        if (c == null) return null;
        int base = c.offset();
        int control = f.read(base + 2, 2);
        boolean is64 = (control & 0x80) != 0;                         // PCI_MSI_FLAGS_64BIT
        long high = is64 ? Integer.toUnsignedLong(f.read(base + 8, 4)) : 0;
        long address = high << 32 | Integer.toUnsignedLong(f.read(base + 4, 4));
        int data = f.read(base + (is64 ? 0xc : 0x8), 2);              // PCI_MSI_DATA_64 / _32
        boolean maskable = (control & 0x100) != 0;                    // PCI_MSI_FLAGS_MASKBIT
        int mask = maskable ? f.read(base + (is64 ? 0x10 : 0xc), 4) : 0;      // PCI_MSI_MASK_64 / _32
        int pending = maskable ? f.read(base + (is64 ? 0x14 : 0x10), 4) : 0;  // PCI_MSI_PENDING_64 / _32
        return new Msi(base, control, address, data, mask, pending);
    }

    /** The MSI-X capability's registers (PCI_MSIX_FLAGS, _TABLE, _PBA), or null if the function has none. */
    static MsiX msix(PhysicalFunction f) {
        PlacedCapability c = f.layout().capability(vdm.pci.cap.MsiX.ID, false);
        if (c == null) return null;
        int base = c.offset();
        return new MsiX(base, f.read(base + 2, 2), f.read(base + 4, 4), f.read(base + 8, 4));
    }

    /** MSI: Message Control, the message address and data, and (with per-vector masking) the mask and pending bits. */
    record Msi(int offset, int control, long address, int data, int mask, int pending) {
        boolean enabled() { return (control & 0x1) != 0; }                 // PCI_MSI_FLAGS_ENABLE
        boolean address64() { return (control & 0x80) != 0; }
        boolean perVectorMask() { return (control & 0x100) != 0; }
        /** Multiple Message Capable (PCI_MSI_FLAGS_QMASK): the vectors the function can use. */
        int capableVectors() { return 1 << ((control & 0x0e) >> 1); }
        /**
         * Multiple Message Enable (PCI_MSI_FLAGS_QSIZE), what software allocated: the vectors the function may raise
         * (no more than it is capable of, whatever software wrote).
         */
        int allocatedVectors() { return Math.min(1 << ((control & 0x70) >> 4), capableVectors()); }
    }

    /** MSI-X: Message Control and the Table and PBA Offset/BIR registers. */
    record MsiX(int offset, int control, int table, int pba) {
        private static final int ENTRY_SIZE = 16;                          // PCI_MSIX_ENTRY_SIZE

        boolean enabled() { return (control & 0x8000) != 0; }              // PCI_MSIX_FLAGS_ENABLE
        boolean functionMask() { return (control & 0x4000) != 0; }         // PCI_MSIX_FLAGS_MASKALL
        int tableSize() { return (control & 0x7ff) + 1; }                  // PCI_MSIX_FLAGS_QSIZE, N-1 encoded
        int tableBir() { return table & 7; }                               // PCI_MSIX_TABLE_BIR
        long tableOffset() { return Integer.toUnsignedLong(table & ~7); }  // PCI_MSIX_TABLE_OFFSET
        int pbaBir() { return pba & 7; }
        long pbaOffset() { return Integer.toUnsignedLong(pba & ~7); }

        /** Table entry {@code n} (PCI_MSIX_ENTRY_LOWER_ADDR, _UPPER_ADDR, _DATA, _VECTOR_CTRL) and its PBA bit. */
        Entry entry(PhysicalFunction f, int n) {
            long at = tableOffset() + (long) n * ENTRY_SIZE;
            long address = (f.memRead(tableBir(), at, 4) & 0xffff_ffffL) | f.memRead(tableBir(), at + 4, 4) << 32;
            int data = (int) f.memRead(tableBir(), at + 8, 4);
            boolean masked = (f.memRead(tableBir(), at + 12, 4) & 1) != 0;  // PCI_MSIX_ENTRY_CTRL_MASKBIT
            long qword = f.memRead(pbaBir(), pbaOffset() + 8L * (n / 64), 8);
            return new Entry(address, data, masked, (qword >>> (n % 64) & 1) != 0);
        }
    }

    record Entry(long address, int data, boolean masked, boolean pending) {}
}
