package vdm.pci.cap;

import vdm.pci.layout.BitKind;
import vdm.pci.layout.Capability;
import vdm.pci.layout.RegisterMap;

/**
 * Advanced Error Reporting, extended capability 0x0001 version 2, 0x48 bytes (PCIe base spec 7.8.4). Status
 * registers are write-1-to-clear and sticky; masks and severity are sticky read-write over the supported errors.
 * Defaults follow QEMU's pcie_aer_init (severity 0x00462030, correctable mask 0xe000), checked live.
 */
public final class Aer extends Capability {
    public static final int ID = 0x0001;
    /** Uncorrectable errors QEMU supports (PCI_ERR_UNC_SUPPORTED). */
    public static final int UNCORRECTABLE_SUPPORTED = 0x03fff030;
    public static final int CORRECTABLE_SUPPORTED = 0x0000f1c1;
    private boolean uncorrectableMaskWritable = true;
    private final boolean rootPort;
    private int length = 0x48;

    public Aer() {
        this(false);
    }

    /** @param rootPort adds Root Error Command/Status and Error Source Identification */
    public Aer(boolean rootPort) {
        this.rootPort = rootPort;
    }

    /** QEMU 7.2 leaves the Uncorrectable Error Mask read-only (checked live on e1000e). */
    public Aer uncorrectableMaskReadOnly() {
        this.uncorrectableMaskWritable = false;
        return this;
    }

    @Override public int id() { return ID; }
    @Override public String name() { return "AER"; }
    /**
     * Declares only the first {@code bytes} bytes (at least 0x2c, through the header log). QEMU 7.2's e1000e
     * declares 0x48 bytes at 0x100 yet puts DSN at 0x140; vdm gives the overlapping bytes to DSN (length 0x40).
     */
    public Aer length(int bytes) {
        if (bytes < 0x2c || bytes > 0x48 || (bytes & 3) != 0) {
            throw new vdm.pci.layout.LayoutException("AER length 0x" + Integer.toHexString(bytes) + " must be a dword multiple from 0x2c to 0x48");
        }
        if (rootPort && bytes < 0x38) throw new vdm.pci.layout.LayoutException("AER of a root port needs at least 0x38 bytes");
        this.length = bytes;
        return this;
    }

    @Override public int length() { return length; }
    @Override public boolean extended() { return true; }
    @Override public int version() { return 2; }

    @Override
    protected void declareBody(RegisterMap map, int base) {
        String o = label(base);
        map.declare(o, "UncorrectableStatus", base + 0x04, 4, BitKind.RW1CS, UNCORRECTABLE_SUPPORTED, 0);
        map.declare(o, "UncorrectableStatusReserved", base + 0x04, 4, BitKind.RSVDZ, ~UNCORRECTABLE_SUPPORTED, 0);
        map.declare(o, "UncorrectableMask", base + 0x08, 4,
                uncorrectableMaskWritable ? BitKind.RWS : BitKind.ROS, UNCORRECTABLE_SUPPORTED, 0);
        map.declare(o, "UncorrectableMaskReserved", base + 0x08, 4, BitKind.RSVDP, ~UNCORRECTABLE_SUPPORTED, 0);
        map.declare(o, "UncorrectableSeverity", base + 0x0c, 4, BitKind.RWS, UNCORRECTABLE_SUPPORTED, 0x00462030);
        map.declare(o, "UncorrectableSeverityReserved", base + 0x0c, 4, BitKind.RSVDP, ~UNCORRECTABLE_SUPPORTED, 0);
        map.declare(o, "CorrectableStatus", base + 0x10, 4, BitKind.RW1CS, CORRECTABLE_SUPPORTED, 0);
        map.declare(o, "CorrectableStatusReserved", base + 0x10, 4, BitKind.RSVDZ, ~CORRECTABLE_SUPPORTED, 0);
        map.declare(o, "CorrectableMask", base + 0x14, 4, BitKind.RWS, CORRECTABLE_SUPPORTED, 0xe000);
        map.declare(o, "CorrectableMaskReserved", base + 0x14, 4, BitKind.RSVDP, ~CORRECTABLE_SUPPORTED, 0);
        map.declare(o, "FirstErrorPointer", base + 0x18, 4, BitKind.ROS, 0x0000001f, 0);
        map.declare(o, "EcrcCapable", base + 0x18, 4, BitKind.CONST, 0x000000a0, 0xa0);
        map.declare(o, "EcrcEnable", base + 0x18, 4, BitKind.RWS, 0x00000140, 0);
        map.declare(o, "CapabilitiesControlReserved", base + 0x18, 4, BitKind.RSVDP, 0xfffffe00, 0);
        for (int i = 0; i < 4; i++) map.declare(o, "HeaderLog" + i, base + 0x1c + 4 * i, 4, BitKind.ROS, 0);
        if (length <= 0x2c) return;
        if (rootPort) {
            map.declare(o, "RootErrorCommand", base + 0x2c, 4, BitKind.RW, 0x7, 0);
            map.declare(o, "RootErrorCommandReserved", base + 0x2c, 4, BitKind.RSVDP, ~0x7, 0);
            map.declare(o, "RootErrorStatus", base + 0x30, 4, BitKind.RW1CS, 0x7f, 0);
            map.declare(o, "RootErrorStatusRO", base + 0x30, 4, BitKind.RO, ~0x7f, 0);
            map.declare(o, "ErrorSourceId", base + 0x34, 4, BitKind.ROS, 0);
        } else {
            for (int off = 0x2c; off < Math.min(length, 0x38); off += 4) map.declare(o, "RootOnly" + Integer.toHexString(off), base + off, 4, BitKind.CONST, 0);
        }
        for (int off = 0x38; off < length; off += 4) map.declare(o, "PrefixLog" + (off - 0x38) / 4, base + off, 4, BitKind.ROS, 0);
    }
}
