package vdm.xen;

import vdm.log.Level;

/**
 * Xen's own programming of a device's MSI and MSI-X (xen/arch/x86/msi.c): it finds the capabilities in config space
 * (pci_find_cap_offset), sets an MSI block up (msi_capability_init), writes the message it composed into the MSI
 * registers or the MSI-X table entry (write_msi_msg), sets the mask bits (msi_set_mask_bit) and disables
 * (__pci_disable_msi, __pci_disable_msix). Config space is reached through {@link PciHardware}, the MSI-X table
 * through the host's memory space ({@link PciBus#mmioWrite}). Called under {@link MsiIrqs}' lock.
 */
final class MsiProgramming {
    static final long MSI_ADDR_BASE = 0xfee0_0000L;
    static final int MSI_DATA_LEVEL_ASSERT = 1 << 14;

    static final int COMMAND = 0x04, COMMAND_MEMORY = 0x2, COMMAND_INTX_DISABLE = 0x400;
    static final int STATUS = 0x06, STATUS_CAP_LIST = 0x10, CAPABILITY_LIST = 0x34, HEADER_TYPE = 0x0e, BAR0 = 0x10;
    static final int CAP_ID_MSI = 0x05, CAP_ID_MSIX = 0x11;

    static final int MSI_FLAGS = 2, MSI_FLAGS_ENABLE = 0x1, MSI_FLAGS_QMASK = 0x0e, MSI_FLAGS_QSIZE = 0x70;
    static final int MSI_FLAGS_64BIT = 0x80, MSI_FLAGS_MASKBIT = 0x100;
    static final int MSI_ADDRESS_LO = 4, MSI_ADDRESS_HI = 8, MSI_MASK_BIT = 16;

    static final int MSIX_FLAGS = 2, MSIX_FLAGS_QSIZE = 0x7ff, MSIX_FLAGS_MASKALL = 0x4000, MSIX_FLAGS_ENABLE = 0x8000;
    static final int MSIX_TABLE = 4, MSIX_PBA = 8, MSIX_BIRMASK = 0x7;
    static final int MSIX_ENTRY_SIZE = 16, MSIX_ENTRY_LOWER_ADDR = 0, MSIX_ENTRY_UPPER_ADDR = 4, MSIX_ENTRY_DATA = 8,
            MSIX_ENTRY_VECTOR_CTRL = 12;

    /** struct arch_msix: how many entries Xen uses, and Xen's own and the owner's view of MASKALL. */
    static final class MsixState {
        int usedEntries;
        boolean hostMaskall;
        boolean guestMaskall;
    }

    private MsiProgramming() {}

    /** pci_find_cap_offset: the capability's offset, 0 if the device has none (a loop bounded as Xen bounds it, 48). */
    static int findCapability(PciHardware hw, int id) {
        if ((hw.read(STATUS, 2) & STATUS_CAP_LIST) == 0) return 0;
        int pos = hw.read(CAPABILITY_LIST, 1) & ~3;
        for (int ttl = 48; ttl > 0 && pos >= 0x40; ttl--) {
            int header = hw.read(pos, 2);
            if ((header & 0xff) == 0xff) break;
            if ((header & 0xff) == id) return pos;
            pos = (header >>> 8) & ~3;
        }
        return 0;
    }

    /** memory_decoded: the function decodes memory (COMMAND's memory space bit). */
    static boolean memoryDecoded(PciHardware hw) {
        return (hw.read(COMMAND, 2) & COMMAND_MEMORY) != 0;
    }

    /** read_pci_mem_bar: BAR {@code bir}'s memory address, 0 for an IO BAR or a BIR the header type lacks. */
    static long readMemBar(PciHardware hw, int bir) {
        int limit = switch (hw.read(HEADER_TYPE, 1) & 0x7f) {
            case 0 -> 6;
            case 1 -> 2;
            case 2 -> 1;
            default -> 0;
        };
        if (bir >= limit) return 0;
        int lo = hw.read(BAR0 + 4 * bir, 4);
        if ((lo & 1) != 0) return 0;
        long address = lo & 0xffff_fff0L;
        if ((lo & 0x6) == 0x4) {
            if (bir + 1 >= limit) return 0;
            address |= (hw.read(BAR0 + 4 * (bir + 1), 4) & 0xffff_ffffL) << 32;
        }
        return address;
    }

