package vdm.toolstack;

import vdm.xen.GuestRam;

/**
 * A guest's {@code memory=} in MiB, and where libxl puts it: libxl__domain_build's x86 part (libxl_dom.c,
 * libxl__build_hvm) places RAM below 4 GiB up to the MMIO hole, lowmem_end = min(memory, 4 GiB - mmio_size) with the
 * default hole HVM_BELOW_4G_MMIO_LENGTH (256 MiB, from HVM_BELOW_4G_MMIO_START), and the rest above 4 GiB, which vdm
 * does not model: a guest has at most 3840 MiB. hvmloader reads the result as hvm_info->low_mem_pgend.
 */
public record GuestMemory(int mib) {
    /** memory=1024, what every guest vdm created had before the size could be chosen. */
    public static final GuestMemory DEFAULT = new GuestMemory(1024);

    public GuestMemory {
        // vdm models no guest RAM above 4 GiB (hvmloader's high_mem_resource then starts at 4 GiB)
        if (mib < 16 || mib > 3840) throw new IllegalArgumentException("guest memory " + mib + " MiB must be 16..3840 (below the MMIO hole)");
    }

    /** The end of the guest's RAM below 4 GiB. */
    public long lowMemEnd() {
        return Math.min((long) mib << 20, GuestRam.BELOW_4G_MMIO_START);
    }
}
