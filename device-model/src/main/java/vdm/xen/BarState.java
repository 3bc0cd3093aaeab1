package vdm.xen;

/**
 * vPCI's cached view of one BAR (Xen's struct vpci_bar): what it is, where software put it, how large it is, and
 * whether Xen has it mapped in the owner's p2m ({@code enabled}). The cache is the copy of the truth that goes
 * stale when the device is reset behind Xen's back.
 */
public final class BarState {
    public enum Type { EMPTY, IO, MEM32, MEM64_LO, MEM64_HI, ROM }

    final int index;
    Type type = Type.EMPTY;
    volatile long addr;
    long size;
    boolean prefetchable;
    /** Mapped in the p2m (Xen >= 4.17 tests this in bar_write). */
    volatile boolean enabled;
    /** What the p2m records as the owner of its mapping, e.g. 0000:03:00.0 BAR0 (built once, not per map). */
    P2m.Owner owner;
    /** domU only: where the guest put it. */
    volatile long guestAddr;

    BarState(int index) {
        this.index = index;
    }

    public int index() { return index; }
    public Type type() { return type; }
    public long address() { return addr; }
    public long size() { return size; }
    public boolean prefetchable() { return prefetchable; }
    public boolean enabled() { return enabled; }
    public long guestAddress() { return guestAddr; }
    public P2m.Owner owner() { return owner; }

    /**
     * The cache of one BAR as a state capture saves it. The owner is not saved: it follows from the device and the
     * BAR's index, which the header the BAR belongs to gives.
     */
    public record Saved(Type type, long address, long size, boolean prefetchable, boolean enabled, long guestAddress) {}

    Saved save() {
        return new Saved(type, addr, size, prefetchable, enabled, guestAddr);
    }

    /** Overwrites the cache with a saved one (a state restore; the header checked that the types fit). */
    void restore(Saved s) {
        type = s.type();
        addr = s.address();
        size = s.size();
        prefetchable = s.prefetchable();
        enabled = s.enabled();
        guestAddr = s.guestAddress();
    }

    /**
     * pci_check_bar's test of a position (x86): non-zero, not wrapping, and below 4 GiB unless the BAR is 64-bit.
     * modify_bars skips a BAR that fails it ("not mapping BAR [...] invalid position").
     */
    boolean validPosition(long start) {
        long end = start + size - 1;
        if (start == 0 || Long.compareUnsigned(end, start) < 0) return false;
        return type == Type.MEM64_LO || Long.compareUnsigned(end, 0xffffffffL) <= 0;
    }

    /** Whether modify_bars would map this BAR at its host address: a memory BAR or ROM at a valid position. */
    public boolean mappableAtHostAddress() {
        return mappable() && validPosition(addr);
    }

    boolean mappable() {
        return type == Type.MEM32 || type == Type.MEM64_LO || type == Type.ROM;
    }

    /** Register offset of this BAR (ROM: 0x30). */
    int register() {
        return type == Type.ROM ? 0x30 : 0x10 + 4 * index;
    }

    @Override
    public String toString() {
        return String.format("BAR%d %s addr 0x%x size 0x%x%s%s", index, type, addr, size, prefetchable ? " pref" : "",
                enabled ? " mapped" : "");
    }
}