    /** multi_msi_capable: how many vectors the capability offers (msi_maxvec). */
    static int msiMaxVectors(PciHardware hw, int pos) {
        return 1 << ((hw.read(pos + MSI_FLAGS, 2) & MSI_FLAGS_QMASK) >>> 1);
    }

    /** The MSI-X table size (nr_entries: Table Size + 1). */
    static int msixEntries(PciHardware hw, int pos) {
        return (hw.read(pos + MSIX_FLAGS, 2) & MSIX_FLAGS_QSIZE) + 1;
    }

    /**
     * msi_capability_init's device side: Multiple Message Enable set for {@code nvec} (a power of two), MSI disabled
     * while it is set up, every vector the device offers masked if it has mask bits, then Message Control written
     * back with its enable bit as it was (the hardware domain enables MSI itself: Xen's split-brain model).
     */
    static void msiInit(PciHardware hw, int pos, int nvec, int maxvec) {
        int control = hw.read(pos + MSI_FLAGS, 2);
        control &= ~MSI_FLAGS_QSIZE;
        control |= (31 - Integer.numberOfLeadingZeros(nvec)) << 4; // multi_msi_enable: fls(num) - 1
        hw.write(pos + MSI_FLAGS, 2, hw.read(pos + MSI_FLAGS, 2) & ~MSI_FLAGS_ENABLE);
        if ((control & MSI_FLAGS_MASKBIT) != 0) {
            int mpos = maskBitsReg(pos, (control & MSI_FLAGS_64BIT) != 0);
            hw.write(mpos, 4, hw.read(mpos, 4) | (int) (0xffff_ffffL >>> (32 - maxvec)));
        }
        hw.write(pos + MSI_FLAGS, 2, control);
    }

    /** msi_mask_bits_reg. */
    static int maskBitsReg(int pos, boolean is64) {
        return pos + MSI_MASK_BIT - (is64 ? 0 : 4);
    }

    /**
     * write_msi_msg for MSI: only the block's first entry writes the registers (address low, high if 64-bit, data);
     * the others' vectors follow from the data's low bits.
     */
    static void writeMsi(PciHardware hw, MsiDesc d) {
        if (d.entryNr != 0) return;
        hw.write(d.pos + MSI_ADDRESS_LO, 4, (int) d.address());
        if (d.is64) hw.write(d.pos + MSI_ADDRESS_HI, 4, (int) (d.address() >>> 32));
        hw.write(d.pos + (d.is64 ? 12 : 8), 2, d.data());
    }

    /** write_msi_msg for MSI-X: {@code -ENXIO} when the function does not decode memory, else the entry's three dwords. */
    static int writeMsix(PciHardware hw, PciBus bus, MsiDesc d) {
        if (!memoryDecoded(hw)) return -vdm.errno.Errno.ENXIO;
        bus.mmioWrite(d.entryAddress + MSIX_ENTRY_LOWER_ADDR, 4, d.address() & 0xffff_ffffL);
        bus.mmioWrite(d.entryAddress + MSIX_ENTRY_UPPER_ADDR, 4, d.address() >>> 32);
        bus.mmioWrite(d.entryAddress + MSIX_ENTRY_DATA, 4, d.data() & 0xffff_ffffL);
        return 0;
    }

