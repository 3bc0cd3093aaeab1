package vdm.xen;

/**
 * One register of a device's vPCI (Xen's struct vpci_register): offset, size (1, 2 or 4, naturally aligned),
 * handlers, private data and four masks: read-only, write-1-to-clear, reserved-preserve, reserved-zero.
 */
public final class VpciRegister {
    /** Reads the register's current value (before RsvdP/RsvdZ bits are cleared). */
    @FunctionalInterface
    public interface Read {
        int read(Vpci vpci, VpciRegister reg);
    }

    /**
     * Stores a whole-register value that vPCI has already merged and masked, and returns the work it defers to the
     * writing vCPU's return to the guest (a {@link PendingMapping}), or null when the write is complete as it is.
     */
    @FunctionalInterface
    public interface Write {
        PendingMapping write(Vpci vpci, VpciRegister reg, int value);
    }

    /** Xen's vpci_ignored_read: all ones. */
    public static final Read IGNORED_READ = (v, r) -> -1;
    /** Xen's vpci_ignored_write. */
    public static final Write IGNORED_WRITE = (v, r, value) -> null;

    final int offset;
    final int size;
    final Read read;
    final Write write;
    final Object data;
    final int roMask, rw1cMask, rsvdpMask, rsvdzMask;

    VpciRegister(int offset, int size, Read read, Write write, Object data, int ro, int rw1c, int rsvdp, int rsvdz) {
        this.offset = offset;
        this.size = size;
        this.read = read != null ? read : IGNORED_READ;
        this.write = write != null ? write : IGNORED_WRITE;
        this.data = data;
        this.roMask = ro;
        this.rw1cMask = rw1c;
        this.rsvdpMask = rsvdp;
        this.rsvdzMask = rsvdz;
    }

    public int offset() { return offset; }
    public int size() { return size; }
    public Object data() { return data; }
    public int roMask() { return roMask; }
    public int rw1cMask() { return rw1cMask; }
    public int rsvdpMask() { return rsvdpMask; }
    public int rsvdzMask() { return rsvdzMask; }

    int end() {
        return offset + size;
    }

    @Override
    public String toString() {
        return String.format("vpci register 0x%x/%d", offset, size);
    }
}
