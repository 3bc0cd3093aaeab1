package vdm.host;

/**
 * A bridge forwarding window, {@code base..limit} inclusive (PCI-to-PCI Bridge spec 1.2, 3.2.5.6-3.2.5.9): I/O with
 * 4 KiB granularity, memory and prefetchable memory with 1 MiB granularity.
 */
public record Window(long base, long limit) {
    public Window {
        if (base < 0 || limit < base) {
            throw new HostDescriptionException(String.format("window 0x%x..0x%x", base, limit), "base must not exceed limit");
        }
    }

    public long size() {
        return limit - base + 1;
    }

    public boolean contains(long address, long size) {
        return address >= base && address + size - 1 <= limit && address + size - 1 >= address;
    }

    @Override
    public String toString() {
        return String.format("0x%x..0x%x", base, limit);
    }
}
