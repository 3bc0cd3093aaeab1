package vdm.xen;

import java.util.Arrays;
import java.util.List;
import vdm.host.MemoryRegion;

/**
 * The host's memory map as Xen keeps it (the e820 it read at boot), in frames: what is_memory_hole and
 * pci_sanitize_bar_memory (xen/arch/x86/mm.c, pci.c) test a BAR against. Every entry counts, whatever its type.
 * Immutable; built once when Xen starts on a host.
 */
public final class MemoryMap {
    /** No memory map: every BAR is in a hole (a model built without one, as vdm was before it had one). */
    public static final MemoryMap EMPTY = new MemoryMap(new long[0], new long[0]);

    /** First and last frame of each entry (PFN_DOWN of its first and last byte), sorted by first frame. */
    private final long[] first, last;

    private MemoryMap(long[] first, long[] last) {
        this.first = first;
        this.last = last;
    }

    /** The map of a host's description (entries sorted and not overlapping: HostDescription checked). */
    public static MemoryMap of(List<MemoryRegion> regions) {
        if (regions.isEmpty()) return EMPTY;
        long[] f = new long[regions.size()], l = new long[regions.size()];
        for (int i = 0; i < regions.size(); i++) {
            f[i] = regions.get(i).start() >>> P2m.PAGE_SHIFT;
            l[i] = regions.get(i).end() >>> P2m.PAGE_SHIFT;
        }
        return new MemoryMap(f, l);
    }

    public boolean isEmpty() {
        return first.length == 0;
    }

    /** is_memory_hole(start, end) (x86 mm.c, since 75cc460a1b): no entry shares a frame with {@code [start, end]}. */
    public boolean isHole(long start, long end) {
        for (int i = 0; i < first.length; i++) if (start <= last[i] && first[i] <= end) return false;
        return true;
    }

    /**
     * x86 pci_check_bar before 4acab25a93: is_memory_hole over the BAR's frames; modify_bars skips a BAR that fails it
     * ("not mapping BAR [...] invalid position") and neither maps it nor counts it mapped. Since 4acab25a93 it always
     * passes, and the overlap is left out of the mapping instead ({@link #remove}); the gdprintk "%pp: BAR at [...]
     * not in memory map hole" it prints then is compiled out of release builds, which vdm models.
     */
    boolean checkBar(long address, long size) {
        return isHole(address >>> P2m.PAGE_SHIFT, (address + size - 1) >>> P2m.PAGE_SHIFT);
    }

    /**
     * pci_sanitize_bar_memory (x86 pci.c, 4acab25a93; its last frame PFN_DOWN since 7ab4b392b7 "x86/vpci: fix
     * off-by-one in pci_sanitize_bar_memory()"): {@code pieces} ({gfn, pages} pairs, in order) without any frame of
     * the memory map.
     */
    long[] remove(long[] pieces) {
        if (first.length == 0) return pieces;
        long[] out = new long[pieces.length * (first.length + 1)];
        int n = 0;
        for (int p = 0; p < pieces.length; p += 2) {
            long at = pieces[p], end = pieces[p] + pieces[p + 1]; // end exclusive
            for (int i = 0; i < first.length && at < end; i++) {
                long from = Math.max(first[i], at), to = Math.min(last[i] + 1, end);
                if (from >= to) continue;
                if (from > at) {
                    out[n++] = at;
                    out[n++] = from - at;
                }
                at = to;
            }
            if (at < end) {
                out[n++] = at;
                out[n++] = end - at;
            }
        }
        return Arrays.copyOf(out, n);
    }
}
