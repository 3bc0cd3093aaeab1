package vdm.xen;

import java.util.Arrays;

/**
 * header.c's MSI-X parts: modify_bars removes the pages of the device's MSI-X table and PBA from every BAR's range
 * before it (un)maps them, and vpci_make_msix_hole (msix.c) makes sure nothing maps those pages when decoding turns
 * on, so that dom0's accesses to them trap. A BAR's mapping may then be several p2m ranges around the holes.
 */
final class MsixHoles {
    private MsixHoles() {}

    /**
     * The runs of frames of {@code bar} (from guest frame {@code gfn}, {@code pages} long) left once the table and PBA
     * pages of {@code msix} are removed, as {gfn, pages} pairs in order (all of them when the device has no MSI-X).
     */
    static long[] pieces(VpciMsix msix, long gfn, long pages) {
        if (msix == null) return new long[] {gfn, pages};
        long[] holes = new long[4];
        for (int i = VpciMsix.TABLE; i <= VpciMsix.PBA; i++) {
            long start = msix.address(i);
            holes[2 * i] = start >>> P2m.PAGE_SHIFT;
            holes[2 * i + 1] = (start + msix.size(i) - 1) >>> P2m.PAGE_SHIFT;
        }
        if (holes[2] < holes[0]) holes = new long[] {holes[2], holes[3], holes[0], holes[1]};
        long[] out = new long[6];
        int n = 0;
        long at = gfn, end = gfn + pages;
        for (int h = 0; h < 4; h += 2) {
            long from = Math.max(holes[h], gfn), to = Math.min(holes[h + 1] + 1, end);
            if (from >= to) continue;
            if (from > at) {
                out[n++] = at;
                out[n++] = from - at;
            }
            at = Math.max(at, to);
        }
        if (at < end) {
            out[n++] = at;
            out[n++] = end - at;
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * vpci_make_msix_hole: every page of the table and PBA must be unmapped in the owner's p2m; an identity mapping
     * there is removed (p2m_remove_identity_entry), any other (a BAR of something else, or RAM: type 0, p2m_ram_rw)
     * fails {@code -EEXIST} with Xen's warning. With {@link XenConfig#msixHoleEnabledBars} (7c24d58a6e) a table or PBA
     * whose BAR is not mapped is skipped (vmsix_table_bar_valid); before it, its pages were computed from whatever
     * address the BAR held, 0 for a BAR zeroed or empty. Returns 0 or that errno.
     */
    static int makeHole(XenLog log, XenConfig config, Header header, VpciMsix msix) {
        if (msix == null) return 0;
        Domain d = header.domain();
        P2m p2m = d.p2m();
        for (int i = VpciMsix.TABLE; i <= VpciMsix.PBA; i++) {
            if (config.msixHoleEnabledBars() && !msix.bar(i).enabled) continue; // vmsix_table_bar_valid
            long start = msix.address(i) >>> P2m.PAGE_SHIFT, end = (msix.address(i) + msix.size(i) - 1) >>> P2m.PAGE_SHIFT;
            for (long gfn = start; gfn <= end; gfn++) {
                long ram = d.ramFrame(gfn);
                if (ram >= 0) return clobbers(log, header, ram, P2M_RAM_RW, gfn);
                P2m.Range r = p2m.lookup(gfn);
                if (r == null) continue; // p2m_invalid
                long mfn = r.mfn() + (gfn - r.gfn());
                if (mfn == gfn) {
                    p2m.removeIdentityFrame(gfn);
                    continue;
                }
                return clobbers(log, header, mfn, P2m.P2M_MMIO_DIRECT, gfn);
            }
        }
        return 0;
    }

    /** p2m_ram_rw in asm/p2m.h's p2m_type_t. */
    static final int P2M_RAM_RW = 0;

    /** The warning ("%#lx" of the frame: C prints 0 without its 0x) and {@code -EEXIST}. */
    private static int clobbers(XenLog log, Header header, long mfn, int type, long gfn) {
        log.warn(header.domain().id(), "%s: existing mapping (mfn: %x type: %d) at %s clobbers MSIX MMIO area",
                header.sbdf(), mfn, type, gfn == 0 ? "0" : String.format("%#x", gfn));
        return -vdm.errno.Errno.EEXIST;
    }
}
