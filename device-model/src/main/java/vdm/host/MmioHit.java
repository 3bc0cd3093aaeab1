package vdm.host;

/** A host physical MMIO address as the bus decodes it: BAR {@code bar} (0..5) of {@code function}, at {@code offset} in it. */
public record MmioHit(PhysicalFunction function, int bar, long offset) {}
