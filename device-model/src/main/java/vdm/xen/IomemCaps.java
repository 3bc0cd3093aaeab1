package vdm.xen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The machine frames a domain may map (Xen's {@code d->iomem_caps}, a rangeset of MFNs): granted and revoked by
 * XEN_DOMCTL_iomem_permission (libxl at attach and detach, xen/common/domctl.c), asked by XEN_DOMCTL_memory_mapping
 * ({@code iomem_access_permitted} of the caller and, for an add, of the target). Kept as disjoint, non-adjacent
 * inclusive ranges by first frame, as Xen's rangeset merges them.
 */
public final class IomemCaps {
    /**
     * The physical address width of the model's CPU (CPUID 0x80000008's 46 bits, an Intel Xeon server's), which bounds
     * the hardware domain's initial grant (dom0_setup_permissions: {@code PFN_DOWN(1UL << domain_max_paddr_bits(d)) - 1}).
     */
    public static final int PADDR_BITS = 46;
    /** The last frame a domain can be granted. */
    public static final long MAX_MFN = (1L << (PADDR_BITS - P2m.PAGE_SHIFT)) - 1;
    /** The local APIC's page (mp_lapic_addr, APIC_DEFAULT_PHYS_BASE 0xfee00000), which dom0_setup_permissions denies. */
    public static final long LAPIC_MFN = 0xfee00000L >>> P2m.PAGE_SHIFT;

    /** first frame -> last frame, both inclusive. */
    private final TreeMap<Long, Long> ranges = new TreeMap<>();

    /**
     * The frames the hardware domain starts with (dom0_setup_permissions, xen/arch/x86/dom0_build.c): everything up to
     * the physical address width, less the local APIC's page and each IO-APIC's page (a PVH dom0 has virtual ones, a
     * PV dom0's are in mmio_ro_ranges only if Xen put them there; the model denies them for both). The HPET, E820
     * unusable ranges and a PVH dom0's MMCFG are not in the model's hosts' descriptions here and are left in.
     */
    public static long[] hardwareDomainRanges(List<Long> ioApicAddresses) {
        IomemCaps c = new IomemCaps();
        c.permit(0, MAX_MFN);
        c.deny(LAPIC_MFN, LAPIC_MFN);
        for (long a : ioApicAddresses) c.deny(a >>> P2m.PAGE_SHIFT, a >>> P2m.PAGE_SHIFT);
        return c.capRanges();
    }

    /** iomem_access_permitted(d, first, last): every frame of the range is granted. */
    public synchronized boolean permitted(long first, long last) {
        if (first < 0 || first > last) return false;
        Map.Entry<Long, Long> e = ranges.floorEntry(first);
        return e != null && e.getValue() >= last;
    }

    /** Whether any frame of the range is granted. */
    public synchronized boolean anyPermitted(long first, long last) {
        Map.Entry<Long, Long> e = ranges.floorEntry(last);
        return e != null && e.getValue() >= first;
    }

    /** iomem_permit_access: rangeset_add_range, merging with touching ranges. */
    synchronized void permit(long first, long last) {
        if (first < 0 || first > last) throw new IllegalArgumentException(String.format("iomem range [%#x, %#x] is empty", first, last));
        long lo = first, hi = last;
        Map.Entry<Long, Long> below = ranges.floorEntry(first);
        if (below != null && below.getValue() >= first - 1) {
            lo = below.getKey();
            hi = Math.max(hi, below.getValue());
        }
        for (Map.Entry<Long, Long> e = ranges.ceilingEntry(lo); e != null && e.getKey() <= hi + 1; e = ranges.ceilingEntry(lo)) {
            hi = Math.max(hi, e.getValue());
            ranges.remove(e.getKey());
        }
        ranges.put(lo, hi);
    }

    /** iomem_deny_access: rangeset_remove_range; frames never granted are no error. */
    synchronized void deny(long first, long last) {
        if (first < 0 || first > last) throw new IllegalArgumentException(String.format("iomem range [%#x, %#x] is empty", first, last));
        Map.Entry<Long, Long> below = ranges.floorEntry(first);
        if (below != null && below.getValue() >= first) {
            long end = below.getValue();
            if (below.getKey() < first) ranges.put(below.getKey(), first - 1);
            else ranges.remove(below.getKey());
            if (end > last) ranges.put(last + 1, end);
        }
        for (Map.Entry<Long, Long> e = ranges.ceilingEntry(first); e != null && e.getKey() <= last; e = ranges.ceilingEntry(first)) {
            ranges.remove(e.getKey());
            if (e.getValue() > last) ranges.put(last + 1, e.getValue());
        }
    }

    /** The granted frames as {@code [first, last]} pairs (inclusive) in order: a few longs for a state capture. */
    public synchronized long[] capRanges() {
        long[] out = new long[2 * ranges.size()];
        int i = 0;
        for (Map.Entry<Long, Long> e : ranges.entrySet()) {
            out[i++] = e.getKey();
            out[i++] = e.getValue();
        }
        return out;
    }

    /** The granted ranges as text, {@code [0x8000000-0x800ffff]}, for a violation or a log line. */
    public static String describe(long[] capRanges) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < capRanges.length; i += 2) parts.add(String.format("%#x-%#x", capRanges[i], capRanges[i + 1]));
        return "[" + String.join(", ", parts) + "]";
    }

    public synchronized boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Puts the grants back exactly (a state restore); pairs must be ordered, disjoint and not touching. */
    synchronized void restore(long[] capRanges) {
        if ((capRanges.length & 1) != 0) throw new IllegalArgumentException("iomem permissions: an odd number of range bounds");
        for (int i = 0; i < capRanges.length; i += 2) {
            if (capRanges[i] < 0 || capRanges[i] > capRanges[i + 1] || (i > 0 && capRanges[i] <= capRanges[i - 1] + 1)) {
                throw new IllegalArgumentException(String.format("iomem permissions: range [%#x, %#x] is empty, out of order or touches the one before",
                        capRanges[i], capRanges[i + 1]));
            }
        }
        ranges.clear();
        for (int i = 0; i < capRanges.length; i += 2) ranges.put(capRanges[i], capRanges[i + 1]);
    }
}
