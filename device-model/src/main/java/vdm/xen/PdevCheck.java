package vdm.xen;

import vdm.pci.ConfigRegisters;
import vdm.pci.Sbdf;

/**
 * check_pdev's BAR position check (xen/drivers/passthrough/pci.c), as Xen 75cc460a1b ("xen/pci: detect when BARs
 * are not suitably positioned") added it and 53d9133638 ("pci: do not disable memory decoding for devices") took it
 * out again: when Xen learns of a device that firmware left decoding memory, it turns decoding off, sizes each memory
 * BAR (and an enabled ROM) and turns decoding back on only if none overlaps the memory map; otherwise it prints
 * XENLOG_WARNING "%pp disabled: %sBAR [%#lx, %#lx] overlaps with memory map" (the frames of the BAR) and leaves
 * decoding off "and expect[s] the hardware domain to properly position the BAR". Run only without
 * {@link XenConfig#pciKeepDecoding}. (pdev->ignore_bars, a quirk of a few host bridges, is not modelled.)
 */
final class PdevCheck {
    private PdevCheck() {}

    private static final int CMD_MEMORY = ConfigRegisters.COMMAND_MEMORY;

    static void check(XenLog log, MemoryMap map, Sbdf sbdf, PciHardware hw) {
        // With no memory map every BAR is in a hole: the check would only turn decoding off and on again.
        if (map.isEmpty() || hw == null) return;
        int cmd = hw.read(ConfigRegisters.COMMAND, 2);
        if ((cmd & CMD_MEMORY) == 0) return;
        int type = hw.read(ConfigRegisters.HEADER_TYPE, 1) & 0x7f;
        int nbars = type == 0 ? 6 : type == 1 ? 2 : 0;
        int rom = type == 0 ? ConfigRegisters.ROM : type == 1 ? ConfigRegisters.ROM_BRIDGE : 0;
        hw.write(ConfigRegisters.COMMAND, 2, cmd & ~CMD_MEMORY);
        for (int i = 0; i < nbars; i++) {
            int reg = 0x10 + 4 * i;
            int lo = hw.read(reg, 4);
            if ((lo & 1) != 0) continue; // PCI_BASE_ADDRESS_SPACE_IO
            boolean is64 = (lo & 0x6) == 0x4 && i < nbars - 1;
            long[] bar = size(hw, reg, is64, 0xfffffff0L);
            if (is64) i++;
            if (bar[1] != 0 && overlaps(log, map, sbdf, "", bar)) return;
        }
        if (rom != 0 && (hw.read(rom, 4) & 1) != 0) {
            long[] bar = size(hw, rom, false, 0xfffff800L);
            if (bar[1] != 0 && overlaps(log, map, sbdf, "ROM ", bar)) return;
        }
        hw.write(ConfigRegisters.COMMAND, 2, cmd);
    }

    private static boolean overlaps(XenLog log, MemoryMap map, Sbdf sbdf, String what, long[] bar) {
        long first = bar[0] >>> P2m.PAGE_SHIFT, last = (bar[0] + bar[1] - 1) >>> P2m.PAGE_SHIFT;
        if (map.isHole(first, last)) return false;
        log.warn(-1, "%s disabled: %sBAR [%#x, %#x] overlaps with memory map", sbdf, what, first, last);
        return true;
    }

    /** pci_size_mem_bar: {address, size}, sized by writing all ones and putting the value back. */
    private static long[] size(PciHardware hw, int reg, boolean is64, long mask) {
        int lo = hw.read(reg, 4);
        hw.write(reg, 4, 0xffffffff);
        long sized = hw.read(reg, 4) & mask;
        hw.write(reg, 4, lo);
        long addr = lo & mask;
        if (is64) {
            int hi = hw.read(reg + 4, 4);
            hw.write(reg + 4, 4, 0xffffffff);
            sized |= (long) hw.read(reg + 4, 4) << 32;
            hw.write(reg + 4, 4, hi);
            addr |= (long) hi << 32;
        } else {
            sized |= 0xffffffff00000000L;
        }
        long size = sized == 0xffffffff00000000L || sized == 0 ? 0 : -sized;
        return new long[] {addr, size};
    }
}
