package vdm.toolstack;

/**
 * One guest BAR that QEMU's xen_pt mapped onto the host BAR (xen_pt_region_update's XEN_DOMCTL_memory_mapping): the
 * BAR's index, the first guest frame, the first machine frame and how many frames.
 */
public record BarMapping(int bar, long gfn, long mfn, long frames) {

    /** Whether this mapping covers the same frames as the one asked for (QEMU then leaves it in place). */
    boolean covers(long wantGfn, long wantMfn, long wantFrames) {
        return gfn == wantGfn && mfn == wantMfn && frames == wantFrames;
    }
}
