package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The MMIO part of a domain's physical-to-machine map: ranges of 4 KiB frames mapped from guest frames to machine
 * frames (Xen's map_mmio_regions / unmap_mmio_regions), each tagged with what it maps (e.g. "0000:03:00.0 BAR0").
 */
public final class P2m {
    public static final int PAGE_SHIFT = 12;

    /** {@code pages} frames from guest frame {@code gfn} to machine frame {@code mfn}. */
    public record Range(long gfn, long pages, long mfn, String owner) {
        public long endGfn() {
            return gfn + pages;
        }

        public long guestAddress() {
            return gfn << PAGE_SHIFT;
        }

        public long machineAddress() {
            return mfn << PAGE_SHIFT;
        }
    }

    private final TreeMap<Long, Range> ranges = new TreeMap<>();

    /** First and last frame of [address, address + size), as Xen's PFN_DOWN/PFN_UP. */
    static long firstFrame(long address) {
        return address >>> PAGE_SHIFT;
    }

    static long frames(long address, long size) {
        return ((address + size - 1) >>> PAGE_SHIFT) - (address >>> PAGE_SHIFT) + 1;
    }

    /** Maps {@code size} bytes at guest address {@code gaddr} to {@code maddr}; {@code -EEXIST} if any frame is mapped. */
    public synchronized int map(long gaddr, long size, long maddr, String owner) {
        long gfn = firstFrame(gaddr), pages = frames(gaddr, size);
        if (overlapping(gfn, pages) != null) return -Errno.EEXIST;
        ranges.put(gfn, new Range(gfn, pages, firstFrame(maddr), owner));
        return 0;
    }

    /** Unmaps exactly a range mapped before; {@code -ENOENT} if there is none at that address. */
    public synchronized int unmap(long gaddr, long size) {
        long gfn = firstFrame(gaddr);
        Range r = ranges.get(gfn);
        if (r == null || r.pages() != frames(gaddr, size)) return -Errno.ENOENT;
        ranges.remove(gfn);
        return 0;
    }

    private Range overlapping(long gfn, long pages) {
        Map.Entry<Long, Range> below = ranges.floorEntry(gfn + pages - 1);
        if (below != null && below.getValue().endGfn() > gfn) return below.getValue();
        return null;
    }

    /** The machine address a guest address maps to, or -1 if it is not mapped. */
    public synchronized long translate(long gaddr) {
        long gfn = firstFrame(gaddr);
        Map.Entry<Long, Range> e = ranges.floorEntry(gfn);
        if (e == null || e.getValue().endGfn() <= gfn) return -1;
        Range r = e.getValue();
        return ((r.mfn() + (gfn - r.gfn())) << PAGE_SHIFT) | (gaddr & ((1 << PAGE_SHIFT) - 1));
    }

    public synchronized List<Range> ranges() {
        return new ArrayList<>(ranges.values());
    }

    /** Puts ranges back exactly (a snapshot load). */
    synchronized void restore(java.util.List<Range> saved) {
        ranges.clear();
        for (Range r : saved) ranges.put(r.gfn(), r);
    }

    public synchronized boolean isEmpty() {
        return ranges.isEmpty();
    }
}
