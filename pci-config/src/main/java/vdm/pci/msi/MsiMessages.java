package vdm.pci.msi;

import vdm.pci.cap.Msi;
import vdm.pci.engine.ConfigSpace;
import vdm.pci.layout.Layout;

/**
 * MSI as the function sends it, from its capability in config space (PCI Local Bus 3.0, 6.8.1 and 6.8.3.3; QEMU
 * hw/pci/msi.c). Vector k of the 2^MME enabled ones is a DWORD write of Message Data with its low MME bits replaced by
 * k (msi_get_message) to Message Address (both DWORDs with a 64-bit address). With per-vector masking a masked vector
 * sets its Pending Bits bit (read-only to software: the device sets it, here with {@link ConfigSpace#poke}) and is
 * sent, its bit cleared, once software clears the mask while MSI is enabled (msi_write_config). Nothing is sent or
 * latched while MSI is disabled or Bus Master Enable is clear; a pending vector unmasked while bus mastering is off
 * stays pending (see {@link MsixTable}). The state is all in config space, so this class holds offsets only and
 * allocates nothing.
 */
public final class MsiMessages {
    private static final int ENABLE = 0x1;
    private static final int COMMAND = 0x04, BUS_MASTER = 0x4;

    private final ConfigSpace cs;
    private final int control, addressLow;
    private final boolean is64, perVectorMask;
    private final int data, mask, pending;

    private MsiMessages(ConfigSpace cs, Layout.PlacedCapability placed) {
        Msi cap = (Msi) placed.capability();
        int base = placed.offset();
        this.cs = cs;
        this.control = base + Msi.CONTROL;
        this.addressLow = base + 4;
        this.is64 = cap.is64();
        this.perVectorMask = cap.hasMask();
        this.data = base + cap.dataOffset();
        this.mask = base + cap.maskOffset();
        this.pending = base + cap.pendingOffset();
    }

    /** MSI of the function whose config space is {@code cs}; null if it has no MSI capability. */
    public static MsiMessages of(ConfigSpace cs) {
        Layout.PlacedCapability c = cs.layout().capability(Msi.ID, false);
        return c == null ? null : new MsiMessages(cs, c);
    }

    /** Multiple Message Capable as a count: the vectors the function has. */
    public int capable() {
        return 1 << ((cs.read(control, 2) >>> 1) & 7);
    }

    /** Multiple Message Enable as a count: the vectors software allocated. */
    public int allocated() {
        return 1 << ((cs.read(control, 2) >>> 4) & 7);
    }

    public boolean enabled() {
        return (cs.read(control, 2) & ENABLE) != 0;
    }

    public boolean perVectorMask() {
        return perVectorMask;
    }

    /** The message address now (high DWORD only with a 64-bit capability). */
    public long address() {
        long low = cs.read(addressLow, 4) & 0xffff_ffffL;
        return is64 ? low | (cs.read(addressLow + 4, 4) & 0xffff_ffffL) << 32 : low;
    }

    /** The data vector {@code vector} carries: Message Data with its low log2(allocated) bits replaced by the vector. */
    public int data(int vector) {
        int d = cs.read(data, 2);
        int n = allocated();
        return n > 1 ? (d & ~(n - 1)) | vector : d;
    }

    public boolean masked(int vector) {
        return perVectorMask && (cs.read(mask, 4) & 1 << vector) != 0;
    }

    public boolean pending(int vector) {
        return perVectorMask && (cs.read(pending, 4) & 1 << vector) != 0;
    }

    /**
     * Raises vector {@code vector}. The caller has checked {@code vector < capable()}; a vector at or beyond
     * {@link #allocated()} while MSI is enabled is refused here (QEMU asserts it in msi_notify).
     * @throws IllegalArgumentException a vector software did not allocate, naming both counts
     */
    public Delivery fire(int vector, MessageSink sink) {
        if (!enabled() || !busMaster()) return Delivery.DISABLED;
        int n = allocated();
        if (vector >= n) {
            throw new IllegalArgumentException("MSI vector " + vector + " is not enabled: Multiple Message Enable allocates "
                    + n + " of the " + capable() + " vectors");
        }
        if (masked(vector)) {
            cs.poke(pending, 4, cs.read(pending, 4) | 1 << vector);
            return Delivery.PENDING;
        }
        sink.message(address(), data(vector));
        return Delivery.SENT;
    }

    /**
     * Called after a config write changed the capability (enable, Multiple Message Enable, address, data, mask bits)
     * or turned Bus Master on, as msi_write_config runs on every write to the capability: while MSI is enabled, pending
     * bits of vectors beyond those allocated are discarded, and every allocated vector that is pending and now
     * unmasked is sent and its pending bit cleared.
     */
    public void deliverUnmasked(MessageSink sink) {
        if (!perVectorMask || !enabled()) return;
        int n = allocated();
        int kept = cs.read(pending, 4) & (n == 32 ? -1 : (1 << n) - 1);
        if (kept != cs.read(pending, 4)) cs.poke(pending, 4, kept);
        if (!busMaster()) return;
        for (int v = 0; v < n; v++) {
            if (pending(v) && !masked(v)) {
                cs.poke(pending, 4, cs.read(pending, 4) & ~(1 << v));
                sink.message(address(), data(v));
            }
        }
    }

    private boolean busMaster() {
        return (cs.read(COMMAND, 2) & BUS_MASTER) != 0;
    }
}
