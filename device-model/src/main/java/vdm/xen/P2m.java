package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import vdm.errno.Errno;

/**
 * The MMIO part of a domain's physical-to-machine map: ranges of 4 KiB frames mapped from guest frames to machine
 * frames (Xen's map_mmio_regions / unmap_mmio_regions), each tagged with the BAR it maps. Xen keeps no such tag; the
 * model does, so that invariants can ask the device whether it decodes there.
 */
public final class P2m {
    public static final int PAGE_SHIFT = 12;
    /** The index a ROM BAR has in an {@link Owner} (after BARs 0..5). */
    public static final int ROM = 6;

    /** What a range maps: BAR {@code bar} (0..5, or {@link #ROM}) of {@code device}. Printed "0000:03:00.0 BAR0". */
    public record Owner(vdm.pci.Sbdf device, int bar) {
        public Owner {
            if (device == null) throw new IllegalArgumentException("p2m owner: device is missing");
            if (bar < 0 || bar > ROM) throw new IllegalArgumentException("p2m owner: BAR " + bar + " is not 0..5 or the ROM (6)");
        }

        /** Parses what {@link #toString()} prints; the message names the text. */
        public static Owner parse(String text) {
            int space = text == null ? -1 : text.indexOf(' ');
            String what = space < 0 ? "" : text.substring(space + 1);
            if (what.equals("ROM")) return new Owner(vdm.pci.Sbdf.parse(text.substring(0, space)), ROM);
            if (what.matches("BAR[0-5]")) return new Owner(vdm.pci.Sbdf.parse(text.substring(0, space)), what.charAt(3) - '0');
            throw new IllegalArgumentException("'" + text + "' is not a p2m owner (expected SSSS:BB:DD.F BARn or SSSS:BB:DD.F ROM)");
        }

        @Override
        public String toString() {
            return device + (bar == ROM ? " ROM" : " BAR" + bar);
        }
    }

    /** {@code pages} frames from guest frame {@code gfn} to machine frame {@code mfn}. */
    public record Range(long gfn, long pages, long mfn, Owner owner) {
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
    public synchronized int map(long gaddr, long size, long maddr, Owner owner) {
        if (owner == null) throw new IllegalArgumentException("p2m map at guest 0x" + Long.toHexString(gaddr) + ": the owner is missing");
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
