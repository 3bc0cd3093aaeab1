package vdm.dom0;

import java.util.Map;
import java.util.TreeMap;

/**
 * One range the kernel allocates resources from, with what is already placed in it: a root bus's range (as the host
 * bridge's _CRS gives it) or a bridge window. It stands for a {@code struct resource} and its children
 * (kernel/resource.c): {@link #claim} is request_resource, {@link #allocate} is allocate_resource with
 * find_resource_space's lowest-gap-first search.
 */
final class Aperture {
    enum Space { IO, MEMORY }

    final Space space;
    final long base, limit;
    /** IORESOURCE_PREFETCH: a prefetchable window (or a root range marked cacheable). */
    final boolean prefetchable;
    /** IORESOURCE_MEM_64: a window that decodes 64-bit addresses. */
    final boolean mem64;
    /** What sits in the range: start -> end, inclusive, never overlapping. */
    private final TreeMap<Long, Long> children = new TreeMap<>();

    Aperture(Space space, long base, long limit, boolean prefetchable, boolean mem64) {
        this.space = space;
        this.base = base;
        this.limit = limit;
        this.prefetchable = prefetchable;
        this.mem64 = mem64;
    }

    boolean contains(long start, long size) {
        long end = start + size - 1;
        return size > 0 && start >= base && end <= limit && end >= start;
    }

    /** request_resource: takes {@code [start, start + size)} if it lies inside and collides with nothing placed. */
    boolean claim(long start, long size) {
        if (!contains(start, size)) return false;
        long end = start + size - 1;
        Map.Entry<Long, Long> below = children.floorEntry(end);
        if (below != null && below.getValue() >= start) return false;
        children.put(start, end);
        return true;
    }

    /**
     * allocate_resource for a size-aligned resource: the lowest address at or above {@code min} and inside
     * {@code [regionMin, regionMax]} (pci_bus_alloc_from_region's clipping) where it fits between what is placed;
     * the range is taken. Returns -1 when nothing fits (-EBUSY upstream, "no space" to the PCI core).
     */
    long allocate(long size, long align, long regionMin, long regionMax) {
        long lo = Math.max(base, regionMin), hi = Math.min(limit, regionMax);
        if (Long.compareUnsigned(lo, hi) > 0) return -1;
        long candidate = alignUp(lo, align);
        for (Map.Entry<Long, Long> c : children.entrySet()) { // ascending: the first gap that holds it wins
            if (c.getValue() < candidate) continue;
            if (c.getKey() > candidate + size - 1) break;
            candidate = alignUp(c.getValue() + 1, align);
        }
        long end = candidate + size - 1;
        if (candidate < lo || end > hi || end < candidate) return -1;
        children.put(candidate, candidate + size - 1);
        return candidate;
    }

    private static long alignUp(long v, long align) {
        return (v + align - 1) & -align;
    }

    @Override
    public String toString() {
        return String.format("[%s %#x-%#x%s%s]", space == Space.IO ? "io " : "mem", base, limit, mem64 ? " 64bit" : "",
                prefetchable ? " pref" : "");
    }
}
