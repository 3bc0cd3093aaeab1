package vdm.xen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import vdm.errno.Errno;

/**
 * The MMIO part of a domain's physical-to-machine map: ranges of 4 KiB frames mapped from guest frames to machine
 * frames (Xen's map_mmio_regions / unmap_mmio_regions), each tagged with the BAR it maps. Xen keeps no such tag; the
 * model does, so that invariants can ask the device whether it decodes there.
 *
 * <p>Every trapped memory access asks {@link #translate} first, so reads take no lock: the ranges are an immutable
 * array sorted by guest frame, replaced whole under this object's lock and published with a release store; readers
 * load it with acquire semantics and binary-search it, allocating nothing.
 */
public final class P2m {
    public static final int PAGE_SHIFT = 12;
    /** The index a ROM BAR has in an {@link Owner} (after BARs 0..5). */
    public static final int ROM = 6;
    /** Xen's p2m_mmio_direct (asm/p2m.h p2m_type_t), the type of every range here, as vpci_make_msix_hole prints it. */
    public static final int P2M_MMIO_DIRECT = 5;

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

    private static final Range[] EMPTY = new Range[0];
    private static final java.lang.invoke.VarHandle RANGES;

    static {
        try {
            RANGES = java.lang.invoke.MethodHandles.lookup().findVarHandle(P2m.class, "ranges", Range[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Sorted by gfn, never overlapping; never modified once published (written with setRelease, read with getAcquire). */
    @SuppressWarnings("FieldMayBeFinal")
    private Range[] ranges = EMPTY;

    /** First and last frame of [address, address + size), as Xen's PFN_DOWN/PFN_UP. */
    static long firstFrame(long address) {
        return address >>> PAGE_SHIFT;
    }

    static long frames(long address, long size) {
        return ((address + size - 1) >>> PAGE_SHIFT) - (address >>> PAGE_SHIFT) + 1;
    }

    private Range[] current() {
        return (Range[]) RANGES.getAcquire(this);
    }

    private void publish(Range[] now) {
        RANGES.setRelease(this, now);
    }

    /** Index of the last range whose gfn is at most {@code gfn}, or -1. */
    private static int floor(Range[] rs, long gfn) {
        int lo = 0, hi = rs.length - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (rs[mid].gfn() <= gfn) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Maps {@code size} bytes at guest address {@code gaddr} to {@code maddr}; {@code -EEXIST} if any frame is mapped. */
    public int map(long gaddr, long size, long maddr, Owner owner) {
        long gfn = firstFrame(gaddr);
        return mapFrames(gfn, frames(gaddr, size), firstFrame(maddr), owner);
    }

    /** Maps {@code pages} frames from guest frame {@code gfn} to machine frame {@code mfn}; {@code -EEXIST} on overlap. */
    public synchronized int mapFrames(long gfn, long pages, long mfn, Owner owner) {
        if (owner == null) throw new IllegalArgumentException("p2m map at guest 0x" + Long.toHexString(gfn << PAGE_SHIFT) + ": the owner is missing");
        Range[] rs = current();
        if (overlapping(rs, gfn, pages) != null) return -Errno.EEXIST;
        int at = floor(rs, gfn) + 1;
        Range[] now = new Range[rs.length + 1];
        System.arraycopy(rs, 0, now, 0, at);
        now[at] = new Range(gfn, pages, mfn, owner);
        System.arraycopy(rs, at, now, at + 1, rs.length - at);
        publish(now);
        return 0;
    }

    /** Unmaps exactly a range mapped before; {@code -ENOENT} if there is none at that address. */
    public int unmap(long gaddr, long size) {
        return unmapFrames(firstFrame(gaddr), frames(gaddr, size));
    }

    /** Unmaps exactly the range of {@code pages} frames at guest frame {@code gfn}; {@code -ENOENT} if there is none. */
    public synchronized int unmapFrames(long gfn, long pages) {
        Range[] rs = current();
        int i = floor(rs, gfn);
        if (i < 0 || rs[i].gfn() != gfn || rs[i].pages() != pages) return -Errno.ENOENT;
        publish(without(rs, i));
        return 0;
    }

    private static Range[] without(Range[] rs, int i) {
        Range[] now = new Range[rs.length - 1];
        System.arraycopy(rs, 0, now, 0, i);
        System.arraycopy(rs, i + 1, now, i, rs.length - i - 1);
        return now;
    }

    private static Range overlapping(Range[] rs, long gfn, long pages) {
        int i = floor(rs, gfn + pages - 1);
        return i >= 0 && rs[i].endGfn() > gfn ? rs[i] : null;
    }

    /** The range that maps guest frame {@code gfn}, or null (Xen's get_gfn_query: p2m_invalid where null). */
    public Range lookup(long gfn) {
        Range[] rs = current();
        int i = floor(rs, gfn);
        return i >= 0 && rs[i].endGfn() > gfn ? rs[i] : null;
    }

    /**
     * p2m_remove_identity_entry: guest frame {@code gfn}, mapped to the same machine frame, leaves the p2m; the range
     * that held it is split around it. {@code -ENOENT} if the frame is not mapped, {@code -EINVAL} if not to itself.
     */
    public synchronized int removeIdentityFrame(long gfn) {
        Range[] rs = current();
        int i = floor(rs, gfn);
        if (i < 0 || rs[i].endGfn() <= gfn) return -Errno.ENOENT;
        Range r = rs[i];
        if (r.mfn() + (gfn - r.gfn()) != gfn) return -Errno.EINVAL;
        List<Range> now = new ArrayList<>(Arrays.asList(rs));
        now.remove(i);
        long below = gfn - r.gfn(), above = r.endGfn() - gfn - 1;
        int at = i;
        if (below > 0) now.add(at++, new Range(r.gfn(), below, r.mfn(), r.owner()));
        if (above > 0) now.add(at, new Range(gfn + 1, above, r.mfn() + below + 1, r.owner()));
        publish(now.toArray(Range[]::new));
        return 0;
    }

    /** The machine address a guest address maps to, or -1 if it is not mapped. Lock-free and allocation-free. */
    public long translate(long gaddr) {
        long gfn = firstFrame(gaddr);
        Range[] rs = current();
        int i = floor(rs, gfn);
        if (i < 0) return -1;
        Range r = rs[i];
        if (r.endGfn() <= gfn) return -1;
        return ((r.mfn() + (gfn - r.gfn())) << PAGE_SHIFT) | (gaddr & ((1 << PAGE_SHIFT) - 1));
    }

    /** The ranges in guest-frame order, as a copy. */
    public List<Range> ranges() {
        return List.of(current());
    }

    /** Puts ranges back exactly (a snapshot load). */
    synchronized void restore(java.util.List<Range> saved) {
        Range[] now = saved.toArray(Range[]::new);
        Arrays.sort(now, (a, b) -> Long.compare(a.gfn(), b.gfn()));
        publish(now);
    }

    public boolean isEmpty() {
        return current().length == 0;
    }
}
