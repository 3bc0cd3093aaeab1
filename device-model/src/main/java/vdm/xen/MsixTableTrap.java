package vdm.xen;

import vdm.log.Level;

/**
 * vPCI's MMIO handler for the MSI-X tables and PBAs of a domain's devices (msix.c's vpci_msix_table_ops: msix_accept,
 * msix_read, msix_write, and Xen 4.18's adjacent_read/adjacent_write), registered on the domain when its first MSI-X
 * device is set up. The table and PBA pages are not in the p2m ({@link Header#makeMsixHole}), so every access to them
 * exits to Xen and lands here: table entries are emulated, PBA reads and (with {@link XenConfig#msixAdjacent}) the
 * rest of those pages go to the device. Finding the device and claiming take no lock and allocate nothing.
 */
final class MsixTableTrap implements MmioIntercept {
    private final Xen xen;
    private final Domain domain;
    /** d->arch.hvm.msix_tables: replaced whole (copy on write) under this object's lock, read without one. */
    private volatile VpciMsix[] devices = new VpciMsix[0];

    private MsixTableTrap(Xen xen, Domain domain) {
        this.xen = xen;
        this.domain = domain;
    }

    /** The domain's trap, registered (register_mmio_handler) with its first MSI-X device. */
    static MsixTableTrap of(Xen xen, Domain d) {
        synchronized (d) {
            if (d.msixTrap == null) {
                d.msixTrap = new MsixTableTrap(xen, d);
                d.addMmioIntercept(d.msixTrap);
            }
            return d.msixTrap;
        }
    }

    synchronized void add(VpciMsix msix) {
        VpciMsix[] was = devices;
        VpciMsix[] now = java.util.Arrays.copyOf(was, was.length + 1);
        now[was.length] = msix;
        devices = now;
    }

    /** cleanup_msix's list_del: the device's vPCI goes away. */
    synchronized void remove(VpciMsix msix) {
        devices = java.util.Arrays.stream(devices).filter(m -> m != msix).toArray(VpciMsix[]::new);
    }

    VpciMsix[] devices() {
        return devices;
    }

    /**
     * msix_find: the device whose table or PBA shares a page with {@code addr}, its BAR mapped. Before Xen 4.18 only
     * the table and PBA themselves were claimed; the rest of their pages was not handled at all.
     */
    private VpciMsix find(long addr) {
        boolean adjacent = xen.config().msixAdjacent();
        for (VpciMsix m : devices) {
            if (adjacent ? m.claims(addr) : m.claimsInRange(addr)) return m;
        }
        return null;
    }

    @Override
    public boolean claims(Vcpu vcpu, long gaddr) {
        return find(gaddr) != null;
    }

    private static long ones(int len) {
        return len == 8 ? -1L : -1L >>> (64 - 8 * len);
    }

    /** access_allowed: aligned 4- and 8-byte accesses only, else dropped with Xen's warning. */
    private boolean accessAllowed(VpciMsix m, long addr, int len) {
        if ((len == 4 || len == 8) && (addr & (len - 1)) == 0) return true;
        xen.log().warn(domain.id(), "%s: unaligned or invalid size MSI-X table access", m.header().sbdf());
        return false;
    }

    /** adjacent_handle: the PBA, or anywhere on the table's or PBA's pages outside the table. */
    private static boolean adjacentHandle(VpciMsix m, long addr) {
        if (m.inRange(addr, VpciMsix.PBA)) return true;
        if (m.inRange(addr, VpciMsix.TABLE)) return false;
        return m.samePage(addr, VpciMsix.TABLE) || m.samePage(addr, VpciMsix.PBA);
    }

    @Override
    public long read(Vcpu vcpu, long addr, int len) {
        VpciMsix m = find(addr);
        if (m == null) return ones(len); // X86EMUL_RETRY in Xen: the device went away meanwhile
        if (adjacentHandle(m, addr)) return adjacentRead(m, addr, len);
        if (!accessAllowed(m, addr, len)) return ones(len);
        synchronized (m.header().vpci()) {
            return m.readEntry(addr, len) & ones(len);
        }
    }

    /**
     * adjacent_read: the PBA (aligned 4/8 bytes only) and the other registers on the table's pages are read from the
     * device, an unaligned access byte by byte; an access that runs into the table reads ~0.
     */
    private long adjacentRead(VpciMsix m, long addr, int len) {
        if (!adjacentHandle(m, addr + len - 1)) return ones(len);
        if (m.inRange(addr, VpciMsix.PBA) && !accessAllowed(m, addr, len)) return ones(len);
        if (!xen.config().msixAdjacent() && !m.inRange(addr, VpciMsix.PBA)) return ones(len);
        if ((addr & (len - 1)) != 0) {
            xen.log().log(domain.id(), Level.DEBUG, m.header().sbdf() + ": unaligned read to MSI-X related page");
            long data = ones(len);
            for (int i = 0; i < len; i++) {
                long part = adjacentRead(m, addr + i, 1);
                data = (data & ~(0xffL << (i * 8))) | (part & 0xff) << (i * 8);
            }
            return data;
        }
        synchronized (m.header().vpci()) {
            return xen.bus().mmioRead(addr, len) & ones(len); // the hardware domain's addresses are the host's
        }
    }

    @Override
    public void write(Vcpu vcpu, long addr, int len, long value) {
        VpciMsix m = find(addr);
        if (m == null) return;
        if (adjacentHandle(m, addr)) {
            adjacentWrite(m, addr, len, value);
            return;
        }
        if (!accessAllowed(m, addr, len)) return;
        synchronized (m.header().vpci()) {
            m.writeEntry(addr, len, len == 8 ? value : value & 0xffffffffL);
        }
    }

    /** adjacent_write: as {@link #adjacentRead}; PBA writes only from the hardware domain, aligned, else ignored. */
    private void adjacentWrite(VpciMsix m, long addr, int len, long value) {
        if (!adjacentHandle(m, addr + len - 1)) return;
        if (m.inRange(addr, VpciMsix.PBA) && (!accessAllowed(m, addr, len) || !domain.isHardwareDomain())) return;
        // Before 4.18 only the PBA itself was handled (written for the hardware domain): the rest was dropped.
        if (!xen.config().msixAdjacent() && !m.inRange(addr, VpciMsix.PBA)) return;
        if ((addr & (len - 1)) != 0) {
            xen.log().log(domain.id(), Level.DEBUG, m.header().sbdf() + ": unaligned write to MSI-X related page");
            for (int i = 0; i < len; i++) adjacentWrite(m, addr + i, 1, value >>> (i * 8));
            return;
        }
        synchronized (m.header().vpci()) {
            xen.bus().mmioWrite(addr, len, value & ones(len));
        }
    }
}
