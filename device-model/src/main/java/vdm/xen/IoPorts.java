package vdm.xen;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import vdm.errno.Errno;

/**
 * A domain's IO port space, the port twin of {@link P2m}: which ports the domain may reach (Xen's
 * {@code d->arch.ioport_caps}, granted by XEN_DOMCTL_ioport_permission) and, for an HVM guest, the guest-to-machine
 * port ranges the device model asked for with XEN_DOMCTL_ioport_mapping ({@code hvm->g2m_ioport_list}), which Xen's
 * {@code g2m_portio_accept} uses to forward a guest's port access to the machine port. As with the p2m, each range
 * carries the BAR it maps ({@link P2m.Owner}); Xen keeps no such tag, the invariants need it.
 */
public final class IoPorts {
    /** x86 has 64 Ki ports (Xen's MAX_IOPORTS). */
    public static final int MAX_IOPORTS = 0x10000;

    /** {@code ports} ports from guest port {@code gport} to machine port {@code mport}; Xen's struct g2m_ioport. */
    public record Range(int gport, int mport, int ports, P2m.Owner owner) {
        public Range {
            if (owner == null) throw new IllegalArgumentException("ioport range at guest port 0x" + Integer.toHexString(gport) + ": the owner is missing");
        }
    }

    private final BitSet caps = new BitSet(MAX_IOPORTS);

    /**
     * The ports the hardware domain starts with, dom0_setup_permissions (xen/arch/x86/dom0_build.c): every port except
     * the ones Xen keeps (the PICs and their ELCR, the PIT, port 0x61, A20M# 0x92, IGNNE# 0xf0, reset control 0xcf9 and
     * the 0xcfc config data ports). Real hosts also lose the ACPI PM timer's ports and, for a PVH dom0, the ISA DMA
     * ports; no host here has a PM timer and no BAR decodes below 0x100, so the model leaves them.
     */
    public static BitSet hardwareDomainCaps() {
        BitSet p = new BitSet(MAX_IOPORTS);
        p.set(0, MAX_IOPORTS);
        p.clear(0x20, 0x22);
        p.clear(0xa0, 0xa2);
        p.clear(0x4d0, 0x4d2);
        p.clear(0x40, 0x44);
        p.clear(0x61);
        p.clear(0x92);
        p.clear(0xf0);
        p.clear(0xcf9);
        p.clear(0xcfc, 0xd00);
        return p;
    }
    /** In the order added, as Xen's list_add_tail keeps them. */
    private final List<Range> ranges = new ArrayList<>();

    /** Xen's ioports_access_permitted(d, first, last): every port of the range is permitted. */
    public synchronized boolean permitted(int first, int last) {
        return first >= 0 && last < MAX_IOPORTS && first <= last && caps.nextClearBit(first) > last;
    }

    synchronized void permit(int first, int last) {
        caps.set(first, last + 1);
    }

    synchronized void deny(int first, int last) {
        caps.clear(first, last + 1);
    }

    /** The permitted ports, as a copy. */
    public synchronized BitSet caps() {
        return (BitSet) caps.clone();
    }

    /**
     * The permitted ports as ranges, {@code [from, to)} pairs in order (Xen keeps ioport_caps as a rangeset too): a
     * few ints for a state capture, where dom0's 64 Ki-port bitmap would be 8 KiB each time.
     */
    public synchronized int[] capRanges() {
        return ranges(caps);
    }

    /** {@code ports} as {@code [from, to)} pairs in order. */
    public static int[] ranges(BitSet ports) {
        int n = 0;
        for (int from = ports.nextSetBit(0); from >= 0; from = ports.nextSetBit(ports.nextClearBit(from))) n++;
        int[] out = new int[2 * n];
        int i = 0;
        for (int from = ports.nextSetBit(0); from >= 0; from = ports.nextSetBit(out[i - 1])) {
            out[i++] = from;
            out[i++] = ports.nextClearBit(from);
        }
        return out;
    }

    /**
     * XEN_DOMCTL_ioport_mapping's add (xen/arch/x86/domctl.c): the same machine range mapped again only moves its guest
     * port (a guest BAR move); a machine range touching one already mapped is {@code -EBUSY}. Xen's test is
     * {@code fmp + np >= mport && mport + np >= fmp}, which also refuses a range that merely abuts another; the model
     * keeps that.
     */
    synchronized int map(int gport, int mport, int ports, P2m.Owner owner) {
        for (int i = 0; i < ranges.size(); i++) {
            Range r = ranges.get(i);
            if (r.mport() == mport && r.ports() == ports) {
                ranges.set(i, new Range(gport, mport, ports, owner));
                return 0;
            }
            if (mport + ports >= r.mport() && r.mport() + r.ports() >= mport) return -Errno.EBUSY;
        }
        ranges.add(new Range(gport, mport, ports, owner));
        return 0;
    }

    /** XEN_DOMCTL_ioport_mapping's remove: found by machine port and size only (the guest port is not compared); {@code -ENOENT}. */
    synchronized int unmap(int mport, int ports) {
        for (int i = 0; i < ranges.size(); i++) {
            Range r = ranges.get(i);
            if (r.mport() == mport && r.ports() == ports) {
                ranges.remove(i);
                return 0;
            }
        }
        return -Errno.ENOENT;
    }

    /** The machine port a guest access of {@code size} bytes at {@code gport} goes to (g2m_portio_accept), or -1. */
    public synchronized int translate(int gport, int size) {
        for (Range r : ranges) {
            if (gport >= r.gport() && gport + size <= r.gport() + r.ports()) return gport - r.gport() + r.mport();
        }
        return -1;
    }

    public synchronized List<Range> ranges() {
        return List.copyOf(ranges);
    }

    public synchronized boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Puts permissions and ranges back exactly (a state restore). */
    synchronized void restore(int[] capRanges, List<Range> saved) {
        if ((capRanges.length & 1) != 0) throw new IllegalArgumentException("IO port permissions: an odd number of range bounds");
        caps.clear();
        for (int i = 0; i < capRanges.length; i += 2) caps.set(capRanges[i], capRanges[i + 1]);
        ranges.clear();
        ranges.addAll(saved);
    }
}