    /**
     * setup_msi_irq's write: MSI-X needs the function enabled to take table writes, so Xen enables it with MASKALL for
     * the write and restores Message Control after.
     */
    static int writeMessage(PciHardware hw, PciBus bus, MsiDesc d) {
        if (!d.msix) {
            writeMsi(hw, d);
            return 0;
        }
        int cpos = d.pos + MSIX_FLAGS;
        int control = hw.read(cpos, 2);
        if ((control & MSIX_FLAGS_ENABLE) == 0) hw.write(cpos, 2, control | MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
        int rc = writeMsix(hw, bus, d);
        if ((control & MSIX_FLAGS_ENABLE) == 0) hw.write(cpos, 2, control);
        return rc;
    }

    /**
     * msi_set_mask_bit(desc, host, guest): the vector is masked while either side masks it. MSI without mask bits
     * cannot be masked (false). MSI-X writes the entry's Vector Control while the function decodes memory (enabling
     * the function with MASKALL meanwhile if it is not enabled, and then keeping MASKALL); without decoding it can only
     * set MASKALL, with Xen's warning.
     */
    static boolean setMaskBit(XenLog log, PciHardware hw, PciBus bus, MsiDesc d, MsixState msix, int ownerId, boolean host, boolean guest) {
        boolean flag = host || guest;
        if (!d.msix) {
            if (d.maskbit) {
                int bits = hw.read(d.mpos, 4);
                bits &= ~(1 << d.entryNr);
                bits |= (flag ? 1 : 0) << d.entryNr;
                hw.write(d.mpos, 4, bits);
            }
            d.hostMasked = host;
            d.guestMasked = guest;
            return true;
        }
        int cpos = d.pos + MSIX_FLAGS;
        boolean maskall = msix.hostMaskall;
        int control = hw.read(cpos, 2);
        if ((control & MSIX_FLAGS_ENABLE) == 0) {
            msix.hostMaskall = true;
            hw.write(cpos, 2, control | MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
        }
        if (memoryDecoded(hw)) {
            bus.mmioWrite(d.entryAddress + MSIX_ENTRY_VECTOR_CTRL, 4, flag ? 1 : 0);
            bus.mmioRead(d.entryAddress + MSIX_ENTRY_VECTOR_CTRL, 4); // Xen reads back to flush the posted write
            d.hostMasked = host;
            d.guestMasked = guest;
            if ((control & MSIX_FLAGS_ENABLE) != 0) return true;
            flag = true;
        } else if (flag && (control & MSIX_FLAGS_MASKALL) == 0) {
            maskall = true;
            log.log(-1, Level.WARNING, String.format("cannot mask IRQ %d: masking MSI-X on Dom%d's %s", d.irq, ownerId, d.sbdf));
        }
        msix.hostMaskall = maskall;
        if (maskall || msix.guestMaskall) control |= MSIX_FLAGS_MASKALL;
        hw.write(cpos, 2, control);
        return flag;
    }

    /**
     * __pci_disable_msi: MSI's enable bit cleared; INTx re-enabled (COMMAND's INTx disable cleared) when no guest is
     * bound to the irq (pci_intx).
     */
    static void disableMsi(PciHardware hw, MsiDesc d, boolean guestBound) {
        hw.write(d.pos + MSI_FLAGS, 2, hw.read(d.pos + MSI_FLAGS, 2) & ~MSI_FLAGS_ENABLE);
        if (d.irq > 0 && !guestBound) {
            int command = hw.read(COMMAND, 2);
            if ((command & COMMAND_INTX_DISABLE) != 0) hw.write(COMMAND, 2, command & ~COMMAND_INTX_DISABLE);
        }
    }

    /**
     * __pci_disable_msix: the entry masked (with the function enabled under MASKALL meanwhile if it was not), or, when
     * the function does not decode memory, MASKALL with Xen's warning; Message Control restored; one entry less in use.
     */
    static void disableMsix(XenLog log, PciHardware hw, PciBus bus, MsiDesc d, MsixState msix) {
        int cpos = d.pos + MSIX_FLAGS;
        int control = hw.read(cpos, 2);
        boolean maskall = msix.hostMaskall;
        if ((control & MSIX_FLAGS_ENABLE) == 0) {
            msix.hostMaskall = true;
            hw.write(cpos, 2, control | MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
        }
        if (memoryDecoded(hw)) {
            bus.mmioWrite(d.entryAddress + MSIX_ENTRY_VECTOR_CTRL, 4, 1);
        } else if ((control & MSIX_FLAGS_MASKALL) == 0) {
            log.log(-1, Level.WARNING, String.format("cannot disable IRQ %d: masking MSI-X on %s", d.irq, d.sbdf));
            maskall = true;
        }
        msix.hostMaskall = maskall;
        if (maskall || msix.guestMaskall) control |= MSIX_FLAGS_MASKALL;
        hw.write(cpos, 2, control);
        if (msix.usedEntries > 0) msix.usedEntries--; // _pci_cleanup_msix
    }
}
