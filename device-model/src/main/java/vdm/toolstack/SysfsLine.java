package vdm.toolstack;

/**
 * One line of a device's sysfs {@code resource} file ({@code 0x%016llx 0x%016llx 0x%016llx}: start, end, flags) as
 * libxl's libxl_pci.c has read it into its variables, with the size it computes ({@code end - start + 1}) and the
 * page count it passes to xc_domain_iomem_permission ({@code (size + XC_PAGE_SIZE - 1) >> XC_PAGE_SHIFT});
 * {@code unsignedInt}: read into {@code unsigned int}s, so that sum is 32-bit too.
 */
record SysfsLine(long start, long end, long flags, long size, boolean unsignedInt) {
    static final int XC_PAGE_SHIFT = 12;
    static final long XC_PAGE_SIZE = 1L << XC_PAGE_SHIFT;
    private static final long UINT = 0xffff_ffffL;

    /** Read as 64-bit values ({@code 0x%llx}, or {@code SCNx64} since 421432b822), the arithmetic in 64 bits. */
    SysfsLine(long start, long end, long flags) {
        this(start, end, flags, end - start + 1, false);
    }

    /**
     * Read as pci_remove_detached did before 421432b822 (XSA-476): {@code fscanf(f, "0x%x 0x%x 0x%x\n", ...)} into
     * {@code unsigned int start, end, flags, size}. glibc converts each number with strtoul and stores it through an
     * {@code unsigned int *}, which keeps its low 32 bits (checked with glibc 2.36: "0x0000008000000000" reads 0,
     * "0x000000800fffffff" reads 0xfffffff), and the size is computed in 32-bit arithmetic.
     */
    static SysfsLine parsedAs32Bit(long start, long end, long flags) {
        long s = start & UINT, e = end & UINT;
        return new SysfsLine(s, e, flags & UINT, (e - s + 1) & UINT, true);
    }

    /** The pages xc_domain_iomem_permission is given for the size (in the width the size was computed in). */
    long pages() {
        long rounded = size + XC_PAGE_SIZE - 1;
        return (unsignedInt ? rounded & UINT : rounded) >>> XC_PAGE_SHIFT;
    }
}
