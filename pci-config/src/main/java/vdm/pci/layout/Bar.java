package vdm.pci.layout;

/**
 * A BAR declaration: kind, size in bytes (a power of two; I/O at least 4 bytes, memory at least 16) and, for memory,
 * prefetchability. A 64-bit BAR takes two slots.
 */
public record Bar(BarKind kind, long size, boolean prefetchable) {
    public static final long MAX_IO = 1L << 16;

    public Bar {
        if (kind == null) throw new LayoutException("BAR kind is missing");
        if (size <= 0 || Long.bitCount(size) != 1) {
            throw new LayoutException("BAR size " + size + " is not a power of two");
        }
        if (kind == BarKind.IO && (size < 4 || size > MAX_IO)) {
            throw new LayoutException("I/O BAR size " + size + " must be 4 bytes to 64 KiB");
        }
        if (kind != BarKind.IO && size < 16) throw new LayoutException("memory BAR size " + size + " is below 16 bytes");
        if (kind == BarKind.MEM32 && size > (1L << 31)) {
            throw new LayoutException("32-bit memory BAR size " + size + " does not fit below 4 GiB");
        }
        if (kind == BarKind.IO && prefetchable) throw new LayoutException("an I/O BAR cannot be prefetchable");
    }

    public static Bar io(long size) { return new Bar(BarKind.IO, size, false); }
    public static Bar mem32(long size) { return new Bar(BarKind.MEM32, size, false); }
    public static Bar mem64(long size) { return new Bar(BarKind.MEM64, size, false); }

    public Bar asPrefetchable() {
        return new Bar(kind, size, true);
    }

    /** The hard-wired low bits of the (low) register: space, type and prefetchable. */
    public int typeBits() {
        return kind.typeBits | (prefetchable ? 0x8 : 0);
    }

    /** How many 32-bit slots it takes. */
    public int slots() {
        return kind == BarKind.MEM64 ? 2 : 1;
    }

    /** The address bits of the low register that software may write. */
    public int lowWriteMask() {
        int addrBits = kind == BarKind.IO ? ~0x3 : ~0xf;
        return (int) ~(size - 1) & addrBits;
    }

    /** The writable bits of a 64-bit BAR's upper register. */
    public int highWriteMask() {
        return (int) (~(size - 1) >>> 32);
    }

    @Override
    public String toString() {
        String k = switch (kind) {
            case IO -> "io";
            case MEM32 -> "mem32";
            case MEM64 -> "mem64";
        };
        return k + (prefetchable ? " prefetchable " : " ") + size + " bytes";
    }
}
