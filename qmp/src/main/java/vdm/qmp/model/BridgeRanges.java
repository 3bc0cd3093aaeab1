package vdm.qmp.model;

import vdm.host.PhysicalFunction;

/**
 * A type 1 header's forwarding ranges as QEMU computes them for query-pci (hw/pci/pci_bridge.c pci_bridge_get_base
 * and pci_bridge_get_limit): straight from the base and limit registers, closed windows included (base above limit,
 * as a bridge with nothing behind it shows), the limit's low bits all ones (4 KiB for IO, 1 MiB for memory).
 * Register offsets and masks are pci_regs.h's (PCI_IO_BASE 0x1c, PCI_MEMORY_BASE 0x20, PCI_PREF_MEMORY_BASE 0x24...).
 */
record BridgeRanges(long ioBase, long ioLimit, long memoryBase, long memoryLimit, long prefetchableBase, long prefetchableLimit) {
    static BridgeRanges of(PhysicalFunction bridge) {
        return new BridgeRanges(io(bridge, 0x1c, 0x30), io(bridge, 0x1d, 0x32) + 0xfff,
                memory(bridge, 0x20), memory(bridge, 0x22) + 0xfffff,
                prefetchable(bridge, 0x24, 0x28), prefetchable(bridge, 0x26, 0x2c) + 0xfffff);
    }

    /** pci_config_get_io_base: bits 7:4 are address bits 15:12; type 1 (32-bit IO) adds the upper 16 bits. */
    private static long io(PhysicalFunction f, int reg, int upper16) {
        int v = f.read(reg, 1);
        long base = (long) (v & 0xf0) << 8;
        if ((v & 0x01) != 0) base |= (long) f.read(upper16, 2) << 16;
        return base;
    }

    /** pci_config_get_memory_base: bits 15:4 are address bits 31:20. */
    private static long memory(PhysicalFunction f, int reg) {
        return (long) (f.read(reg, 2) & 0xfff0) << 16;
    }

    /** pci_config_get_pref_base: as memory, and type 1 (64-bit) adds the upper 32 bits. */
    private static long prefetchable(PhysicalFunction f, int reg, int upper32) {
        int v = f.read(reg, 2);
        long base = (long) (v & 0xfff0) << 16;
        if ((v & 0x01) != 0) base |= Integer.toUnsignedLong(f.read(upper32, 4)) << 32;
        return base;
    }
}
