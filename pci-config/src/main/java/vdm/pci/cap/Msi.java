package vdm.pci.cap;

import vdm.pci.Effects;
import vdm.pci.layout.BitKind;
import vdm.pci.layout.Capability;
import vdm.pci.layout.LayoutException;
import vdm.pci.layout.RegisterMap;

/**
 * MSI capability, id 0x05 (PCI 3.0, 6.8.1): 32- or 64-bit message address, 1 to 32 vectors, optional per-vector
 * masking. Writable bits as QEMU's msi_init: enable, Multiple Message Enable, address (bits 1:0 zero), 16-bit data,
 * mask bits of implemented vectors. Enabling with MME above MMC is clamped by the function, not the masks: see
 * {@link vdm.pci.engine.FunctionReactions}.
 */
public final class Msi extends Capability {
    public static final int ID = 0x05;
    public static final int CONTROL = 2;
    private final int vectors;
    private boolean address64;
    private boolean perVectorMask;

    public Msi(int vectors) {
        if (vectors < 1 || vectors > 32 || Integer.bitCount(vectors) != 1) {
            throw new LayoutException("MSI vectors " + vectors + " must be a power of two from 1 to 32");
        }
        this.vectors = vectors;
    }

    public Msi address64() {
        this.address64 = true;
        return this;
    }

    public Msi perVectorMask() {
        this.perVectorMask = true;
        return this;
    }

    public int vectors() { return vectors; }
    public boolean is64() { return address64; }
    public boolean hasMask() { return perVectorMask; }

    /** Offset of the data register within the capability. */
    public int dataOffset() { return address64 ? 0xc : 0x8; }
    public int maskOffset() { return address64 ? 0x10 : 0xc; }
    public int pendingOffset() { return address64 ? 0x14 : 0x10; }

    @Override public int id() { return ID; }
    @Override public String name() { return "MSI"; }

    @Override
    public int length() {
        return (address64 ? 14 : 10) + (perVectorMask ? 10 : 0);
    }

    @Override
    protected void declareBody(RegisterMap map, int base) {
        String o = label(base);
        int ctl = base + CONTROL;
        int mmc = Integer.numberOfTrailingZeros(vectors);
        map.declare(o, "Enable", ctl, 2, BitKind.RW, 0x0001, 0);
        map.declare(o, "MultipleMessageCapable", ctl, 2, BitKind.CONST, 0x000e, mmc << 1);
        map.declare(o, "MultipleMessageEnable", ctl, 2, BitKind.RW, 0x0070, 0);
        map.declare(o, "Address64", ctl, 2, BitKind.CONST, 0x0080, address64 ? 0x0080 : 0);
        map.declare(o, "PerVectorMasking", ctl, 2, BitKind.CONST, 0x0100, perVectorMask ? 0x0100 : 0);
        map.declare(o, "Reserved", ctl, 2, BitKind.RSVDP, 0xfe00, 0);
        map.watch(ctl, 2, 0x0001, Effects.MSI_ENABLE);
        map.watch(ctl, 2, 0x0070, Effects.MSI_MESSAGE);
        map.declare(o, "AddressLow", base + 4, 4, BitKind.RW, 0xfffffffc, 0);
        map.declare(o, "AddressLowZero", base + 4, 4, BitKind.CONST, 0x3, 0);
        map.watch(base + 4, 4, -1, Effects.MSI_MESSAGE);
        if (address64) {
            map.declare(o, "AddressHigh", base + 8, 4, BitKind.RW, 0);
            map.watch(base + 8, 4, -1, Effects.MSI_MESSAGE);
        }
        int data = base + dataOffset();
        map.declare(o, "Data", data, 2, BitKind.RW, 0);
        map.watch(data, 2, 0xffff, Effects.MSI_MESSAGE);
        if (perVectorMask) {
            map.declare(o, "ReservedAfterData", data + 2, 2, BitKind.RSVDP, 0);
            int implemented = vectors == 32 ? -1 : (1 << vectors) - 1;
            map.declare(o, "MaskBits", base + maskOffset(), 4, BitKind.RW, implemented, 0);
            if (vectors < 32) map.declare(o, "MaskReserved", base + maskOffset(), 4, BitKind.RSVDP, ~implemented, 0);
            map.watch(base + maskOffset(), 4, implemented, Effects.MSI_MASK);
            map.declare(o, "PendingBits", base + pendingOffset(), 4, BitKind.RO, 0);
        }
    }
}
