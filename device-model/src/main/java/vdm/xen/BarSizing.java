package vdm.xen;

/**
 * How vPCI sizes a header's BARs and ROM when it learns of a device (Xen's init_header with pci_size_mem_bar): each
 * BAR is written all ones and read back, then restored, a 64-bit BAR taking its high half with it; an IO BAR and an
 * unimplemented one are told apart by bit 0 and a mask of 0. The caller has memory decoding off while this runs.
 */
final class BarSizing {
    private BarSizing() {}

    /** Sizes every BAR into {@code bars}: type, size, prefetchable and the address it holds now. */
    static void bars(PciHardware hw, BarState[] bars) {
        for (int i = 0; i < bars.length; i++) {
            BarState bar = bars[i];
            int reg = vdm.pci.ConfigRegisters.bar(i);
            if (i > 0 && bars[i - 1].type == BarState.Type.MEM64_LO) {
                bar.type = BarState.Type.MEM64_HI;
                continue;
            }
            int val = hw.read(reg, 4);
            if ((val & 1) != 0) {
                hw.write(reg, 4, 0xffffffff);
                int mask = hw.read(reg, 4) & 0xfffffffc;
                hw.write(reg, 4, val);
                if (mask == 0) continue;
                bar.type = BarState.Type.IO;
                bar.size = (-mask) & 0xffffffffL;
                bar.addr = val & 0xfffffffcL;
                continue;
            }
            boolean is64 = (val & 0x6) == 0x4;
            hw.write(reg, 4, 0xffffffff);
            int lo = hw.read(reg, 4);
            hw.write(reg, 4, val);
            int hiVal = 0, hi = -1;
            if (is64) {
                hiVal = hw.read(reg + 4, 4);
                hw.write(reg + 4, 4, 0xffffffff);
                hi = hw.read(reg + 4, 4);
                hw.write(reg + 4, 4, hiVal);
            }
            long mask = ((long) hi << 32) | (lo & 0xfffffff0L);
            if ((lo & 0xfffffff0) == 0 && (!is64 || hi == 0)) continue; // unimplemented
            bar.type = is64 ? BarState.Type.MEM64_LO : BarState.Type.MEM32;
            bar.size = -mask;
            bar.prefetchable = (val & 0x8) != 0;
            bar.addr = (val & 0xfffffff0L) | ((long) hiVal << 32);
        }
    }

    /** Sizes the expansion ROM at {@code romRegister} into {@code rom}; returns whether its enable bit is set. */
    static boolean rom(PciHardware hw, int romRegister, BarState rom) {
        int val = hw.read(romRegister, 4);
        hw.write(romRegister, 4, 0xfffff800);
        int mask = hw.read(romRegister, 4) & 0xfffff800;
        hw.write(romRegister, 4, val);
        if (mask == 0) return false;
        rom.type = BarState.Type.ROM;
        rom.size = (-mask) & 0xffffffffL;
        rom.addr = val & 0xfffff800L;
        return (val & 1) != 0;
    }
}
