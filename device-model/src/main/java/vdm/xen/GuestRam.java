package vdm.xen;

import java.util.ArrayList;
import java.util.List;

/**
 * An HVM guest's RAM below 4 GiB as hvmloader lays it out: from 0 to {@code hvm_info->low_mem_pgend} (libxl puts
 * {@code min(memory, HVM_BELOW_4G_MMIO_START)} there), less the legacy VGA hole [0xa0000, 0x100000). vdm does not
 * keep the RAM frames in the {@link P2m}; it keeps what the guest has lost of them. XEN_DOMCTL_memory_mapping over a
 * RAM frame replaces it (set_typed_p2m_entry lets an MMIO entry replace p2m_ram_rw, dropping the page's M2P entry, in
 * Xen 4.14 as today), and the mapping's removal (clear_mmio_p2m_entry) leaves the frame empty: the RAM does not come
 * back, and the guest faults when it next touches it (hvmloader commit a8e0c228c7's "the RAM displaced is not restored").
 */
public final class GuestRam {
    /** memory=1024, the guests vdm has always replayed: hvm_info's low_mem_pgend is 1 GiB. */
    public static final long DEFAULT_LOW_END = 1L << 30;
    /** HVM_BELOW_4G_MMIO_START (xen/include/public/hvm/e820.h): libxl's default MMIO hole starts here. */
    public static final long BELOW_4G_MMIO_START = 0xf000_0000L;
    private static final long VGA_HOLE_START = 0xa0, VGA_HOLE_END = 0x100; // frames

    /** RAM frames a mapping replaced: {@code pages} frames from {@code gfn}, by the BAR whose mapping it was. */
    public record Lost(long gfn, long pages, P2m.Owner owner) {
        public Lost {
            if (pages <= 0) throw new IllegalArgumentException("lost RAM: " + pages + " pages");
            if (owner == null) throw new IllegalArgumentException("lost RAM: the owner is missing");
        }
    }

    private long lowEnd;
    private final List<Lost> lost = new ArrayList<>();

    GuestRam(long lowEnd) {
        this.lowEnd = checkedLowEnd(lowEnd);
    }

    private static long checkedLowEnd(long lowEnd) {
        if (lowEnd < 0 || lowEnd > BELOW_4G_MMIO_START || (lowEnd & ((1L << P2m.PAGE_SHIFT) - 1)) != 0) {
            throw new IllegalArgumentException(String.format("guest RAM below 4 GiB must end on a page at most 0x%x, not 0x%x",
                    BELOW_4G_MMIO_START, lowEnd));
        }
        return lowEnd;
    }

    /** The end of RAM below 4 GiB (low_mem_pgend << PAGE_SHIFT); 0 for a domain whose RAM vdm does not model (dom0). */
    public synchronized long lowEnd() { return lowEnd; }

    /** What the guest has lost of its RAM, in the order it lost it. */
    public synchronized List<Lost> lost() { return List.copyOf(lost); }

    /** An MMIO mapping of {@code pages} frames at {@code gfn} went in: the RAM frames it covers are the guest's no more. */
    synchronized void replaced(long gfn, long pages, P2m.Owner owner) {
        long end = gfn + pages;
        piece(gfn, end, 0, VGA_HOLE_START, owner);
        piece(gfn, end, VGA_HOLE_END, lowEnd >>> P2m.PAGE_SHIFT, owner);
    }

    private void piece(long from, long to, long ramFrom, long ramTo, P2m.Owner owner) {
        long a = Math.max(from, ramFrom), b = Math.min(to, ramTo);
        if (a >= b) return;
        for (Lost l : lost) if (l.gfn() <= a && l.gfn() + l.pages() >= b) return; // already gone
        lost.add(new Lost(a, b - a, owner));
    }

    /** Puts back a captured state: where RAM ends and what was lost. */
    synchronized void restore(long end, List<Lost> gone) {
        lowEnd = checkedLowEnd(end);
        lost.clear();
        lost.addAll(gone);
    }
}
