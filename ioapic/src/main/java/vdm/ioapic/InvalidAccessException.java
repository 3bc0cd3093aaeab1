package vdm.ioapic;

/** An MMIO access the IO-APIC window cannot take: offset outside the window, size not 1, 2 or 4, or misaligned. */
public final class InvalidAccessException extends IllegalArgumentException {
    private final int offset;
    private final int size;

    InvalidAccessException(int offset, int size, String problem) {
        super(String.format("IO-APIC MMIO access of %d byte(s) at offset 0x%x: %s", size, offset, problem));
        this.offset = offset;
        this.size = size;
    }

    public int offset() {
        return offset;
    }

    public int size() {
        return size;
    }
}
