package vdm.pci;

/** Validation and lane arithmetic shared by every engine; kept tiny so the JIT inlines it into the hot paths. */
public final class Access {
    /** Largest configuration space (PCI Express, PCIe base spec 7.2.2). */
    public static final int MAX_CONFIG_SIZE = 4096;

    private Access() {}

    /** Throws {@link ConfigAccessException} unless size is 1, 2 or 4, offset is aligned to it and below 4096. */
    public static void check(int offset, int size) {
        // One test, not a chain of branches: on accesses of mixed sizes a branch per size is mispredicted.
        // Bit s of 0x16 is set for s = 1, 2, 4; size >>> 3 catches every other size the shift would wrap.
        if ((((0x16 >>> size) & 1 ^ 1) | size >>> 3 | offset & (size - 1) | offset >>> 12) != 0) {
            throw reject(offset, size);
        }
    }

    private static ConfigAccessException reject(int offset, int size) {
        if (size != 1 && size != 2 && size != 4) return new ConfigAccessException(offset, size, "size must be 1, 2 or 4");
        if (offset < 0) return new ConfigAccessException(offset, size, "negative offset");
        if (offset >= MAX_CONFIG_SIZE) return new ConfigAccessException(offset, size, "offset beyond 0xfff");
        return new ConfigAccessException(offset, size, "offset not aligned to the size");
    }

    /** All ones in the low {@code size} bytes: what a read beyond the device's space returns. */
    /** Refuses a snapshot's dwords of the wrong length for a space of {@code size} bytes, naming both lengths. */
    public static void checkDwords(int size, int[] words) {
        if (words == null || words.length != size >>> 2) {
            throw new IllegalArgumentException("config space of " + size + " bytes needs " + (size >>> 2) + " dwords, got "
                    + (words == null ? "none" : words.length));
        }
    }

    public static int ones(int size) {
        return -1 >>> ((4 - size) << 3);
    }

    /** The bits of the containing dword that an access of this size at this offset touches. */
    public static int laneMask(int offset, int size) {
        return ones(size) << ((offset & 3) << 3);
    }
}
