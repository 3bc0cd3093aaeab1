package vdm.pci.layout;

/**
 * How a bit behaves, as the PCI and PCIe specifications name register attributes (PCIe base spec 7.4).
 * Sticky variants ({@code *S}) keep their value across every reset but a cold one.
 */
public enum BitKind {
    /** Read-only; the device itself may change it (status, link state). */
    RO(false, false, false),
    /** Read-write. */
    RW(true, false, false),
    /** Write 1 to clear; set by the device. */
    RW1C(false, true, false),
    /** Reserved, preserve on write: reads 0, writes ignored by the device. */
    RSVDP(false, false, false),
    /** Reserved, zero on write: reads 0, writes ignored by the device. */
    RSVDZ(false, false, false),
    /** Hard-wired value (IDs, class code, BAR type bits): never changes, not even by the device. */
    CONST(false, false, false),
    /** Read-only, sticky. */
    ROS(false, false, true),
    /** Read-write, sticky. */
    RWS(true, false, true),
    /** Write 1 to clear, sticky (e.g. AER status registers). */
    RW1CS(false, true, true),
    /** Reads 0; writing 1 asks the device to act (e.g. Initiate Function Level Reset). */
    TRIGGER(false, false, false);

    final boolean writable;
    final boolean w1c;
    final boolean sticky;

    BitKind(boolean writable, boolean w1c, boolean sticky) {
        this.writable = writable;
        this.w1c = w1c;
        this.sticky = sticky;
    }

    public boolean writable() { return writable; }
    public boolean writeOneToClear() { return w1c; }
    public boolean sticky() { return sticky; }
    /** Bits that read 0 whatever was declared as their value. */
    public boolean readsZero() { return this == RSVDP || this == RSVDZ || this == TRIGGER; }
}
